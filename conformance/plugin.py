"""The pytest plugin: target options, markers, verdicts per requirement, Allure labels.

Registered as ``conformance.plugin`` by the ``pytest11`` entry point of the installed package
and, in a checkout, by the root ``conftest.py`` (the same name, so only once).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import allure
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from conformance import live, verdict
from conformance.bundled_mock import BundledMock, MockStartError
from conformance.catalogue import AREAS, Requirement, requirements
from conformance.exchange import ApiClient
from conformance.stream import DEFAULT_BOUND_SECONDS
from conformance.target import LIVE_CANCEL_OPT_IN, ClobTarget, ControlPlane, Target, TargetError, UsTarget, check_url

LIVE_RATE_LIMIT = 2.0  # requests per second per API, on targets without a control plane

_common = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    "report_multiple_bugs": False,
}
settings.register_profile("quick", max_examples=4, derandomize=True, **_common)
settings.register_profile("ci", max_examples=12, derandomize=True, **_common)
settings.register_profile("nightly", max_examples=150, **_common)
settings.load_profile("ci")

VERDICTS = pytest.StashKey[dict]()
TARGETS = pytest.StashKey[dict]()
LIVE = pytest.StashKey[live.LiveRun]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Polymarket cancel API conformance")
    group.addoption("--clob-url", help="base URL of a CLOB server to judge (default: the bundled mock)")
    group.addoption("--us-url", help="base URL of a Polymarket US server to judge (default: the bundled mock)")
    group.addoption(
        LIVE_CANCEL_OPT_IN,
        action="store_true",
        help="let checks cancel orders on a target without a control plane (a real account)",
    )
    group.addoption(
        "--live-preflight",
        action="store_true",
        help="on targets without a control plane: read the accounts' open orders, say what a run would judge, "
        "skip and cancel, and cancel nothing",
    )
    group.addoption(
        "--rate-limit",
        type=float,
        default=None,
        help=f"requests per second per API (default: none on a sandbox, {LIVE_RATE_LIMIT} elsewhere)",
    )
    group.addoption(
        "--stream-bound",
        type=float,
        default=DEFAULT_BOUND_SECONDS,
        help=f"seconds an order-stream update may lag the cancel that caused it (default {DEFAULT_BOUND_SECONDS:g})",
    )
    group.addoption("--verdicts", default="reports/verdicts.json", help="where to write requirement id → verdict")
    group.addoption(
        "--example-db",
        metavar="DIR",
        help="keep hypothesis' failing examples in DIR and try them first next run (the run is then randomised)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(*ids): the catalogue requirements a test judges")
    config.addinivalue_line("markers", "clob: checks of CLOB DELETE /cancel-all")
    config.addinivalue_line("markers", "us: checks of Polymarket US POST /v1/orders/batched/cancel")
    config.addinivalue_line(
        "markers",
        "orders(n, cancels=n, one_market=False, second_account=False): on a live account, the check holds up to n "
        "of its open orders at once and cancels up to `cancels` per example",
    )
    for area in AREAS:
        config.addinivalue_line("markers", f"{area}: checks of the {area} area")
    for option in ("--clob-url", "--us-url"):
        url = config.getoption(option)
        if url:
            try:
                check_url(option, url)
            except TargetError as error:
                raise pytest.UsageError(str(error)) from None
    rate = config.getoption("rate_limit")
    if rate is not None and rate <= 0:
        raise pytest.UsageError("--rate-limit must be a positive number of requests per second")
    if not config.getoption("stream_bound") > 0:
        raise pytest.UsageError("--stream-bound must be a positive number of seconds")
    config.stash[VERDICTS] = {}


def _requirements_of(item: pytest.Item) -> list[Requirement]:
    return [requirements()[rid] for marker in item.iter_markers("requirement") for rid in marker.args]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = requirements()
    for item in items:
        ids = [rid for marker in item.iter_markers("requirement") for rid in marker.args]
        unknown = [rid for rid in ids if rid not in known]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: unknown requirement id {', '.join(unknown)} (see conformance/requirements.yaml)")
        for rid in ids:
            item.add_marker(known[rid].api)
            item.add_marker(known[rid].area)
            item.user_properties.append(("requirement", rid))  # a <property> of the JUnit testcase
    live.observation_first(items)


def pytest_sessionstart(session: pytest.Session) -> None:
    # after hypothesis' own pytest_configure has loaded --hypothesis-profile
    path = session.config.getoption("example_db")
    if path:
        # the loaded profile with a database; derandomize=True would imply none
        settings.register_profile("with-example-db", derandomize=False, database=DirectoryBasedExampleDatabase(path))
        settings.load_profile("with-example-db")


# --- targets -----------------------------------------------------------------


def _open_targets(config: pytest.Config) -> Iterator[dict[str, Target | None]]:
    clob_url, us_url = config.getoption("clob_url"), config.getoption("us_url")
    mock = None
    if not clob_url and not us_url:
        mock = BundledMock().start()
        clob_url = us_url = mock.url
    targets: dict[str, Target | None] = {}
    try:
        for api, url, kind in (("clob", clob_url, ClobTarget), ("us", us_url, UsTarget)):
            if not url:
                targets[api] = None
                continue
            control = ControlPlane.discover(url)
            rate = config.getoption("rate_limit") or (None if control else LIVE_RATE_LIMIT)
            target = kind(api, url, ApiClient(url, rate), control, config.getoption("allow_live_cancel"))
            target.check_credentials()
            targets[api] = target
        config.stash[TARGETS] = {api: t.url if t else None for api, t in targets.items()}
        yield targets
    finally:
        for target in targets.values():
            if target:
                target.close()
        if mock:
            mock.stop()


@pytest.fixture(scope="session")
def targets(request: pytest.FixtureRequest) -> Iterator[dict[str, Target | None]]:
    config = request.config
    try:
        opened = _open_targets(config)
        found = next(opened)
    except (TargetError, MockStartError) as error:
        pytest.exit(str(error), returncode=4)
    run = live.LiveRun(found, request.session.items, config.getoption("allow_live_cancel"),
                       config.getoption("live_preflight"))
    if run.targets:
        config.stash[LIVE] = run
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        with config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
            reporter.ensure_newline()
            for line in run.plan_lines():
                reporter.write_line(line)
    yield found
    run.finish()
    opened.close()


@pytest.hookimpl(trylast=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tell the live order pools which check draws from them (after its fixtures are set up)."""
    if LIVE in item.config.stash:
        item.config.stash[LIVE].begin(item)


