"""The nightly run: what ``make nightly`` and the scheduled workflow call, and nothing else.

    python -m conformance.nightly [--reports DIR] [--profile NAME] [--allure PATH] [-- PYTEST_ARGS]

Targets come from ``CLOB_URL`` and ``US_URL`` (the bundled mock when both are unset or empty),
accounts from the variables the suite reads. Under DIR (default ``reports``) it writes
``verdicts.json``, ``junit.xml``, ``allure-results/``, the one-file ``allure-report/index.html``
and ``summary.md``, and keeps ``history/`` from run to run: past verdicts (the summary says what
changed since the last run), Allure's history (trends, flaky checks) and hypothesis' example
database (a failing example found once is tried first next time).

Exit status: 1 when a must requirement fails or errors; the suite's own status when it could not
judge (4: bad option or unreachable target); else 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from conformance.catalogue import requirements
from conformance.diff import FAILING, Change, VerdictsError, changes, load

KEPT_RUNS = 60  # past verdicts and Allure history entries
STAMP = "%Y%m%dT%H%M%SZ"
QUIET = ("pass", "informational", "skipped", "not run")  # verdicts that need no line of their own
ORDER = ("pass", "fail", "error", "blocked", "skipped", "informational", "not run")


def target_options(environ: dict[str, str]) -> list[str]:
    """``--clob-url``/``--us-url`` from CLOB_URL/US_URL; none (the bundled mock) when both are unset or empty."""
    options = []
    for variable, option in (("CLOB_URL", "--clob-url"), ("US_URL", "--us-url")):
        if environ.get(variable, "").strip():
            options.append(f"{option}={environ[variable].strip()}")
    return options


def run_suite(reports: Path, history: Path, profile: str, extra: list[str]) -> int:
    # option=value: pytest finds its rootdir before plugins add their options, and takes the
    # value of an unknown "--option value" that names an existing path for a test path
    command = [
        sys.executable, "-m", "pytest", "--pyargs", "conformance", "--assert=plain", "-p", "no:cacheprovider",
        f"--hypothesis-profile={profile}",
        f"--example-db={history / 'hypothesis'}",
        f"--verdicts={reports / 'verdicts.json'}",
        f"--alluredir={reports / 'allure-results'}",
        f"--junitxml={reports / 'junit.xml'}", "-o", "junit_family=xunit1", "-o", "junit_suite_name=conformance",
        *target_options(os.environ), *extra,
    ]
    return subprocess.call(command)


def generate_report(allure: Path, reports: Path, history: Path) -> str:
    """The one-file HTML report (allurerc.mjs), with Allure's history; a line saying where it is or why not."""
    output = reports / "allure-report"
    if not os.access(allure, os.X_OK):
        return f"No HTML report: {allure} not found (it comes with `npm ci`)."
    if not (reports / "allure-results").is_dir():
        return "No HTML report: the suite wrote no Allure results."
    shutil.rmtree(output, ignore_errors=True)
    done = subprocess.run(
        [str(allure), "generate", str(reports / "allure-results"), "--output", str(output),
         "--history-limit", str(KEPT_RUNS)],
        env={**os.environ, "CONFORMANCE_ALLURE_HISTORY": str(history / "allure-history.jsonl")},
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        return f"No HTML report: allure generate failed: {(done.stderr or done.stdout).strip()[-300:]}"
    return f"HTML report: {output / 'index.html'}"


def _counts(entries: dict[str, dict]) -> str:
    counts: dict[str, int] = {}
    for entry in entries.values():
        counts[entry["verdict"]] = counts.get(entry["verdict"], 0) + 1
    names = [n for n in ORDER if n in counts] + sorted(n for n in counts if n not in ORDER)
    return ", ".join(f"{counts[name]} {name}" for name in names)


def _line(rid: str, entry: dict) -> str:
    """One line for a requirement: verdict, id, level, and its first detail (else what the check does)."""
    known = requirements().get(rid)
    detail = " ".join((entry.get("failures") or entry.get("details") or [known.check if known else ""])[0].split())
    line = f"- **{entry['verdict']}** `{rid}` ({entry.get('level', '?')})"
    return f"{line}: {detail[:240]}" if detail else line


def _changed(found: list[Change]) -> list[str]:
    lines = []
    for kind in ("new failure", "fixed", "newly skipped", "changed"):
        lines += [f"- {kind}: `{c.rid}` ({c.old} → {c.new})" for c in found if c.kind == kind]
    return lines or ["- nothing changed"]


def summary(current: dict, previous: tuple[str, dict] | None, report_line: str) -> str:
    """summary.md: per API the counts, one line per failure, and what changed since the previous run."""
    titles = {r.api: r.api_title for r in requirements().values()}
    found = changes(previous[1], current) if previous else []
    lines = [f"# Conformance nightly, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", ""]
    for api, url in current.get("targets", {}).items():
        entries = {rid: e for rid, e in current["requirements"].items() if e.get("api") == api}
        lines += [f"## {titles.get(api, api)}", ""]
        if not url:
            lines += ["Not under test.", ""]
            continue
        lines += [f"Target: {url}", "", _counts(entries), ""]
        lines += [_line(rid, e) for rid, e in entries.items() if e["verdict"] not in QUIET] or ["No failure."]
        if previous:
            lines += ["", f"Since the previous run ({previous[0]}):", "", *_changed([c for c in found if c.api == api]), ""]
        else:
            lines += ["", "No previous run in the history: this run is the baseline.", ""]
    return "\n".join(lines + [report_line, ""])


def _previous(past: Path) -> tuple[str, dict] | None:
    """The latest readable past verdicts, named by their file (the UTC time of the run)."""
    for path in sorted(past.glob("*.json"), reverse=True):
        try:
            return path.stem, load(path)
        except VerdictsError as error:
            print(f"skipping a past run: {error}", file=sys.stderr)
    return None


def _keep(past: Path, verdicts: Path) -> None:
    past.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(verdicts, past / f"{datetime.now(timezone.utc):{STAMP}}.json")
    for old in sorted(past.glob("*.json"))[:-KEPT_RUNS]:
        old.unlink()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ours, extra = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(
        prog="python -m conformance.nightly", description=__doc__.splitlines()[0],
        epilog="Arguments after -- go to pytest.",
    )
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="output folder (default: reports)")
    parser.add_argument("--profile", default="nightly", help="hypothesis profile (default: nightly)")
    parser.add_argument("--allure", type=Path, default=Path("node_modules/.bin/allure"), help="the Allure 3 command")
    args = parser.parse_args(ours)

    reports, history = args.reports, args.reports / "history"
    past = history / "verdicts"
    reports.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(reports / "allure-results", ignore_errors=True)
    for stale in ("verdicts.json", "junit.xml", "summary.md"):
        (reports / stale).unlink(missing_ok=True)

    status = run_suite(reports, history, args.profile, extra)
    report_line = generate_report(args.allure, reports, history)
    if not (reports / "verdicts.json").exists():
        (reports / "summary.md").write_text(
            f"# Conformance nightly\n\nThe suite judged nothing (pytest exit status {status}): see the log.\n"
        )
        print(report_line)
        return status or 1

    current = load(reports / "verdicts.json")
    text = summary(current, _previous(past), report_line)
    (reports / "summary.md").write_text(text)
    _keep(past, reports / "verdicts.json")
    print(f"\n{text}")
    must_failed = any(e.get("level") == "must" and e["verdict"] in FAILING for e in current["requirements"].values())
    if must_failed:
        return 1
    return 0 if status in (0, 1) else status


if __name__ == "__main__":
    sys.exit(main())
