"""The pytest plugin: target options, markers, the targets, transport failures, Allure labels.

Registered as ``conformance.plugin`` by the ``pytest11`` entry point of the installed package
and, in a checkout, by the root ``conftest.py`` (the same name, so only once). It registers the
verdict bookkeeping (``verdicts.Verdicts``: outcomes per requirement, ``verdicts.json``).
"""

from __future__ import annotations

from collections.abc import Iterator

import allure
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from conformance import live, verdict
from conformance.bundled_mock import BundledMock, MockStartError
from conformance.catalogue import AREAS, requirements
from conformance.exchange import ApiClient, NoAnswer, StillRateLimited
from conformance.stream import DEFAULT_BOUND_SECONDS
from conformance.target import LIVE_CANCEL_OPT_IN, ClobTarget, ControlPlane, Target, TargetError, UsTarget, check_url
from conformance.verdicts import LEDGER, Verdicts, declared

# Requests per second per API on targets without a control plane (a real account, whose
# bots share the budget): well under the documented limits. CLOB cancel-all: 250 per 10 s
# burst, 6,000 per 10 min sustained (10/s); US: 2,000 per 10 s (200/s).
DEFAULT_PACE = {"clob": 2.0, "us": 20.0}
DEFAULT_REQUEST_TIMEOUT = 10.0

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

CONTROL_PLANES = "conformance_control_planes"  # xdist: which URLs the controller found a control plane on
FOUND_CONTROL_PLANES = pytest.StashKey[dict[str, bool]]()
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
        help="requests per second per API (default: none on a sandbox; without a control plane "
        + ", ".join(f"{api} {pace:g}" for api, pace in DEFAULT_PACE.items()) + ")",
    )
    group.addoption(
        "--request-timeout",
        type=float,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="S",
        help=f"seconds to wait for an answer; none in time fails the check (default {DEFAULT_REQUEST_TIMEOUT:g})",
    )
    group.addoption(
        "--stream-bound",
        type=float,
        default=DEFAULT_BOUND_SECONDS,
        help=f"seconds an order-stream update may lag the cancel that caused it (default {DEFAULT_BOUND_SECONDS:g})",
    )
    group.addoption("--verdicts", default="reports/verdicts.json", help="where to write requirement id → verdict")
    group.addoption(
        "--no-shrink",
        action="store_true",
        help="report each failing example as hypothesis first finds it, not minimized (quicker against slow servers)",
    )
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
    urls = {}
    for api, option in (("clob", "--clob-url"), ("us", "--us-url")):
        url = config.getoption(option)
        if url:
            try:
                urls[api] = check_url(option, url)
            except TargetError as error:
                raise pytest.UsageError(str(error)) from None
    for option in ("rate_limit", "request_timeout", "stream_bound"):
        value = config.getoption(option)
        if value is not None and value <= 0:
            raise pytest.UsageError(f"--{option.replace('_', '-')} must be a positive number")
    if not urls:
        urls = {"clob": "bundled mock", "us": "bundled mock"}
    config.pluginmanager.register(Verdicts(config, {api: urls.get(api) for api in ("clob", "us")}), "conformance-verdicts")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = requirements()
    for item in items:
        ids = [rid for marker in item.iter_markers("requirement") for rid in marker.args]
        unknown = [rid for rid in ids if rid not in known]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: unknown requirement id {', '.join(unknown)} (see conformance/requirements.yaml)")
        if ids:  # once each (allure-pytest makes every marker a tag); the area is the first requirement's,
            # what the check is about: an outcome check that also reads the answer's shape is no schema check
            for name in dict.fromkeys([*(known[rid].api for rid in ids), known[ids[0]].area]):
                item.add_marker(name)
        for rid in dict.fromkeys(ids):
            item.user_properties.append(("requirement", rid))  # a <property> of the JUnit testcase
    live.observation_first(items)


# --- targets -----------------------------------------------------------------