def _target(targets: dict[str, Target | None], api: str, option: str):
    target = targets[api]
    if target is None:
        pytest.skip(f"{api} is not under test: pass {option} URL")
    return target


@pytest.fixture(scope="session")
def clob(targets: dict[str, Target | None]) -> ClobTarget:
    """The CLOB target under test."""
    return _target(targets, "clob", "--clob-url")


@pytest.fixture(scope="session")
def us(targets: dict[str, Target | None]) -> UsTarget:
    """The Polymarket US target under test."""
    return _target(targets, "us", "--us-url")


# --- verdicts and reports ----------------------------------------------------


@pytest.fixture(autouse=True)
def _label_and_collect_notes(request: pytest.FixtureRequest) -> Iterator[None]:
    reqs = _requirements_of(request.node)
    for requirement in reqs:
        allure.dynamic.epic(requirement.api_title)
        allure.dynamic.feature(requirement.area)
        allure.dynamic.story(requirement.id)
        allure.dynamic.label("requirement", requirement.id)
    verdict.CURRENT.items.clear()
    yield
    if reqs:  # after the test: allure-pytest sets the docstring as description during setup
        allure.dynamic.description(
            "\n\n".join(f"**{r.id}** ({r.level}): \"{r.sentence}\"\n\nCheck: {r.check}" for r in reqs)
        )
    if verdict.CURRENT.items:
        allure.attach(
            "\n".join(f"{rid}: {text}" for rid, text in verdict.CURRENT.items),
            name="informational",
            attachment_type=allure.attachment_type.TEXT,
        )


