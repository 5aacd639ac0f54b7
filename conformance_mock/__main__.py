"""``conformance-mock``: run the bundled mock as a real server (uvicorn)."""

from __future__ import annotations

import argparse

import uvicorn

from conformance_mock.accounts import AccountsFileError
from conformance_mock.app import ORDERS_PAGE_SIZE, create_app
from conformance_mock.faults import FAULTS, describe
from conformance_mock.stream import STYLES
from conformance_mock.http import MAX_BODY, MAX_HEADER_BYTES
from conformance_mock.server import http_protocol, websocket_protocol
from conformance_mock.transport import Wire


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a number of seconds (0 or more)")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


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
                        help="serve no /_conformance path (all answer 404), so the mock looks like a live server")
    parser.add_argument("--accounts", metavar="FILE",
                        help="start with the accounts and open orders of this JSON file (see conformance_mock/accounts.py)")
    parser.add_argument("--orders-page-size", type=int, default=ORDERS_PAGE_SIZE, metavar="N",
                        help=f"orders per page of GET /data/orders (default {ORDERS_PAGE_SIZE})")
    parser.add_argument("--stream-style", default="plain", choices=sorted(STYLES),
                        help="how the order stream delivers: plain (one snapshot message, updates at once) or busy "
                        "(one-order snapshot messages, heartbeats, NEW updates, every update 50-400 ms late)")
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"],
                        help="uvicorn's HTTP/1.1 parser (auto: httptools when installed, else h11)")
    wire = parser.add_argument_group("on the wire, as staging servers behave (a correct server may)")
    wire.add_argument("--latency", type=_seconds, default=0.0, metavar="S",
                      help="answer every public API request after S seconds")
    wire.add_argument("--rate-limit", type=_positive, metavar="N",
                      help="a token bucket per API refilled at N requests per second; past it, 429 with Retry-After")
    wire.add_argument("--burst", type=int, metavar="N", help="the bucket's size (default: one second's worth)")
    wire.add_argument("--clock-offset", type=float, default=0.0, metavar="S",
                      help="run the mock's clock S seconds ahead of the host's (negative: behind): Date and the US window")
    wire.add_argument("--no-date", action="store_true",
                      help="answer without a Date header (a server without a clock may): the suite cannot read its clock")
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    args = parser.parse_args(argv)
    if args.orders_page_size < 1:
        parser.error("--orders-page-size must be 1 or more")
    if args.burst is not None and args.burst < 1:
        parser.error("--burst must be 1 or more")
    wire = Wire(args.latency, args.rate_limit, args.burst, args.clock_offset, date=not args.no_date)
    try:
        app = create_app(args.fault, control_plane=not args.no_control_plane, accounts=args.accounts,
                         orders_page_size=args.orders_page_size, stream_style=args.stream_style, wire=wire)
    except AccountsFileError as problem:
        parser.error(f"--accounts: {problem}")
    # the Date header is the mock's own (transport.py), on its possibly offset clock
    uvicorn.run(
        app, host=args.host, port=args.port, log_level=args.log_level, access_log=False, date_header=False,
        http=http_protocol(args.http), h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        ws=websocket_protocol(), ws_max_size=MAX_BODY,
    )


if __name__ == "__main__":
    main()
