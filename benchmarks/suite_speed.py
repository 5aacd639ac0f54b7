"""How long the suite takes against the bundled mock, per hypothesis profile, and how many requests it sends.

    .venv/bin/python benchmarks/suite_speed.py [quick ci nightly] [--repeat N] [--mock="--rate-limit 15 --burst 5"]

Prints wall-clock seconds (median of N runs), pytest's summary line and, per API,
the requests sent and rate-limited answers of the last run, so a change that slows
the default feedback loop shows up here, not in a timed test. ``--mock`` starts the
mock with those options (a slow, rate-limited or skewed server; ``conformance-mock --help``).
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.bundled_mock import BundledMock  # noqa: E402


def run_once(profile: str, mock_options: list[str]) -> tuple[float, str, str]:
    with tempfile.TemporaryDirectory() as tmp, BundledMock(options=mock_options) as mock:
        verdicts = Path(tmp) / "verdicts.json"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "conformance", "-q", "--assert=plain", "--hypothesis-profile", profile,
             "--clob-url", mock.url, "--us-url", mock.url, "--verdicts", str(verdicts)],
            cwd=ROOT, capture_output=True, text=True,
        )
        elapsed = time.perf_counter() - started
        traffic = json.loads(verdicts.read_text())["traffic"] if verdicts.exists() else {}
    summary = [line for line in done.stdout.splitlines() if " passed" in line or " failed" in line]
    requests = ", ".join(f"{api} {t['requests']} requests ({t['rate_limited']} rate-limited)" for api, t in traffic.items())
    return elapsed, summary[-1] if summary else done.stdout[-200:], requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="*", default=["quick", "ci"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mock", default="", help="options for conformance-mock, in one string")
    args = parser.parse_args()
    mock_options = shlex.split(args.mock)
    for profile in args.profiles:
        times, summary, requests = [], "", ""
        for _ in range(args.repeat):
            elapsed, summary, requests = run_once(profile, mock_options)
            times.append(elapsed)
        mock = f" mock {args.mock!r}" if args.mock else ""
        print(f"{profile:8}{mock} median {statistics.median(times):6.1f} s  (runs: {', '.join(f'{t:.1f}' for t in times)})"
              f"  {requests}  {summary}")


if __name__ == "__main__":
    main()
