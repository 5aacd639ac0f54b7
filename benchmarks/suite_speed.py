"""How long the suite takes against the bundled mock, per hypothesis profile.

    .venv/bin/python benchmarks/suite_speed.py [quick ci nightly] [--repeat N]

Prints wall-clock seconds (median of N runs) and pytest's summary line, so a
change that slows the default feedback loop shows up here, not in a timed test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(profile: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance", "-q", "--assert=plain",
         "--hypothesis-profile", profile, "--verdicts", "/dev/null"],
        cwd=ROOT, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    summary = [line for line in done.stdout.splitlines() if " passed" in line or " failed" in line]
    return elapsed, summary[-1] if summary else done.stdout[-200:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="*", default=["quick", "ci"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for profile in args.profiles:
        times, summary = [], ""
        for _ in range(args.repeat):
            elapsed, summary = run_once(profile)
            times.append(elapsed)
        print(f"{profile:8} median {statistics.median(times):6.1f} s  (runs: {', '.join(f'{t:.1f}' for t in times)})  {summary}")


if __name__ == "__main__":
    main()
