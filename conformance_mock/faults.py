"""Faults the mock can be started with, for the project's self-tests only.

Each fault is a realistic server bug: a small class that overrides one decision
of the reference behaviour (``ClobRules``, ``UsRules`` or ``StreamRules``), named after what it
breaks (the class name, in kebab case, is the ``--fault`` name), described by
its docstring, and tagged with the requirements of the suite that must catch it
(``tests/selftest/test_faults.py`` runs the suite against each and checks that
exactly those fail). Where a live run (no control plane, the account's own orders)
catches it through other requirements, ``live`` names those.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response

from conformance_mock.auth import HTTP_METHODS, AuthError
from conformance_mock.clob import ClobRules
from conformance_mock.store import CANCELED, OPEN, ClobAccount, Order, Store, UsAccount
from conformance_mock.stream import StreamRules
from conformance_mock.transport import ConnectionReset, Unanswered
from conformance_mock.us import Batch, UsRules

FAULTS: dict[str, type] = {}


def caught_by(*requirement_ids: str, live: Iterable[str] | None = None, profile: str = "quick"):
    """Register a fault class under its kebab-case name, with the requirements that catch it (in a live run: ``live``)
    and the hypothesis profile they catch it in (the default one for faults only sequences of calls show)."""

    def register(cls: type) -> type:
        cls.name = re.sub(r"(?<!^)(?=[A-Z])|(?<=[a-z])(?=[0-9])", "-", cls.__name__).lower()
        cls.caught_by = frozenset(requirement_ids)
        cls.profile = profile
        cls.caught_live = frozenset(requirement_ids if live is None else live)
        FAULTS[cls.name] = cls
        return cls

    return register


def describe(name: str) -> str:
    return " ".join(FAULTS[name].__doc__.split())


def rules(reference: type, names: Iterable[str]) -> object:
    """``reference`` with the named faults that override its decisions applied on top."""
    unknown = sorted(set(names) - FAULTS.keys())
    if unknown:
        raise ValueError(f"unknown fault {', '.join(unknown)}; known: {', '.join(FAULTS)}")
    layers = tuple(FAULTS[name] for name in names if issubclass(FAULTS[name], reference))
    return type(reference.__name__, (*layers, reference), {})() if layers else reference()


# --- CLOB DELETE /cancel-all -------------------------------------------------


@caught_by("CLOB-CA-008")
class ClobSkipsSignatureCheck(ClobRules):
    """Any POLY_SIGNATURE is accepted (key, passphrase and address are still checked)."""

    def signature_matches(self, *args: object) -> bool:
        return True


@caught_by("CLOB-CA-005")
class ClobFindsAccountByAddress(ClobRules):
    """The account is looked up by POLY_ADDRESS; POLY_API_KEY is not checked."""

    def find_account(self, store: Store, headers: dict[str, str]) -> ClobAccount | None:
        address = headers["POLY_ADDRESS"].lower()
        return next((a for a in store.clob_accounts.values() if a.address.lower() == address), None)


@caught_by("CLOB-CA-006")
class ClobIgnoresPassphrase(ClobRules):
    """POLY_PASSPHRASE is not checked."""

    def passphrase_matches(self, given: str, account: ClobAccount) -> bool:
        return True


@caught_by("CLOB-CA-007")
class ClobIgnoresAddress(ClobRules):
    """POLY_ADDRESS is not checked."""

    def address_matches(self, given: str, account: ClobAccount) -> bool:
        return True


@caught_by("CLOB-CA-001", "CLOB-CA-002", "CLOB-CA-003", "CLOB-CA-004", "CLOB-CA-009", "CLOB-CA-011", "CLOB-CA-012",
           "CLOB-CA-013")
class ClobRejectsValidSignatures(ClobRules):
    """The expected HMAC leaves the path out, so correct signatures fail."""

    def signature_matches(self, given, account, timestamp, method, path, body) -> bool:
        return super().signature_matches(given, account, timestamp, method, "", body)


@caught_by("CLOB-CA-008")
class ClobSignatureIgnoresMethod(ClobRules):
    """The method is not bound: an HMAC made for any HTTP method is accepted."""

    def signature_matches(self, given, account, timestamp, method, path, body) -> bool:
        return any(super(ClobSignatureIgnoresMethod, self).signature_matches(given, account, timestamp, m, path, body)
                   for m in HTTP_METHODS)


@caught_by("CLOB-CA-010")
class ClobErrorBodyNotJson(ClobRules):
    """401 answers are text/plain, not an ErrorResponse."""

    def error(self, status: int, message: str) -> Response:
        return PlainTextResponse("Unauthorized", status_code=401) if status == 401 else super().error(status, message)


@caught_by("CLOB-CA-010")
class ClobOmitsEmptyNotCanceled(ClobRules):
    """The 200 body leaves out not_canceled when it is empty."""

    def answer(self, canceled, stuck, account, store) -> dict:
        answer = super().answer(canceled, stuck, account, store)
        return answer if answer["not_canceled"] else {"canceled": answer["canceled"]}


@caught_by("CLOB-CA-002")
class ClobTruncatesCanceledList(ClobRules):
    """canceled lists at most 3 ids, however many orders were canceled."""

    def answer(self, canceled, stuck, account, store) -> dict:
        return super().answer(canceled[:3], stuck, account, store)


@caught_by("CLOB-CA-002", "CLOB-CA-011", "CLOB-CA-012")
class ClobCancelsOtherAccounts(ClobRules):
    """Cancel-all cancels and lists the open orders of every account."""

    def reaches(self, order: Order, account: ClobAccount) -> bool:
        return order.api == "clob"


@caught_by("CLOB-CA-001", "CLOB-CA-002", "CLOB-CA-003", "CLOB-CA-013", "CLOB-CA-040",
           live={"CLOB-CA-001", "CLOB-CA-002", "CLOB-CA-013"})
class ClobReportsWithoutCanceling(ClobRules):
    """The caller's open orders are listed in canceled but left open."""

    async def cancel(self, store: Store, account: ClobAccount, body: bytes) -> tuple[list[Order], list[Order]]:
        reached = [o for o in store.orders_of(account.api_key) if self.reaches(o, account)]
        return [o for o in reached if o.cancelable], [o for o in reached if o.state == "open" and o.uncancelable_reason]