def _record(config: pytest.Config, rid: str, outcome: str, nodeid: str, detail: str = "") -> None:
    entry = config.stash[VERDICTS].setdefault(rid, {"outcomes": [], "details": [], "tests": []})
    entry["outcomes"].append(outcome)
    if nodeid not in entry["tests"]:
        entry["tests"].append(nodeid)
    if detail and detail not in entry["details"]:
        entry["details"].append(detail)


def _conformance_failure(error: BaseException) -> BaseException:
    """The ConformanceFailure inside ``error`` (hypothesis may wrap it, e.g. when a replay is flaky), else ``error``."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = _conformance_failure(inner)
            if isinstance(found, verdict.ConformanceFailure):
                return found
    return error


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    reqs = _requirements_of(item)
    if not reqs:
        return report
    failure = _conformance_failure(call.excinfo.value) if call.excinfo else None
    if isinstance(failure, verdict.ConformanceFailure):
        report.longrepr = str(failure)  # the message is the whole story; no traceback
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if isinstance(failure, verdict.ConformanceFailure):
            _record(item.config, failure.requirement.id, "fail", item.nodeid, str(failure).splitlines()[2])
        for requirement in reqs:
            if report.skipped:
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
                _record(item.config, requirement.id, "skipped", item.nodeid, reason.removeprefix("Skipped: "))
            elif report.failed and not isinstance(failure, verdict.ConformanceFailure):
                _record(item.config, requirement.id, "error", item.nodeid, f"{type(failure).__name__}: {failure}"[:300])
            elif report.passed:
                _record(item.config, requirement.id, "pass", item.nodeid)
        if report.when == "call":
            for rid, text in verdict.CURRENT.items:
                _record(item.config, rid, "pass", item.nodeid, text)
    return report


def _verdict(level: str, outcomes: list[str]) -> str:
    for worst in ("error", "fail"):
        if worst in outcomes:
            return worst
    if outcomes and all(outcome == "skipped" for outcome in outcomes):
        return "skipped"
    if not outcomes:
        return "not run"
    return "informational" if level == "informational" else "pass"


def verdict_table(config: pytest.Config) -> dict[str, dict]:
    table = {}
    for rid, requirement in requirements().items():
        entry = config.stash[VERDICTS].get(rid, {"outcomes": [], "details": [], "tests": []})
        table[rid] = {
            "api": requirement.api,
            "level": requirement.level,
            "area": requirement.area,
            "verdict": _verdict(requirement.level, entry["outcomes"]),
            "details": entry["details"],
            "tests": entry["tests"],
        }
    return table


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if TARGETS not in config.stash or config.getoption("live_preflight"):
        return  # no check ran against a target: nothing to report
    path = Path(config.getoption("verdicts"))
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"targets": config.stash[TARGETS], "requirements": verdict_table(config)}
    path.write_text(json.dumps(document, indent=2) + "\n")


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if TARGETS not in config.stash:
        return
    table = verdict_table(config)
    write = terminalreporter.write_line
    if config.getoption("live_preflight"):
        terminalreporter.section("live preflight")
        for line in live.LiveRun.preflight_lines(table):
            write(line)
        return
    terminalreporter.section("conformance verdicts")
    for api, url in config.stash[TARGETS].items():
        write(f"{api}: {url or 'not under test'}")
    if LIVE in config.stash:
        for line in config.stash[LIVE].summary_lines():
            write(line)
    counts: dict[str, int] = {}
    for entry in table.values():
        counts[entry["verdict"]] = counts.get(entry["verdict"], 0) + 1
    write(", ".join(f"{n} {name}" for name, n in sorted(counts.items())))
    for rid, entry in table.items():
        if entry["verdict"] in ("fail", "error"):
            write(f"{entry['verdict'].upper():5} {rid}: {requirements()[rid].check}")
        elif entry["verdict"] == "informational":
            for detail in entry["details"]:
                write(f"INFO  {rid}: {detail}")
    write(f"verdicts written to {config.getoption('verdicts')}")
