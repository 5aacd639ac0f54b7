"""Live targets (no control plane): the account's own open orders, read as the official clients read
them, shared out among the checks by a plan made once, and what the run canceled.

The suite cannot arrange orders on a live account; it uses the open orders the account
already has, and only with ``--allow-live-cancel``.

- CLOB: any cancel-all cancels every open order of the account, so one observed cancel-all
  (``GET /data/orders`` before and after, then a repeat) judges the outcome requirements,
  before any other CLOB check runs.
- US: a batch cancels only the orders it names. Before the first check, the account's open
  orders are read once and planned: each check that uses them declares, with
  ``@pytest.mark.orders(n, cancels=k)``, how many it holds at once and cancels per example;
  the stream, outcome, echo and idempotency checks are served first. Whatever a check leaves
  open (a rejected batch, an order it expects to stay open) is confirmed through
  ``GET /v1/orders/open`` and given back.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import hypothesis
import pytest
from hypothesis import Phase, settings

from conformance.catalogue import requirements
from conformance.exchange import ApiClient, Exchange
from conformance.results import CancelResult, cancel_result
from conformance.signing import ClobCredentials, ClobSigner, UsCredentials, UsSigner

if TYPE_CHECKING:
    from conformance.target import ClobTarget, Target

CLOB_ORDERS_PATH = "/data/orders"
FIRST_CURSOR, END_CURSOR = "MA==", "LTE="  # py-clob-client's first cursor and end marker
MAX_PAGES = 1000
US_OPEN_ORDERS_PATH = "/v1/orders/open"

LIVE_EXAMPLES = 2
"""Hypothesis examples of a check that cancels real orders, on a live target (no shrinking: each call spends orders)."""
FIRST_AREAS = ("stream", "outcome", "echo", "idempotency")
"""The order-using checks served first, in this order; then the others, informational ones last."""
OBSERVED_CLOB = ("CLOB-CA-001", "CLOB-CA-002", "CLOB-CA-012", "CLOB-CA-013")
PREFLIGHT_RUNS = "preflight: runs (stopped before its first request that could change anything)"
PLACE_MORE = "place more, or use a sandbox"


def _open(count: int) -> str:
    return f"{count} open order{'' if count == 1 else 's'}"


class UnreadableOrders(Exception):
    """The account's open orders could not be read; the message says what came back."""


def _unreadable(exchange: Exchange, what: str) -> UnreadableOrders:
    return UnreadableOrders(f"{exchange.request.method} {exchange.request.url.path} {what}: {exchange.describe_response()}")


def clob_open_orders(http: ApiClient, creds: ClobCredentials) -> dict[str, str]:
    """The account's open CLOB orders, id → market, read as py-clob-client's ``get_orders()`` reads them:
    ``GET /data/orders`` with L2 auth, from ``next_cursor=MA==`` page by page until the end marker ``LTE=``."""
    signer, orders, cursors = ClobSigner(creds), {}, {FIRST_CURSOR}
    cursor = FIRST_CURSOR
    while cursor != END_CURSOR:
        exchange = http.send("GET", CLOB_ORDERS_PATH, auth=signer, params={"next_cursor": cursor})
        page = exchange.json()
        if exchange.status != 200:
            raise _unreadable(exchange, f"answered {exchange.status}")
        if not (isinstance(page, dict) and isinstance(page.get("data"), list) and isinstance(page.get("next_cursor"), str)
                and all(isinstance(o, dict) and isinstance(o.get("id"), str) for o in page["data"])):
            raise _unreadable(exchange, "is not a page of open orders ({data: [{id, market, …}], next_cursor})")
        orders.update({o["id"]: str(o.get("market", "")) for o in page["data"]})
        cursor = page["next_cursor"]
        if cursor in cursors or len(cursors) > MAX_PAGES:
            raise _unreadable(exchange, f"never reaches the end cursor {END_CURSOR} (next_cursor {cursor!r} again)")
        cursors.add(cursor)
    return orders


def us_open_orders(http: ApiClient, creds: UsCredentials) -> dict[str, str]:
    """The account's open US orders, id → market slug: ``GET /v1/orders/open``, as the official client lists them."""
    exchange = http.send("GET", US_OPEN_ORDERS_PATH, auth=UsSigner(creds))
    body = exchange.json()
    if exchange.status != 200:
        raise _unreadable(exchange, f"answered {exchange.status}")
    orders = body.get("orders") if isinstance(body, dict) else None
    if not isinstance(orders, list) or not all(isinstance(o, dict) and isinstance(o.get("id"), str) for o in orders):
        raise _unreadable(exchange, "is not {orders: [{id, marketSlug, …}]}")
    return {o["id"]: str(o.get("marketSlug", "")) for o in orders}