@caught_by("CLOB-CA-003")
class ClobCancelOnlyBlocksCancels(ClobRules):
    """Cancel-only mode answers 503 like disabled."""

    def refuses_in(self, mode: str) -> bool:
        return mode != "normal"


@caught_by("CLOB-CA-004")
class ClobDisabledStillCancels(ClobRules):
    """Disabled mode behaves as normal."""

    def refuses_in(self, mode: str) -> bool:
        return False


@caught_by("CLOB-CA-001", "CLOB-CA-002", "CLOB-CA-012", "CLOB-CA-013", live={"CLOB-CA-001", "CLOB-CA-002", "CLOB-CA-013"})
class ClobUncancelableListedAsCanceled(ClobRules):
    """Uncancelable orders are listed in canceled (and stay open)."""

    def answer(self, canceled, stuck, account, store) -> dict:
        return super().answer(canceled + stuck, [], account, store)


@caught_by("CLOB-CA-013")
class ClobRelistsCanceledOrders(ClobRules):
    """Every cancel-all lists all the caller's orders ever canceled."""

    def answer(self, canceled, stuck, account, store) -> dict:
        ever = [o for o in store.orders_of(account.api_key) if self.reaches(o, account) and o.state == CANCELED]
        return super().answer(ever, stuck, account, store)


# --- Polymarket US POST /v1/orders/batched/cancel ----------------------------


@caught_by("US-BC-011", "US-BC-014", "US-BC-042")
class UsSkipsSignatureCheck(UsRules):
    """Any X-PM-Signature is accepted."""

    def verifies(self, *args: object) -> bool:
        return True


@caught_by("US-BC-010", "US-BC-042")
class UsMissingSignatureSkipsAuth(UsRules):
    """A request without X-PM-Signature is let through as the key's account."""

    def authenticate(self, store, headers, method, path, url) -> UsAccount:
        account = store.us_accounts.get(headers.get("X-PM-Access-Key", ""))
        if account is not None and not headers.get("X-PM-Signature"):
            return account
        return super().authenticate(store, headers, method, path, url)


