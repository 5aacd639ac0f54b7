"""``conformance-mock``: run the bundled mock as a real server (uvicorn)."""

from __future__ import annotations

import argparse

import uvicorn

from conformance_mock.app import create_app
from conformance_mock.faults import FAULTS, describe
from conformance_mock.stream import STYLES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="conformance-mock",
        description="A mock of Polymarket's CLOB DELETE /cancel-all and US POST /v1/orders/batched/cancel, "
        "with the conformance control plane.",
        epilog="faults (for the project's self-tests):\n" + "\n".join(f"  {name}: {describe(name)}" for name in FAULTS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS), metavar="NAME",
                        help="start with this fault (repeatable; listed below)")
    parser.add_argument("--no-control-plane", action="store_true",
                        help="answer POST /_conformance/reset with 404, so the mock looks like a live server")
    parser.add_argument("--stream-style", default="plain", choices=sorted(STYLES),
                        help="how the order stream delivers: plain (one snapshot message, updates at once) or busy "
                        "(one-order snapshot messages, heartbeats, NEW updates, every update 50-400 ms late)")
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    args = parser.parse_args(argv)
    app = create_app(args.fault, control_plane=not args.no_control_plane, stream_style=args.stream_style)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