def _markets(orders: dict[str, str]) -> str:
    counts = Counter(orders.values())
    return ", ".join(f"{market or '(no market)'} {n}" for market, n in counts.most_common()) or "none"


# --- the CLOB: one observed cancel-all ----------------------------------------


@dataclass
class CancelAllObservation:
    """A cancel-all and its repeat, with the caller's (and another account's) open orders read around them."""

    before: dict[str, str]
    first: Exchange
    open_after: set[str]
    second: Exchange
    open_after_second: set[str]
    theirs_before: dict[str, str] | None
    theirs_after: set[str] | None

    @property
    def result(self) -> CancelResult:
        return cancel_result(self.first)

    @property
    def repeat(self) -> CancelResult:
        return cancel_result(self.second)


def observe_cancel_all(clob: ClobTarget, me: ClobCredentials, other: ClobCredentials | None) -> CancelAllObservation:
    """Read the open orders, cancel all, read again, cancel all again, read again."""
    theirs_before = clob.open_orders(other) if other else None
    before = clob.open_orders(me)
    if not before:
        pytest.skip(f"needs at least 1 open order on the account, 0 found: {PLACE_MORE}")
    signer = ClobSigner(me)
    first = clob.cancel_all(signer)
    open_after = set(clob.open_orders(me))
    second = clob.cancel_all(signer)
    open_after_second = set(clob.open_orders(me))
    theirs_after = set(clob.open_orders(other)) if other else None
    return CancelAllObservation(before, first, open_after, second, open_after_second, theirs_before, theirs_after)


def observation_first(items: list[pytest.Item]) -> None:
    """On a live account every cancel-all cancels all its orders: the checks that judge them run before any other."""
    items.sort(key=lambda item: "observed_cancel_all" not in getattr(item, "fixturenames", ()))


# --- US: the plan and the pool ------------------------------------------------


@dataclass(frozen=True)
class Need:
    """What one check takes from a live account: up to ``hold`` open orders at once, canceling up to ``cancels`` per example."""

    hold: int
    cancels: int
    examples: int = 1
    one_market: bool = False
    second_account: bool = False

    @property
    def spends(self) -> int:
        return self.cancels * self.examples

    @property
    def slack(self) -> int:
        """Orders held but given back (those it leaves open)."""
        return self.hold - self.cancels

    def describe(self) -> str:
        where = " in one market" if self.one_market else ""
        times = f" per example × {self.examples}" if self.examples > 1 else ""
        cancels = f"cancels up to {self.cancels}{times}" if self.cancels else "cancels none of them"
        return f"{self.hold} at once{where}, {cancels}"


def need_of(item: pytest.Item) -> Need | None:
    marker = item.get_closest_marker("orders")
    if marker is None:
        return None
    hold = marker.args[0]
    examples = _live_examples() if getattr(item.obj, "is_hypothesis_test", False) else 1
    return Need(hold, marker.kwargs.get("cancels", hold), examples, marker.kwargs.get("one_market", False),
                marker.kwargs.get("second_account", False))


def _priority(item: pytest.Item) -> int:
    reqs = [requirements()[rid] for marker in item.iter_markers("requirement") for rid in marker.args]
    if reqs and all(r.informational for r in reqs):
        return len(FIRST_AREAS) + 1
    areas = [FIRST_AREAS.index(r.area) for r in reqs if r.area in FIRST_AREAS]
    return min(areas, default=len(FIRST_AREAS))