@caught_by("US-BC-001", "US-BC-002", "US-BC-003", "US-BC-004", "US-BC-012", "US-BC-013", "US-BC-016", "US-BC-041",
           "US-BC-055")
class UsRejectsValidSignatures(UsRules):
    """The signed message is expected to hold the full URL, so correct signatures fail."""

    def verifies(self, account, signature, timestamp, method, path, url) -> bool:
        return super().verifies(account, signature, timestamp, method, url, url)


@caught_by("US-BC-012", "US-BC-042")
class UsAcceptsStaleTimestamps(UsRules):
    """There is no timestamp window."""

    timestamp_window_ms = None


@caught_by("US-BC-012")
class UsNarrowTimestampWindow(UsRules):
    """The timestamp window is 5 s instead of 30 s."""

    timestamp_window_ms = 5_000


@caught_by("US-BC-011", "US-BC-042")
class UsSignatureIgnoresMethod(UsRules):
    """The method is not bound: a signature made for any HTTP method is accepted."""

    def verifies(self, account, signature, timestamp, method, path, url) -> bool:
        return any(super(UsSignatureIgnoresMethod, self).verifies(account, signature, timestamp, m, path, url)
                   for m in HTTP_METHODS)


@caught_by("US-BC-011", "US-BC-042")
class UsSignatureToleratesTrailingSlash(UsRules):
    """A signature over the path with a trailing slash is accepted too."""

    def verifies(self, account, signature, timestamp, method, path, url) -> bool:
        return any(super(UsSignatureToleratesTrailingSlash, self).verifies(account, signature, timestamp, method, p, url)
                   for p in (path, path + "/"))


@caught_by("US-BC-011", "US-BC-014", "US-BC-042")
class UsSignatureCheckedAgainstAnyKey(UsRules):
    """The signature is tried against every account's key; the request acts as the one that verifies."""

    def signing_account(self, store, account, signature, timestamp, method, path, url) -> UsAccount | None:
        return next((candidate for candidate in list(store.us_accounts.values())
                     if self.verifies(candidate, signature, timestamp, method, path, url)), None)


@caught_by("US-BC-002")
class UsMaxBatch25(UsRules):
    """Batches of up to 25 entries are accepted."""

    batch_bounds = (1, 25)


@caught_by("US-BC-001")
class UsMaxBatch10(UsRules):
    """Batches of more than 10 entries are rejected."""

    batch_bounds = (1, 10)


@caught_by("US-BC-003")
class UsAcceptsEmptyBatch(UsRules):
    """An empty orders array answers 200."""

    batch_bounds = (0, 20)


@caught_by("US-BC-004")
class UsPartialBatch(UsRules):
    """Invalid entries are skipped; the valid ones are canceled and echoed."""

    def entries(self, body: object) -> list[dict]:
        orders = body.get("orders") if isinstance(body, dict) else None
        if isinstance(orders, list) and any(self.entry_valid(entry) for entry in orders):
            return super().entries({"orders": [entry for entry in orders if self.entry_valid(entry)]})
        return super().entries(body)


@caught_by("US-BC-006")
class UsEchoDeduplicated(UsRules):
    """canceledOrderIds drops duplicates."""

    def echo(self, ids, account, store) -> object:
        return list(dict.fromkeys(ids))


@caught_by("US-BC-006")
class UsEchoDropsUnknownIds(UsRules):
    """canceledOrderIds lists only the caller's own orders."""

    def echo(self, ids, account, store) -> object:
        mine = {o.id for o in store.orders_of(account.key_id) if o.api == "us"}
        return [i for i in ids if i in mine]


@caught_by("US-BC-006", "US-BC-016")
class UsEchoSorted(UsRules):
    """canceledOrderIds is sorted."""

    def echo(self, ids, account, store) -> object:
        return sorted(ids)


@caught_by("US-BC-005")
class UsEchoAsString(UsRules):
    """canceledOrderIds is one comma-joined string."""

    def echo(self, ids, account, store) -> object:
        return ",".join(ids)


