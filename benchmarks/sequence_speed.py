"""Steps per second of the model-based checks (the state machines) against the bundled mock.

    .venv/bin/python benchmarks/sequence_speed.py [--examples N] [--steps N]

Runs each machine for N random sequences of up to M steps against a fresh bundled
mock (no shrinking: nothing fails on the correct mock) and prints, per API, steps per
second and HTTP requests per step. A step is one rule: a batch, a cancel-all, several
requests at once, orders placed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance.bundled_mock import BundledMock  # noqa: E402
from conformance.clob_cancel_all.test_sequences import ClobSequences  # noqa: E402
from conformance.exchange import ApiClient  # noqa: E402
from conformance.target import ClobTarget, ControlPlane, UsTarget  # noqa: E402
from conformance.us_batched_cancel.test_sequences import UsSequences  # noqa: E402

COUNTS = {"steps": 0, "requests": 0}
_send = httpx.Client.send


def _counted_send(self: httpx.Client, request: httpx.Request, **kwargs: object) -> httpx.Response:
    COUNTS["requests"] += 1
    return _send(self, request, **kwargs)


def counted(machine: type) -> type:
    """``machine`` with an invariant that counts the steps (hypothesis checks invariants after each one)."""

    class Counted(machine):
        @invariant()
        def count_the_step(self) -> None:
            COUNTS["steps"] += 1

    Counted.__name__ = machine.__name__
    return Counted


def measure(api: str, examples: int, steps: int) -> str:
    kind, machine = {"clob": (ClobTarget, counted(ClobSequences)), "us": (UsTarget, counted(UsSequences))}[api]
    with BundledMock() as mock:
        target = kind(api, mock.url, ApiClient(mock.url), ControlPlane.discover(mock.url))
        COUNTS.update(steps=0, requests=0)
        started = time.perf_counter()
        run_state_machine_as_test(
            lambda: machine(target),
            settings=settings(max_examples=examples, stateful_step_count=steps, database=None, deadline=None,
                              phases=[Phase.generate], suppress_health_check=list(HealthCheck)),
        )
        elapsed = time.perf_counter() - started
        target.close()
    return (f"{api:5} {COUNTS['steps']:5} steps in {elapsed:6.1f} s: {COUNTS['steps'] / elapsed:6.1f} steps/s, "
            f"{COUNTS['requests'] / max(1, COUNTS['steps']):.1f} HTTP requests per step")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10, help="sequences per machine (default 10)")
    parser.add_argument("--steps", type=int, default=30, help="steps per sequence at most (default 30)")
    args = parser.parse_args()
    httpx.Client.send = _counted_send
    for api in ("clob", "us"):
        print(measure(api, args.examples, args.steps))


if __name__ == "__main__":
    main()