def pytest_sessionstart(session: pytest.Session) -> None:
    """Load the example database (after hypothesis' own pytest_configure has loaded --hypothesis-profile).

    On the xdist controller with given URLs: discover (and reset) each control plane once, before any
    worker runs: a worker resetting a shared target would wipe the accounts of the others. (Without URLs
    every worker judges a bundled mock of its own.)
    """
    config = session.config
    path = config.getoption("example_db")
    if path:
        # the loaded profile with a database; derandomize=True would imply none
        settings.register_profile("with-example-db", derandomize=False, database=DirectoryBasedExampleDatabase(path))
        settings.load_profile("with-example-db")
    if config.getoption("no_shrink"):
        settings.register_profile("no-shrink", phases=[p for p in settings.default.phases if p != Phase.shrink])
        settings.load_profile("no-shrink")
    urls = {url.rstrip("/") for url in (config.getoption("clob_url"), config.getoption("us_url")) if url}
    if config.pluginmanager.has_plugin("dsession") and urls:
        timeout = config.getoption("request_timeout")
        try:
            found = {url: ControlPlane.discover(url, timeout) for url in urls}
        except TargetError as error:
            raise pytest.UsageError(str(error)) from None
        config.stash[FOUND_CONTROL_PLANES] = {url: control is not None for url, control in found.items()}
        for control in found.values():
            if control:
                control.close()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """xdist controller: hand each worker what discovery found."""
    node.workerinput[CONTROL_PLANES] = node.config.stash.get(FOUND_CONTROL_PLANES, {})


def _control_plane(config: pytest.Config, url: str, timeout: float) -> ControlPlane | None:
    found = getattr(config, "workerinput", {}).get(CONTROL_PLANES, {})
    if url in found:  # an xdist worker: the controller has discovered it already
        return ControlPlane.attach(url, timeout) if found[url] else None
    return ControlPlane.discover(url, timeout)


def _open_targets(config: pytest.Config) -> Iterator[dict[str, Target | None]]:
    clob_url, us_url = config.getoption("clob_url"), config.getoption("us_url")
    timeout = config.getoption("request_timeout")
    ledger = config.stash[LEDGER]
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
            control = _control_plane(config, url.rstrip("/"), timeout)
            rate = config.getoption("rate_limit") or (None if control else DEFAULT_PACE[api])
            target = kind(api, url, ApiClient(url, rate, timeout), control, config.getoption("allow_live_cancel"))
            targets[api] = target
            target.check_credentials()
            ledger.traffic[api] = target.http.traffic
            if isinstance(target, UsTarget):
                ledger.clocks[api] = {target.read_clock().describe()}
        ledger.opened = True
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


# --- transport failures ------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Iterator[None]:
    """A request without an answer fails the test's first must requirement (the others are blocked by it);
    where the test judges only what the pages leave open, it is an observation. A target that stays
    rate-limited leaves nothing to judge: the test is skipped."""
    try:
        return (yield)
    except NoAnswer as failure:
        reqs = declared(pyfuncitem)
        musts = [r for r in reqs if not r.informational]
        if musts:
            raise verdict.ConformanceFailure(musts[0], "an HTTP answer to judge", failure.what, failure.request) from None
        sent = f" to {failure.request.method} {failure.request.url.path}" if failure.request is not None else ""
        for requirement in reqs:
            verdict.CURRENT.add(requirement.id, failure.what + sent)
        return True
    except StillRateLimited as failure:
        pytest.skip(failure.what)


# --- verdicts and reports ----------------------------------------------------


@pytest.fixture(autouse=True)
def _label_and_collect_notes(request: pytest.FixtureRequest) -> Iterator[None]:
    reqs = declared(request.node)
    for title in dict.fromkeys(r.api_title for r in reqs):
        allure.dynamic.epic(title)
    if reqs:
        allure.dynamic.feature(reqs[0].area)  # as the area marker: what the check is about
    for requirement in reqs:
        allure.dynamic.story(requirement.id)
        allure.dynamic.label("requirement", requirement.id)
    verdict.CURRENT.start(tuple(r.id for r in reqs))
    yield
    verdict.CURRENT.declared = None
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


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    ledger = config.stash[LEDGER]
    if not ledger.opened:
        return
    if config.getoption("live_preflight"):
        terminalreporter.section("live preflight")
        lines = live.LiveRun.preflight_lines(ledger.table())
    else:
        terminalreporter.section("conformance verdicts")
        plan = config.stash[LIVE].summary_lines() if LIVE in config.stash else []
        lines = [*ledger.summary_lines(plan), f"verdicts written to {config.getoption('verdicts')}"]
    for line in lines:
        terminalreporter.write_line(line)