@caught_by("US-BC-007", "US-BC-016", "US-BC-055", live={"US-BC-007", "US-BC-016"})
class UsIgnoresCancels(UsRules):
    """The echo is right but nothing is canceled."""

    async def cancel(self, store, account, entries) -> list[Order]:
        return []


@caught_by("US-BC-015")
class UsCancelsForeignOrders(UsRules):
    """Named orders of other accounts are canceled too."""

    def reaches(self, order: Order, account: UsAccount, entries: list[dict]) -> bool:
        return order.api == "us" and order.id in {e["orderId"] for e in entries}


# In a live run the first batches take whole markets with them: the check of an unnamed order in a named
# market then lacks orders (a skip), and the run's summary counts the orders closed without being named.
@caught_by("US-BC-008", "US-BC-016", live={"US-BC-016"})
class UsCancelsWholeMarket(UsRules):
    """Every open order of the caller in a named market is canceled."""

    def reaches(self, order: Order, account: UsAccount, entries: list[dict]) -> bool:
        in_market = order.api == "us" and order.account == account.key_id and order.market_slug in {
            e["marketSlug"] for e in entries}
        return in_market or super().reaches(order, account, entries)


@caught_by("US-BC-016")
class UsRepeatCancelRejected(UsRules):
    """A batch naming an already-canceled order answers 400."""

    async def cancel(self, store, account, entries) -> list[Order]:
        named = {e["orderId"] for e in entries}
        if any(o.id in named and o.state == CANCELED for o in store.orders_of(account.key_id)):
            raise HTTPException(400, "order already canceled")
        return await super().cancel(store, account, entries)


@caught_by("US-BC-003")
class UsMalformedJson500(UsRules):
    """A body that is not JSON answers 500."""

    def parse_body(self, raw: bytes) -> object:
        try:
            return super().parse_body(raw)
        except HTTPException:
            raise HTTPException(500, "Internal server error") from None


# --- Transport, as staging servers misbehave (issue 6) -----------------------


@caught_by("US-BC-003", "US-BC-005")
class UsHangsOnNonJsonBody(UsRules):
    """A body that is not JSON is never answered, as Prism 5 does (schemathesis' negative cases meet it too)."""

    def parse_body(self, raw: bytes) -> object:
        try:
            return super().parse_body(raw)
        except HTTPException:
            raise Unanswered() from None


@caught_by("US-BC-012")
class UsTwentySecondWindow(UsRules):
    """The timestamp window is 20 s instead of 30 s (right-looking on a server whose clock is off)."""

    timestamp_window_ms = 20_000


@caught_by("US-BC-002")
class UsResetsOversizedBatches(UsRules):
    """A batch of more than 20 entries gets its connection reset instead of a 400 (a gateway's size cut-off)."""

    def entries(self, body: object) -> list[dict]:
        orders = body.get("orders") if isinstance(body, dict) else None
        if isinstance(orders, list) and len(orders) > self.batch_bounds[1]:
            raise ConnectionReset()
        return super().entries(body)


# --- Sequences and overlapping requests (issue 8) ---------------------------
#
# Each passes every one-shot check: it shows only across a sequence of calls or
# when calls overlap, which the model-based checks (test_sequences.py) make.

EXCHANGE_ROUND_TRIP = 0.05
"""Seconds a racy cancel waits between reading the book and writing it, as if asking the matching engine."""


@caught_by("CLOB-CA-020", profile="ci")
class ClobCachesOpenOrders(ClobRules):
    """The orders a cancel-all cancels are listed once, at the caller's first cancel-all: later orders stay open."""

    def __init__(self) -> None:
        super().__init__()
        self.cached: dict[str, set[str]] = {}

    async def cancel(self, store: Store, account: ClobAccount, body: bytes) -> tuple[list[Order], list[Order]]:
        if account.api_key not in self.cached:
            self.cached[account.api_key] = {o.id for o in store.orders_of(account.api_key) if self.reaches(o, account)}
        ids = self.cached[account.api_key]
        canceled, _ = store.cancel_where(lambda order: order.id in ids)
        stuck = [o for o in store.orders_of(account.api_key)
                 if self.reaches(o, account) and o.state == OPEN and o.uncancelable_reason]
        return canceled, stuck


