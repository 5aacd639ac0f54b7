"""Requirement id → verdict for one run: outcomes of each test, the table, ``verdicts.json``, the summary.

A test's outcomes ride on its pytest report (``report.conformance``), so the same
bookkeeping runs in a serial run and on the xdist controller, which receives every
worker's reports; a worker hands over its traffic counts when it ends. The file is
written at the end, and at once on SIGTERM (a CI job's timeout). Per test and
requirement the outcome is one of:

- ``pass`` / ``fail`` / ``skipped`` (with the reason);
- ``blocked``: the test stopped at another requirement's failure before it could
  judge this one (the detail names the blocking id);
- ``error``: a bug of the suite itself, never the target's fault.

A requirement's verdict: ``error`` or ``fail`` if any test says so; else ``pass``
(``informational`` for what the pages leave open) if any test judged it; else
``blocked``, ``skipped`` or ``not run``.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance import verdict
from conformance.catalogue import Requirement, requirements
from conformance.exchange import TransportFailure, Traffic
from conformance.verdict import ConformanceFailure

BLOCKED_BY = "blocked by "


def _unwrap(error: BaseException) -> BaseException:
    """The ConformanceFailure inside ``error`` (hypothesis may group failures, e.g. when a replay is flaky)."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = _unwrap(inner)
            if isinstance(found, ConformanceFailure):
                return found
    return error


def judge_report(declared: list[Requirement], report, error: BaseException | None, notes: Iterable[tuple[str, str]]):
    """The outcomes one phase's report gives the test's declared requirements, as [rid, outcome, detail] lists.

    Also makes a failure's report the readable message alone (no traceback).
    """
    failure = _unwrap(error) if error is not None else None
    if isinstance(failure, ConformanceFailure):
        # the message is the whole story, with hypothesis' notes (the failing example, a machine's steps)
        report.longrepr = "\n".join([str(failure), *getattr(failure, "__notes__", ())])
    elif isinstance(failure, TransportFailure):  # raised outside the test function (a fixture)
        report.longrepr = failure.describe()
    if not (report.when == "call" or (report.when == "setup" and not report.passed)):
        return []
    outcomes = []
    if isinstance(failure, ConformanceFailure):
        failed = failure.requirement.id
        outcomes.append([failed, "fail", failure.summary])
        outcomes += [[r.id, "blocked", BLOCKED_BY + failed] for r in declared if r.id != failed]
    elif report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ").splitlines()[0]  # without hypothesis' notes
        outcomes += [[r.id, "skipped", reason] for r in declared]
    elif report.failed:
        what = failure.what if isinstance(failure, TransportFailure) else f"{type(failure).__name__}: {failure}"
        outcomes += [[r.id, "error", what[:300]] for r in declared]
    else:
        outcomes += [[r.id, "pass", ""] for r in declared]
    if report.when == "call":
        outcomes += [[rid, "pass", text] for rid, text in notes]
    return outcomes


def verdict_of(level: str, outcomes: list[str]) -> str:
    for worst in ("error", "fail"):
        if worst in outcomes:
            return worst
    if "pass" in outcomes:
        return "informational" if level == "informational" else "pass"
    for weaker in ("blocked", "skipped"):
        if weaker in outcomes:
            return weaker
    return "not run"


@dataclass
class _Entry:
    outcomes: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)  # detail → the outcome it explains
    tests: set[str] = field(default_factory=set)

    def details_of(self, *outcomes: str) -> list[str]:
        return sorted(detail for detail, outcome in self.details.items() if outcome in outcomes)


