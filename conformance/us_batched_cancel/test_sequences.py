"""Random sequences and overlaps of batched cancels, judged step by step against a model of the page.

The model: each order is open or canceled. A valid batch (1 to 20 well-formed
entries) answers 200, echoes its orderIds, and cancels the caller's named open
orders that can be canceled; every other order stays as it was. A batch with a
broken entry or more than 20 entries answers 400 and changes nothing. Each
account's order stream, open throughout, reports each cancel of its orders once.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from conformance.exchange import Exchange, at_once
from conformance.live import UnreadableOrders, us_open_orders
from conformance.results import echo_of
from conformance.sequence import Journal, plain, run_machine
from conformance.signing import UsSigner
from conformance.stream import CANCELED, OrderStream, Streams, StreamUnavailable, stream_headers
from conformance.target import UsTarget
from conformance.verdict import require
from strategies.batches import MAX_ENTRIES, body, cases, entry, with_broken_entry
from strategies.constraints import OUTSIDE
from strategies.layouts import MARKETS, order_layouts

ACCOUNTS = "ab"
STREAM_WAIT = 3.0  # seconds an expected update may take to arrive on the order stream
LATE_UPDATES = 0.05  # seconds to wait at the end for updates sent late (a second report of a cancel)
OVERLAP_SETTLE = 0.02  # seconds to wait after requests at once for the updates that follow the expected ones
OPEN_ORDERS_SETTLE = 1.0  # seconds GET /v1/orders/open may lag behind the cancels

accounts = st.integers(0, len(ACCOUNTS) - 1)
# a quarter of the orders cannot be canceled
layouts = plain(st.one_of(order_layouts(min_size=1, max_size=8), order_layouts(min_size=1, max_size=8, uncancelable=True)))
first_layouts = plain(st.one_of(order_layouts(min_size=6, max_size=16),
                                order_layouts(min_size=6, max_size=16, uncancelable=True)))  # enough for many batches
# An entry of a batch: one of the caller's open orders or of its canceled ones, an unknown id,
# another account's order, or a repeat of an earlier entry of the batch; the number picks which.
picks = st.tuples(st.sampled_from(("open", "open", "open", "canceled", "canceled", "unknown", "foreign", "repeat")),
                  st.integers(0, 40))


@dataclass
class Order:
    label: str
    owner: int
    market: str
    reason: str | None
    state: str = "open"


class UsModel:
    """What the page promises, for every order of the sequence's accounts."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.unknown = f"unknown-{uuid.uuid4().hex[:8]}-"

    def place(self, owner: int, created: list[dict], layout: list[dict]) -> str:
        described = []
        for order, wanted in zip(created, layout, strict=True):
            label = f"{ACCOUNTS[owner]}{len(self.of(owner)) + 1}"
            self.orders[order["id"]] = Order(label, owner, order["marketSlug"], wanted.get("uncancelableReason"))
            reason = f", uncancelable: {wanted['uncancelableReason']}" if "uncancelableReason" in wanted else ""
            described.append(f"{label} = {order['id'][:8]}… in {order['marketSlug']}{reason}")
        return "; ".join(described)

    def of(self, owner: int, state: str | None = None) -> list[str]:
        return [oid for oid, o in self.orders.items() if o.owner == owner and state in (None, o.state)]

    def entries(self, who: int, chosen: list[tuple[str, int]]) -> list[dict]:
        """The batch entries ``chosen`` names (an empty pool: an unknown id)."""
        entries: list[dict] = []
        for kind, n in chosen:
            if kind == "repeat" and entries:
                entries.append(entries[n % len(entries)])
                continue
            pool = {"open": self.of(who, "open"), "canceled": self.of(who, "canceled"), "foreign": self.of(1 - who)}
            ids = pool.get(kind, [])
            entries.append(self.entry(ids[n % len(ids)]) if ids else self.unknown_entry(n))
        return entries

    def entry(self, order_id: str) -> dict:
        return entry(order_id, self.orders[order_id].market)

    def unknown_entry(self, n: int) -> dict:
        """An id no account has, in any market."""
        return entry(f"{self.unknown}{n}", MARKETS[n % len(MARKETS)])

    def cancel(self, who: int, ids: list[str]) -> set[str]:
        """Apply an accepted batch of ``who``; return the orders it cancels."""
        canceled = {oid for oid in ids if oid in self.orders and self.orders[oid].owner == who
                    and self.orders[oid].state == "open" and self.orders[oid].reason is None}
        for oid in canceled:
            self.orders[oid].state = "canceled"
        return canceled

    def name(self, order_id: object) -> str:
        if order_id in self.orders:
            return self.orders[order_id].label
        if isinstance(order_id, str) and order_id.startswith(self.unknown):
            return "?" + order_id.removeprefix(self.unknown)
        return f"{str(order_id)[:10]}… (not an id of the sequence)"

    def names(self, ids: object, ordered: bool = False) -> str:
        listed = [self.name(i) for i in ids] if isinstance(ids, list | set) else [repr(ids)]
        return "[" + ", ".join(listed if ordered else sorted(listed)) + "]"