@caught_by("CLOB-CA-020", profile="ci")
class ClobBookWriteBackRace(ClobRules):
    """A cancel-all reads the whole book, waits for the engine, then writes it back: overlapping cancel-alls of
    two accounts reopen each other's orders."""

    async def cancel(self, store: Store, account: ClobAccount, body: bytes) -> tuple[list[Order], list[Order]]:
        book = {o.id: o.state for o in list(store.orders.values()) if o.api == "clob"}
        await asyncio.sleep(EXCHANGE_ROUND_TRIP)
        canceled, stuck = await super().cancel(store, account, body)
        stale = [o for o in list(store.orders.values()) if book.get(o.id) == OPEN and o.state != OPEN
                 and not self.reaches(o, account)]
        store.write(stale, OPEN)
        return canceled, stuck


@caught_by("CLOB-CA-021", profile="ci")
class ClobReportsStuckOrdersOnce(ClobRules):
    """An order that cannot be canceled is listed in not_canceled the first time only."""

    def __init__(self) -> None:
        super().__init__()
        self.reported: set[str] = set()

    def answer(self, canceled, stuck, account, store) -> dict:
        fresh = [o for o in stuck if o.id not in self.reported]
        self.reported.update(o.id for o in stuck)
        return super().answer(canceled, fresh, account, store)


@caught_by("CLOB-CA-022", profile="ci")
class ClobModeCachedPerAccount(ClobRules):
    """The trading mode is read at an account's first cancel-all and kept for its session."""

    def __init__(self) -> None:
        super().__init__()
        self.modes: dict[str, str] = {}

    def trading_mode(self, store: Store, account: ClobAccount) -> str:
        return self.modes.setdefault(account.api_key, super().trading_mode(store, account))


@caught_by("US-BC-030", profile="ci")
class UsEchoCachedBySize(UsRules):
    """The echo is cached for a second per caller and batch size: another batch of the same size right after
    gets the earlier echo."""

    def __init__(self) -> None:
        super().__init__()
        self.cached: dict[tuple[str, int], tuple[float, object]] = {}

    def echo(self, ids, account, store) -> object:
        key, now = (account.key_id, len(ids)), time.monotonic()
        if key not in self.cached or now - self.cached[key][0] > 1.0:
            self.cached[key] = (now, super().echo(ids, account, store))
        return self.cached[key][1]


@caught_by("US-BC-031", profile="ci")
class UsBookWriteBackRace(UsRules):
    """A batch reads the caller's book, waits for the engine, then writes back the orders it did not name:
    overlapping batches over different orders reopen each other's cancels."""

    async def cancel(self, store, account, entries) -> list[Order]:
        book = {o.id: o.state for o in store.orders_of(account.key_id) if o.api == "us"}
        await asyncio.sleep(EXCHANGE_ROUND_TRIP)
        canceled = await super().cancel(store, account, entries)
        named = {e["orderId"] for e in entries}
        store.write([o for o in store.orders_of(account.key_id)
                     if o.id not in named and book.get(o.id) == OPEN and o.state != OPEN], OPEN)
        return canceled


@caught_by("US-BC-031", profile="ci")
class UsStopsAtCanceledOrder(UsRules):
    """The exchange works through a batch in order and stops at the first order already canceled."""

    async def cancel(self, store, account, entries) -> list[Order]:
        mine = {o.id: o for o in store.orders_of(account.key_id) if o.api == "us"}
        reached = set()
        for order in (mine.get(e["orderId"]) for e in entries):
            if order is not None and order.state == CANCELED:
                break
            if order is not None:
                reached.add(order.id)
        canceled, _ = store.cancel_where(lambda order: order.id in reached)
        return canceled