class AccountOrders:
    """One account's open orders on a live target, planned among the checks that use them.

    A planned check has its own reserve (what it may cancel) and borrows from a float shared
    by all (what checks hold for a moment and give back). Before each draw, the orders drawn
    before are confirmed through the open-orders list: those still open go back, the others
    count as canceled by the run.
    """

    def __init__(self, label: str, read) -> None:
        self.label = label
        self._read = read
        self.problem = ""
        try:
            self.start: dict[str, str] = read()
        except UnreadableOrders as error:
            self.start, self.problem = {}, str(error)
        self.plan: dict[str, tuple[Need, str]] = {}  # nodeid → (need, why it skips, or "")
        self.reserves: dict[str, dict[str, str]] = {}
        self.float: dict[str, str] = {}
        self.leased: dict[str, tuple[str, str]] = {}  # id → (market, nodeid of the check)
        self.canceled: set[str] = set()  # drawn by a check, then no longer open
        self.gone: set[str] = set()  # no longer open at the end, drawn or not
        self.lacking: dict[str, int] = {}  # nodeid → how many orders it needed, for the checks skipped for lack of them
        self.check = ""
        self.draws: Counter[str] = Counter()

    # planning

    def make_plan(self, checks: list[tuple[str, Need]]) -> None:
        """Serve ``checks`` (in priority order) while the orders last, then reserve their orders by id.

        A full run costs what every check may cancel, plus the most any check holds and gives back;
        a check that needs one market holds its orders there for itself.
        """
        total, room = len(self.start), Counter(self.start.values())
        spends = slack = 0
        for nodeid, need in checks:
            cost, gives_back = (need.hold, 0) if need.one_market else (need.spends, need.slack)
            left = max(total - spends - slack, 0)
            biggest = room.most_common(1)[0] if room else ("", 0)
            if self.problem:
                reason = f"the account's open orders could not be read: {self.problem}"
            elif need.one_market and biggest[1] < need.hold:
                reason = f"needs {_open(need.hold)} in one market, {biggest[1]} is the most left in one: {PLACE_MORE}"
                self.lacking[nodeid] = need.hold
            elif spends + cost + max(slack, gives_back) > total:
                reason = (f"needs {_open(cost + gives_back)} ({need.describe()}), "
                          f"{left} of the {self.label}'s {total} left after the checks planned first: {PLACE_MORE}")
                self.lacking[nodeid] = cost + gives_back
            else:
                reason = ""
                spends, slack = spends + cost, max(slack, gives_back)
                if need.one_market:
                    room[biggest[0]] -= need.hold
            self.plan[nodeid] = (need, reason)
        free = dict(self.start)
        planned = [(nodeid, need) for nodeid, (need, reason) in self.plan.items() if not reason]
        for nodeid, need in sorted(planned, key=lambda p: not p[1].one_market):
            if need.one_market:
                market = Counter(free.values()).most_common(1)[0][0]
                ids = [i for i, m in free.items() if m == market][: need.hold]
            else:
                ids = list(free)[: need.spends]
            self.reserves[nodeid] = {i: free.pop(i) for i in ids}
        self.float = {i: free.pop(i) for i in list(free)[:slack]}

    def needed(self) -> tuple[int, int]:
        """Open orders a full run needs: in all, and in one market."""
        needs = [need for need, _ in self.plan.values()]
        spends = sum(n.hold if n.one_market else n.spends for n in needs)
        slack = max((n.slack for n in needs if not n.one_market), default=0)
        return spends + slack, max((n.hold for n in needs if n.one_market), default=0)

    # drawing

    def begin(self, nodeid: str) -> None:
        """A new check runs: what the previous one did not cancel joins the float."""
        if self.check in self.reserves:
            self.float.update(self.reserves.pop(self.check))
        self.check = nodeid

    def take(self, entries: list[dict]) -> list[dict[str, str]]:
        """Open orders for the running check, in place of ``entries`` (at most as many as it declared)."""
        if self.check not in self.plan:
            raise RuntimeError(f"{self.check} cancels live orders but declares no @pytest.mark.orders(…)")
        need, reason = self.plan[self.check]
        if reason:
            pytest.skip(reason)
        self.settle()
        count = min(len(entries), need.hold)
        own = self.reserves.get(self.check, {})
        candidates = {**own, **self.float}  # its own reserve first
        if need.one_market:
            market = next((m for m, n in Counter(candidates.values()).most_common() if n >= count), None)
            candidates = {i: m for i, m in candidates.items() if m == market}
        if len(candidates) < count:
            self._short(count, len(candidates), need)
        taken = []
        for order_id in list(candidates)[:count]:
            market = own.pop(order_id) if order_id in own else self.float.pop(order_id)
            self.leased[order_id] = (market, self.check)
            taken.append({"id": order_id, "marketSlug": market})
        self.draws[self.check] += 1
        return taken

    def _short(self, count: int, left: int, need: Need) -> None:
        reason = (f"needs {_open(count)}{' in one market' if need.one_market else ''}, {left} left for it "
                  f"(more were canceled or closed than planned): {PLACE_MORE}")
        if self.draws[self.check] and hypothesis.currently_in_test_context():
            hypothesis.reject()  # the examples already judged stand
        self.lacking[self.check] = count
        pytest.skip(reason)

    def settle(self) -> None:
        """Read the open-orders list: what was drawn and is still open goes back, the rest was canceled;
        what closed without being drawn (filled, or canceled unasked) is no longer given out."""
        open_now = self._read()
        for order_id, (market, nodeid) in self.leased.items():
            if order_id not in open_now:
                self.canceled.add(order_id)
            else:
                (self.reserves[nodeid] if nodeid == self.check and nodeid in self.reserves else self.float)[order_id] = market
        self.leased.clear()
        for pool in (self.float, *self.reserves.values()):
            for order_id in [i for i in pool if i not in open_now]:
                del pool[order_id]

    def finish(self) -> None:
        """The final accounting: which of the account's orders are no longer open, and which of those a check named."""
        try:
            open_now = self._read()
        except UnreadableOrders:
            return
        self.canceled |= {i for i in self.leased if i not in open_now}
        self.leased.clear()
        self.gone = {i for i in self.start if i not in open_now}