@dataclass
class Ledger:
    """Everything a run reports: the targets, each requirement's outcomes, and each API's traffic and clock."""

    targets: dict[str, str | None]
    opened: bool = False  # a target was opened: the run judged something and has verdicts to write
    entries: dict[str, _Entry] = field(default_factory=dict)
    traffic: dict[str, Traffic] = field(default_factory=dict)
    clocks: dict[str, set[str]] = field(default_factory=dict)

    def record(self, nodeid: str, outcomes: list[list[str]]) -> None:
        for rid, outcome, detail in outcomes:
            self.opened = True
            entry = self.entries.setdefault(rid, _Entry())
            entry.outcomes.append(outcome)
            entry.tests.add(nodeid)
            if detail:
                entry.details.setdefault(detail, outcome)

    def worker_output(self) -> dict:
        """What an xdist worker hands its controller besides its reports."""
        return {
            "opened": self.opened,
            "traffic": {api: traffic.as_dict() for api, traffic in self.traffic.items()},
            "clocks": {api: sorted(clock) for api, clock in self.clocks.items()},
        }

    def merge_worker(self, output: dict) -> None:
        self.opened |= output["opened"]
        for api, counts in output["traffic"].items():
            self.traffic.setdefault(api, Traffic()).add(counts)
        for api, clocks in output["clocks"].items():
            self.clocks.setdefault(api, set()).update(clocks)

    def table(self) -> dict[str, dict]:
        table = {}
        for rid, requirement in requirements().items():
            entry = self.entries.get(rid, _Entry())
            verdict = verdict_of(requirement.level, entry.outcomes)
            table[rid] = {
                "api": requirement.api,
                "level": requirement.level,
                "area": requirement.area,
                "verdict": verdict,
                "blocked_by": [d.removeprefix(BLOCKED_BY) for d in entry.details_of("blocked")]
                if verdict == "blocked" else [],
                "details": sorted(entry.details),
                "failures": entry.details_of("fail", "error"),
                "tests": sorted(entry.tests),
            }
        return table

    def run_summary(self) -> dict[str, dict]:
        return {
            api: {**traffic.as_dict(), "clock": "; ".join(sorted(self.clocks.get(api, ()))) or None}
            for api, traffic in self.traffic.items()
        }

    def write(self, path: Path, interrupted: bool) -> None:
        document = {
            "targets": self.targets,
            "interrupted": interrupted,
            "traffic": self.run_summary(),
            "requirements": self.table(),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")

    def summary_lines(self, about_targets: list[str] = ()) -> list[str]:
        """The run's summary; ``about_targets`` (say, a live run's accounting) follows the targets' lines."""
        table = self.table()
        lines = [f"{api}: {target or 'not under test'}" for api, target in self.targets.items()]
        for api, info in self.run_summary().items():
            lines.append(
                f"{api}: {info['requests']} requests, {info['rate_limited']} rate-limited answers "
                f"({info['retries']} resent), {info['no_answer']} without answer, {info['seconds']:.1f} s in requests"
                + (f"; server clock {info['clock']}" if info["clock"] else "")
            )
        lines += about_targets
        counts: dict[str, int] = {}
        for entry in table.values():
            counts[entry["verdict"]] = counts.get(entry["verdict"], 0) + 1
        lines.append(", ".join(f"{n} {name}" for name, n in sorted(counts.items())))
        for rid, entry in table.items():
            if entry["verdict"] in ("fail", "error"):
                lines.append(f"{entry['verdict'].upper():7} {rid}: {requirements()[rid].check}")
                lines += [f"          {reason}" for reason in entry["failures"][:3]]
            elif entry["verdict"] == "blocked":
                lines.append(f"BLOCKED {rid}: not judged, {BLOCKED_BY}{', '.join(entry['blocked_by'])}")
            elif entry["verdict"] == "informational":
                lines += [f"INFO    {rid}: {detail}" for detail in entry["details"]]
        return lines


LEDGER = pytest.StashKey[Ledger]()


def declared(item: pytest.Item) -> list[Requirement]:
    """The requirements a test declares, in the order written, each once."""
    ids = [rid for marker in item.iter_markers("requirement") for rid in marker.args]
    return [requirements()[rid] for rid in dict.fromkeys(ids)]


class Verdicts:
    """The bookkeeping's pytest side, registered by the plugin; the ledger is in ``config.stash[LEDGER]``."""

    def __init__(self, config: pytest.Config, targets: dict[str, str | None]) -> None:
        self.config = config
        self.worker = hasattr(config, "workerinput")  # an xdist worker: its reports go to the controller
        self.ledger = config.stash[LEDGER] = Ledger(targets)
        self.session: pytest.Session | None = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
        report = yield
        reqs = declared(item)
        if reqs:
            error = call.excinfo.value if call.excinfo else None
            report.conformance = judge_report(reqs, report, error, verdict.CURRENT.items)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcomes = getattr(report, "conformance", None)
        if outcomes and not self.worker:
            self.ledger.record(report.nodeid, outcomes)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        """xdist controller: a worker's traffic and clock."""
        output = getattr(node, "workeroutput", {}).get("conformance")
        if output:
            self.ledger.merge_worker(output)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, self._terminated)

    def _terminated(self, signum: int, frame: object) -> None:
        """SIGTERM: write the verdicts so far at once, then stop after the running check (bounded by the
        request timeout), as pytest stops on ``-x``. A second SIGTERM interrupts at once."""
        if self.session.shouldstop:
            raise KeyboardInterrupt("terminated twice")
        self.session.shouldstop = "terminated (SIGTERM): the verdicts so far are written"
        self.write(interrupted=True)

    def write(self, interrupted: bool) -> None:
        # nothing to report where no target was judged, or a live preflight judged nothing on purpose
        if self.ledger.opened and not self.worker and not self.config.getoption("live_preflight"):
            self.ledger.write(Path(self.config.getoption("verdicts")), interrupted)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.worker:
            self.config.workeroutput["conformance"] = self.ledger.worker_output()
        elif exitstatus not in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
            self.write(interrupted=exitstatus == pytest.ExitCode.INTERRUPTED)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if signal.getsignal(signal.SIGTERM) == self._terminated:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