@caught_by("US-BC-031", profile="ci")
class UsOpenOrdersCached(UsRules):
    """GET /v1/orders/open is cached per caller and refreshed only by a cancel: orders placed since are missing."""

    def __init__(self) -> None:
        super().__init__()
        self.cached: dict[str, tuple[int, set[str]]] = {}

    def open_orders(self, store: Store, account: UsAccount) -> list[Order]:
        mine = [o for o in store.orders_of(account.key_id) if o.api == "us"]
        cancels = sum(o.state == CANCELED for o in mine)
        if account.key_id not in self.cached or self.cached[account.key_id][0] != cancels:
            self.cached[account.key_id] = (cancels, {o.id for o in super().open_orders(store, account)})
        return [o for o in mine if o.id in self.cached[account.key_id][1]]


@caught_by("US-BC-032", profile="ci")
class UsCheckThenCancelRace(UsRules):
    """A batch checks which named orders are open, waits for the engine, then cancels and reports them:
    overlapping batches naming one order both report its cancel."""

    async def cancel(self, store, account, entries) -> list[Order]:
        chosen = [o for o in store.orders_of(account.key_id) if self.reaches(o, account, entries) and o.cancelable]
        await asyncio.sleep(EXCHANGE_ROUND_TRIP)
        store.write(chosen, CANCELED)
        return chosen


# --- The US order stream (issue 10) ------------------------------------------


@caught_by("US-BC-040")
class UsStreamNotServed(StreamRules):
    """There is no order stream: the handshake to /v1/ws/private answers 404."""

    def serves(self) -> bool:
        return False


@caught_by("US-BC-042")
class UsStreamSkipsHandshakeSignature(StreamRules):
    """The stream's handshake only looks the access key up; signature and timestamp are not checked."""

    def authenticate(self, us, store, headers, path, url) -> UsAccount:
        account = store.us_accounts.get(headers.get("X-PM-Access-Key", ""))
        if account is None:
            raise AuthError("unknown access key")
        return account


@caught_by("US-BC-009", "US-BC-047")
class UsStreamMissesCancels(StreamRules):
    """Orders are canceled but the order stream reports nothing."""

    def delivers(self, order: Order, account: UsAccount, markets: set[str]) -> bool:
        return False


@caught_by("US-BC-043", "US-BC-044")
class UsStreamReportsEveryEchoedId(UsRules):
    """The stream reports EXECUTION_TYPE_CANCELED for every id a batch names, canceled or not."""

    async def cancel(self, store, account, entries) -> list[Order]:
        canceled = await super().cancel(store, account, entries)
        done = {o.id for o in canceled}
        store.publish([Order(e["orderId"], "us", account.key_id, e["marketSlug"], state=CANCELED)
                       for e in entries if e["orderId"] not in done])
        return canceled


@caught_by("US-BC-044")
class UsStreamRepeatsCancels(UsRules):
    """A batch naming an already-canceled order reports it canceled on the stream again."""

    async def cancel(self, store, account, entries) -> list[Order]:
        named = {e["orderId"] for e in entries}
        again = [o for o in store.orders_of(account.key_id) if o.id in named and o.state == CANCELED]
        store.publish(again)
        return await super().cancel(store, account, entries)


@caught_by("US-BC-045")
class UsStreamBroadcastsUpdates(StreamRules):
    """Every subscriber gets the updates of every account's orders."""

    def delivers(self, order: Order, account: UsAccount, markets: set[str]) -> bool:
        return order.api == "us" and (not markets or order.market_slug in markets)


@caught_by("US-BC-045")
class UsStreamSnapshotOfEveryAccount(StreamRules):
    """The snapshot lists the open orders of every account."""

    def snapshot(self, store: Store, account: UsAccount, markets: set[str]) -> list[Order]:
        return [o for o in list(store.orders.values())
                if o.api == "us" and o.state == OPEN and (not markets or o.market_slug in markets)]


@caught_by("US-BC-046")
class UsStreamSnapshotListsCanceled(StreamRules):
    """The snapshot lists the account's canceled orders too."""

    def snapshot(self, store: Store, account: UsAccount, markets: set[str]) -> list[Order]:
        return [o for o in store.orders_of(account.key_id)
                if o.api == "us" and (not markets or o.market_slug in markets)]


@caught_by("US-BC-047")
class UsStreamIgnoresMarketFilter(StreamRules):
    """marketSlugs is ignored: every subscription gets every market."""

    def markets(self, requested: list[str]) -> set[str]:
        return set()