class UsSequences(RuleBasedStateMachine):
    """Two accounts, their orders and order streams, driven at random and judged after every step."""

    def __init__(self, us: UsTarget) -> None:
        super().__init__()
        self.us, self.control = us, us.arranged()
        self.model, self.journal = UsModel(), Journal()
        self.accounts = [us.account() for _ in ACCOUNTS]
        self.signers = [UsSigner(account) for account in self.accounts]
        self.closing = ExitStack()
        self.connections = self.closing.enter_context(Streams(us))
        try:
            with self.journal.step("open the order stream of each account and subscribe"):
                self.streams = [self._subscribe(signer) for signer in self.signers]
            self.lists_open_orders = self._offers_open_orders()
        except BaseException:
            self.closing.close()
            raise

    def _subscribe(self, signer: UsSigner) -> OrderStream:
        try:
            stream = self.connections.open(stream_headers(signer))
        except StreamUnavailable as refused:
            require("US-BC-032", False, expected="the order stream accepts a correctly signed handshake",
                    actual=str(refused))
        stream.subscribe()
        return stream

    def _reported(self, who: int) -> Counter[str]:
        """The cancels ``who``'s stream reported so far, each with how many times."""
        return Counter(e.order_id for e in self.streams[who].updates() if e.type == CANCELED)

    def _listed_open(self, who: int) -> set[str]:
        """``GET /v1/orders/open`` as ``who``: the ids it lists."""
        return set(us_open_orders(self.us.http, self.accounts[who]))

    def _offers_open_orders(self) -> bool:
        try:
            self._listed_open(0)
        except UnreadableOrders as error:
            self.journal.record(f"not compared with the model: {error}")
            return False
        return True

    # --- steps ---------------------------------------------------------------

    @initialize(first=first_layouts, second=first_layouts)
    def place_orders_for_both_accounts(self, first: list[dict], second: list[dict]) -> None:
        """Every sequence starts with orders, whichever rules hypothesis leaves out of it."""
        self.place_orders(0, first)
        self.place_orders(1, second)

    @rule(who=accounts, layout=layouts)
    def place_orders(self, who: int, layout: list[dict]) -> None:
        created = self.us.add_orders(self.accounts[who], layout)
        self.journal.record(f"place orders for {ACCOUNTS[who]}: {self.model.place(who, created, layout)}")
        if self.lists_open_orders:
            with self.journal.judging():
                self._judge_open_orders(who)

    @rule(who=accounts, chosen=st.lists(picks, min_size=1, max_size=MAX_ENTRIES), repeats=st.integers(0, 2))
    def cancel_batch(self, who: int, chosen: list[tuple[str, int]], repeats: int) -> None:
        """A batch, then the very same batch ``repeats`` times more."""
        entries = self.model.entries(who, chosen)
        canceled = set()
        for again in range(repeats + 1):
            canceled |= self._send(who, entries, again=again > 0)
        self._outcomes(who, canceled, {e["orderId"] for e in entries})

    @rule(who=accounts, batches=st.integers(1, 6).flatmap(
        lambda size: st.lists(st.lists(picks, min_size=size, max_size=size), min_size=2, max_size=3)))
    def same_size_batches_in_quick_succession(self, who: int, batches: list[list[tuple[str, int]]]) -> None:
        """Batches of one size, back to back."""
        canceled, named = set(), set()
        for chosen in batches:
            entries = self.model.entries(who, chosen)
            canceled |= self._send(who, entries)
            named |= {e["orderId"] for e in entries}
        self._outcomes(who, canceled, named)

    @rule(who=accounts, chosen=st.lists(picks, max_size=8), broken=cases(OUTSIDE, rid="US-BC-004"), at=st.integers(0, 8))
    def cancel_batch_with_a_broken_entry(self, who: int, chosen: list, broken, at: int) -> None:
        entries = self.model.entries(who, chosen)
        at = min(at, len(entries))
        self._send_rejected(who, with_broken_entry(entries, broken, at), entries, f"with entry {at} broken: {broken.what}"[:200])

    @rule(who=accounts, extra=st.integers(1, 5))
    def cancel_oversized_batch(self, who: int, extra: int) -> None:
        entries = self.model.entries(who, [("open", n) for n in range(MAX_ENTRIES + extra)])
        self._send_rejected(who, body(entries), entries, f"of {len(entries)} entries")

    @rule(who=accounts, layout=layouts, count=st.integers(2, 4), shared=st.booleans())
    def overlapping_batches(self, who: int, layout: list[dict], count: int, shared: bool) -> None:
        """Batches of one account at once, over different orders or over the same ones (in other orders)."""
        self.place_orders(who, layout)
        named = self.model.of(who, "open")[:MAX_ENTRIES]
        groups = [named[k:] + named[:k] for k in range(count)] if shared else [named[k::count] for k in range(count)]
        batches = [[self.model.entry(oid) for oid in group] for group in groups if group]
        over = "the same orders" if shared else "different orders"
        with self.journal.step(f"{len(batches)} POST /v1/orders/batched/cancel at once as {ACCOUNTS[who]}, over {over}: "
                               + ", ".join(self.model.names(group, ordered=True) for group in groups if group)):
            canceled = self.model.cancel(who, named)
            self.journal.detail(f"model: 200 with each batch's echo; cancels {self.model.names(canceled)}")
            send = partial(self.us.batch_cancel, signer=self.signers[who])
            exchanges = at_once([partial(send, body(entries)) for entries in batches])
            for exchange, entries in zip(exchanges, batches, strict=True):
                self._judge_answer(exchange, [e["orderId"] for e in entries])
        self._outcomes(who, canceled, settle=OVERLAP_SETTLE)

    # --- judging -------------------------------------------------------------

    def _send(self, who: int, entries: list[dict], again: bool = False) -> set[str]:
        """One valid batch, its status and echo judged; returns what the model says it cancels."""
        ids = [e["orderId"] for e in entries]
        repeat = " again" if again else ""
        with self.journal.step(f"POST /v1/orders/batched/cancel{repeat} as {ACCOUNTS[who]}: "
                               f"{self.model.names(ids, ordered=True)}"):
            canceled = self.model.cancel(who, ids)
            self.journal.detail(f"model: 200, echo of the {len(ids)} ids; cancels {self.model.names(canceled)}")
            exchange = self.us.batch_cancel(body(entries), signer=self.signers[who])
            self._judge_answer(exchange, ids)
        return canceled

    def _send_rejected(self, who: int, batch: dict, entries: list[dict], what: str) -> None:
        """A batch the schema refuses (``entries``: its valid ones), judged: 400, and nothing changes."""
        with self.journal.step(f"POST /v1/orders/batched/cancel as {ACCOUNTS[who]}, {what}"):
            self.journal.detail("model: 400, nothing changes")
            exchange = self.us.batch_cancel(batch, signer=self.signers[who])
            self.journal.detail(f"answer: {exchange.status} {exchange.response.text[:200]}")
            require("US-BC-030", exchange.status == 400, expected="400 for a batch that breaks CancelOrderListRequest",
                    exchange=exchange)
        named = {e["orderId"] for e in entries if isinstance(e, dict) and isinstance(e.get("orderId"), str)}
        self._outcomes(who, set(), named)

    def _outcomes(self, who: int, canceled: set[str], named: set[str] = frozenset(), settle: float = 0.0) -> None:
        """After ``who``'s batches: what really happened (the control plane, for ``who`` and the owners of the
        ``named`` orders; GET /v1/orders/open), then what the stream reported of it."""
        with self.journal.judging():
            self._judge_states({who} | {self.model.orders[oid].owner for oid in named if oid in self.model.orders})
            if self.lists_open_orders:
                self._judge_open_orders(who)
            self._judge_stream(who, canceled, settle)

    def _judge_states(self, accounts: Iterable[int]) -> None:
        """The control plane's states of ``accounts`` against the model (the others' are judged when they act,
        and at the end: a state that should not have changed stays wrong until then)."""
        for who in sorted(accounts):
            truth = self.control.order_states("us", self.accounts[who].key_id)
            wrong = [f"{o.label} is {truth.get(oid, 'missing')}, the model says {o.state}"
                     for oid, o in self.model.orders.items() if o.owner == who and truth.get(oid) != o.state]
            require("US-BC-031", not wrong, actual="; ".join(wrong),
                    expected=f"the orders of {ACCOUNTS[who]} as the model says (control plane)")

    def _judge_answer(self, exchange: Exchange, ids: list[str]) -> None:
        self.journal.detail(f"answer: {exchange.status} {exchange.response.text[:200]}")
        require("US-BC-030", exchange.status == 200, expected="200 for a valid batch", exchange=exchange)
        echoed = echo_of(exchange)
        require("US-BC-030", echoed == ids, expected=f"canceledOrderIds {self.model.names(ids, ordered=True)}",
                actual=f"canceledOrderIds {self.model.names(echoed, ordered=True)}", exchange=exchange)

    def _judge_stream(self, who: int, canceled: set[str], settle: float) -> None:
        """Every cancel of this step reported on the caller's stream (and, ``settle`` s later, nothing more);
        nothing reported twice or wrongly."""
        self.streams[who].wait_for_cancels(canceled, STREAM_WAIT)
        if settle:
            time.sleep(settle)
        missing = canceled - set(self._reported(who))
        require("US-BC-032", not missing,
                expected=f"an EXECUTION_TYPE_CANCELED update on {ACCOUNTS[who]}'s stream for each of "
                         f"{self.model.names(canceled)} within {STREAM_WAIT:.0f} s",
                actual=f"none for {self.model.names(missing)}")
        self._judge_reports(who)

    def _judge_reports(self, who: int) -> None:
        reported = self._reported(who)
        wrong = [f"{self.model.name(oid)} reported canceled {count} times" for oid, count in reported.items()
                 if count > 1]
        wrong += [f"{self.model.name(oid)} reported canceled, the model says it is not a canceled order of "
                  f"{ACCOUNTS[who]}" for oid in reported if oid not in self.model.of(who, "canceled")]
        require("US-BC-032", not wrong, expected=f"{ACCOUNTS[who]}'s stream reports each cancel of its orders once",
                actual="; ".join(wrong))

    def _judge_open_orders(self, who: int) -> None:
        expected, deadline = set(self.model.of(who, "open")), time.monotonic() + OPEN_ORDERS_SETTLE
        while (listed := self._listed_open(who)) != expected:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        require("US-BC-031", listed == expected,
                expected=f"GET /v1/orders/open as {ACCOUNTS[who]} lists {self.model.names(expected)} "
                         f"(within {OPEN_ORDERS_SETTLE:.0f} s)",
                actual=f"it lists {self.model.names(listed)}")

    @invariant()
    def streams_report_only_cancels_of_the_model(self) -> None:
        with self.journal.judging():
            for who in range(len(self.streams)):
                self._judge_reports(who)

    def teardown(self) -> None:
        with self.closing:
            if self.journal.failed:
                return
            time.sleep(LATE_UPDATES)
            with self.journal.step("at the end: the orders of every account, the last updates of the streams"):
                self._judge_states(range(len(ACCOUNTS)))
                for who in range(len(self.streams)):
                    self._judge_reports(who)


@pytest.mark.requirement("US-BC-030", "US-BC-031", "US-BC-032", "US-BC-005", "US-BC-006")
def test_random_sequences_keep_every_promise(us):
    """"Cancel up to 20 orders in a single request ... observe actual outcomes on the order stream." — at every step."""
    us.arranged()
    run_machine(lambda: UsSequences(us))