# --- the run ------------------------------------------------------------------


class PreflightClient:
    """A target's client during ``--live-preflight``: reads go out; a check's first other request stops it, as "runs"."""

    def __init__(self, client: ApiClient) -> None:
        self._client = client

    def send(self, method: str, path: str, **kwargs) -> Exchange:
        if method != "GET":
            pytest.skip(PREFLIGHT_RUNS)
        return self._client.send(method, path, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._client, name)


def _live_examples() -> int:
    return min(LIVE_EXAMPLES, settings.default.max_examples)


def _live_sized(item: pytest.Item) -> None:
    """Few hypothesis examples, and no shrinking, for a check that spends real orders (its settings, overridden)."""
    test = item.obj
    if getattr(test, "is_hypothesis_test", False) and not getattr(test, "live_sized", False):
        settings(max_examples=_live_examples(), phases=[Phase.explicit, Phase.generate])(test)
        test.live_sized = True


def _name(item: pytest.Item) -> str:
    return item.nodeid.split("/")[-1]


def _ids(rids: list[str]) -> str:
    """CLOB-CA-001, -002, -012: ids of one API, the prefix written once."""
    return ", ".join(rid if i == 0 else "-" + rid.rsplit("-", 1)[1] for i, rid in enumerate(rids))


class LiveRun:
    """What a run does with the accounts of live targets: the plan, printed first; the draws; the accounting."""

    def __init__(self, targets: dict[str, Target | None], items: list[pytest.Item], allow_cancel: bool,
                 preflight: bool) -> None:
        self.targets = {api: t for api, t in targets.items() if t is not None and not t.sandbox}
        self.allow_cancel, self.preflight = allow_cancel, preflight
        self.observed = any("observed_cancel_all" in getattr(item, "fixturenames", ()) for item in items)
        self.accounts: dict[str, list[AccountOrders]] = {}
        for target in targets.values():
            if target is not None and preflight:
                target.http = PreflightClient(target.http)
        for api, target in self.targets.items():
            identities = target.live_identities()
            pools = [AccountOrders(label, lambda creds=creds, t=target: t.open_orders(creds)) for label, creds in identities]
            target.pools = {target.account_id(creds): pool for (_, creds), pool in zip(identities, pools, strict=True)}
            self.accounts[api] = pools
        self.items: dict[str, pytest.Item] = {}
        for api, pools in self.accounts.items():
            checks = sorted(((item, need_of(item)) for item in items if _api_of(item) == api and need_of(item)),
                            key=lambda pair: _priority(pair[0]))
            for item, _ in checks:
                _live_sized(item)
                self.items[item.nodeid] = item
            for pool in pools:
                pool.make_plan([(item.nodeid, need) for item, need in checks
                                if need.second_account == (pool.label == "second account")])

    def begin(self, item: pytest.Item) -> None:
        for pools in self.accounts.values():
            for pool in pools:
                pool.begin(item.nodeid)

    def finish(self) -> None:
        for pools in self.accounts.values():
            for pool in pools:
                pool.finish()

    # what the terminal shows

    def plan_lines(self) -> list[str]:
        mode = "preflight: nothing is canceled" if self.preflight else "the accounts' own orders"
        opt_in = "with" if self.allow_cancel else "without"
        lines = [f"live plan ({mode}, {opt_in} --allow-live-cancel):"]
        for api, pools in self.accounts.items():
            lines.append(f"{api} {self.targets[api].url}")
            for pool in pools:
                if pool.problem:
                    lines.append(f"  {pool.label}: its open orders could not be read ({pool.problem})")
                else:
                    lines.append(f"  {pool.label}: credentials accepted; {len(pool.start)} open orders ({_markets(pool.start)})")
            if len(pools) == 1:
                lines.append(f"  no second account: the isolation checks skip ({self.targets[api].second_account_hint})")
            if not self.allow_cancel:
                lines.append("  without --allow-live-cancel nothing is canceled (the checks that would cancel skip); with it:")
            lines += self._clob_plan(pools) if api == "clob" else self._us_plan(pools)
        return lines

    def _clob_plan(self, pools: list[AccountOrders]) -> list[str]:
        if not self.observed:
            return []
        mine = pools[0]
        if not mine.start:
            return [f"  skips {_ids(list(OBSERVED_CLOB))}: needs at least 1 open order on the account, 0 found"]
        judged = [*OBSERVED_CLOB, *(["CLOB-CA-011"] if len(pools) > 1 else [])]
        return [f"  one cancel-all, observed through {CLOB_ORDERS_PATH}, cancels all {len(mine.start)} and judges "
                f"{_ids(judged)}; a full run needs 1 open order or more"]

    def _us_plan(self, pools: list[AccountOrders]) -> list[str]:
        if not any(pool.plan for pool in pools):
            return []
        lines = []
        for pool in pools:
            total, one_market = pool.needed()
            where = f", {one_market} of them in one market" if one_market else ""
            lines.append(f"  a full run needs {total} open orders on the {pool.label}{where}")
        lines.append(f"  checks that cancel orders draw {_live_examples()} hypothesis examples each, without shrinking")
        for pool in pools:
            for nodeid, (need, reason) in pool.plan.items():
                verdict = f"skips {_name(self.items[nodeid])}: {reason}" if reason else \
                    f"runs  {_name(self.items[nodeid])}: {need.describe()}"
                lines.append(f"  {verdict}")
        return lines

    def summary_lines(self) -> list[str]:
        lines = []
        for api, pools in self.accounts.items():
            counts = []
            for pool in pools:
                if api == "clob":
                    counts.append(f"{len(pool.gone)} of the {pool.label}'s {len(pool.start)} open orders no longer open")
                else:
                    unnamed = len(pool.gone - pool.canceled)
                    more = f" ({unnamed} more closed without being named)" if unnamed else ""
                    counts.append(f"canceled {len(pool.canceled & pool.gone)} of the {pool.label}'s "
                                  f"{len(pool.start)} open orders{more}")
            lines.append(f"{api}: " + "; ".join(counts))
            lacking = [f"{_name(self.items[nodeid])} (needs {count})" for pool in pools for nodeid, count in pool.lacking.items()]
            if lacking and self.allow_cancel:
                lines.append(f"{api}: skipped for lack of orders: {', '.join(lacking)}")
        return lines

    @staticmethod
    def preflight_lines(table: dict[str, dict]) -> list[str]:
        """Per API, the requirements a run would judge, and those it would not, with why."""
        lines = ["preflight: nothing was canceled; a run with these options would"]
        for api in ("clob", "us"):
            details = {rid: {d.splitlines()[0] for d in e["details"]} for rid, e in table.items() if e["api"] == api}
            judged = [rid for rid, found in details.items() if PREFLIGHT_RUNS in found]
            if judged:
                lines.append(f"  {api}: judge {_ids(judged)}")
            reasons: dict[str, list[str]] = {}
            for rid, found in details.items():
                if rid not in judged:
                    for reason in sorted(found):
                        reasons.setdefault(reason, []).append(rid)
            lines += [f"  {api}: skip {_ids(rids)}: {reason}" for reason, rids in reasons.items()]
        return lines


def _api_of(item: pytest.Item) -> str | None:
    apis = {requirements()[rid].api for marker in item.iter_markers("requirement") for rid in marker.args}
    return apis.pop() if len(apis) == 1 else None