@caught_by("US-BC-048")
class UsStreamOmitsRequestId(StreamRules):
    """Snapshot and update messages carry no requestId."""

    def tagged(self, message: dict, request_id: str) -> dict:
        return message


@caught_by("US-BC-049")
class UsStreamIgnoresUnsubscribe(StreamRules):
    """unsubscribe is accepted and ignored: the subscription keeps getting updates."""

    def unsubscribe(self, subscriptions: dict[str, set[str]], request_id: str) -> None:
        pass


# Input classes and arrangements the strategies now cover (issue 10)


@caught_by("US-BC-003", "US-BC-004")
class UsAcceptsNullMarketSlug(UsRules):
    """An entry whose marketSlug is null passes request-shape validation."""

    def entry_valid(self, entry: object) -> bool:
        return super().entry_valid(entry) or (
            isinstance(entry, dict) and isinstance(entry.get("orderId"), str) and entry.get("marketSlug", 0) is None)


@caught_by("US-BC-003", "US-BC-004")
class UsFlattensNestedEntries(UsRules):
    """Arrays nested inside orders are flattened into it, so an extra level of nesting goes unnoticed."""

    def entries(self, body: object) -> list[dict]:
        orders = body.get("orders") if isinstance(body, dict) else None
        if isinstance(orders, list):
            body = {**body, "orders": [e for item in orders for e in (item if isinstance(item, list) else [item])]}
        return super().entries(body)


@caught_by("US-BC-002")
class UsCountsDistinctOrders(UsRules):
    """The 20-entry limit counts distinct orderIds, so a batch of 21 entries with a repeat is accepted."""

    def entries(self, body: object) -> list[dict]:
        orders = body.get("orders") if isinstance(body, dict) else None
        if isinstance(orders, list) and all(self.entry_valid(e) for e in orders):
            distinct = list({e["orderId"]: e for e in orders}.values())
            if len(distinct) <= self.batch_bounds[1]:
                super().entries({"orders": distinct})
                return Batch(orders)
        return super().entries(body)


@caught_by("US-BC-052")
class UsCancelsUncancelable(UsRules):
    """A batch cancels the orders it names even when they cannot be canceled (already matched)."""

    async def cancel(self, store, account, entries) -> list[Order]:
        for order in store.orders_of(account.key_id):
            if self.reaches(order, account, entries):
                order.uncancelable_reason = None
        return await super().cancel(store, account, entries)


@caught_by("US-BC-053")
class UsAnyMethodCancels(UsRules):
    """The batched-cancel path cancels whatever the method (GET, PUT, DELETE...)."""

    def accepts_method(self, method: str) -> bool:
        return True


@caught_by("US-BC-055")
class UsCancelOnlyRefusesCancels(UsRules):
    """Cancel-only mode refuses batched cancels with 503, like disabled."""

    def refuses_in(self, mode: str) -> bool:
        return mode != "normal"


@caught_by("CLOB-CA-008")
class ClobSignatureIgnoresBody(ClobRules):
    """POLY_SIGNATURE is checked over timestamp + method + path only: a body it does not cover is accepted."""

    def signature_matches(self, given, account, timestamp, method, path, body) -> bool:
        return super().signature_matches(given, account, timestamp, method, path, b"")


@caught_by("CLOB-CA-040")
class ClobCancelAllHonoursBody(ClobRules):
    """A body on cancel-all narrows it, as on the neighbouring cancel endpoints (orderID, market, a list of ids)."""

    def narrows(self, order: Order, body: bytes) -> bool:
        try:
            value = json.loads(body or b"null")
        except ValueError:
            return True
        if isinstance(value, list):
            return order.id in value
        if isinstance(value, dict) and {"orderID", "market", "asset_id"} & value.keys():
            return order.id == value.get("orderID") or order.market_slug == value.get("market")
        return True


@caught_by("CLOB-CA-042")
class ClobAnyMethodCancels(ClobRules):
    """/cancel-all cancels whatever the method (GET, POST, PUT, PATCH)."""

    def accepts_method(self, method: str) -> bool:
        return True



# --- Live targets: the CLOB's order list (issue 11) ---------------------------
