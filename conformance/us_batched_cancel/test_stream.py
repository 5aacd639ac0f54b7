"""The truth is on the order stream: authenticated like the REST calls, truthful, private, current, filtered, tagged.

One scenario arranges every state a cancel can meet (canceled now, left open,
uncancelable, canceled before the subscription, named in a rejected batch, an
unknown id, another account's order named in mine, another account's own
cancel), watches it on four subscriptions at once, and waits one window of
``--stream-bound`` after the last cancel was answered. Each check then judges one
property of what arrived.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import live
from conformance.exchange import Exchange
from conformance.signing import UsSigner
from conformance.stream import (
    ACCEPTED,
    CANCELED,
    NO_ROUTE,
    Execution,
    Handshake,
    OrderStream,
    Snapshot,
    Streams,
    fresh_request_id,
    opened,
    stream_headers,
)
from conformance.verdict import inform, require
from strategies.auth import US_STREAM_MUTATIONS, draw_mutation
from strategies.batches import boundary, body, entry, fresh_unknown_id, with_broken_entry
from strategies.constraints import OUTSIDE
from strategies.layouts import MARKETS, UNCANCELABLE

# My orders, by the state a cancel meets them in. A live account spends real orders: there the order left open
# is also the one named in the rejected batch, and none is canceled before subscribing.
LIVE = {"canceled": [{"marketSlug": MARKETS[0]}, {"marketSlug": MARKETS[1]}], "left open": [{"marketSlug": MARKETS[0]}]}
ARRANGED = LIVE | {
    "named in a rejected batch": [{"marketSlug": MARKETS[0]}],
    "canceled before subscribing": [{"marketSlug": MARKETS[1]}],
    "uncancelable": [UNCANCELABLE | {"marketSlug": MARKETS[0]}],
}
THEIRS = {"named in mine": [{"marketSlug": MARKETS[0]}], "canceled by them": [{"marketSlug": MARKETS[0]}]}


@pytest.fixture(scope="module")
def bound(pytestconfig) -> float:
    return pytestconfig.getoption("stream_bound")


@pytest.fixture(scope="module")
def correct_handshake(us) -> Handshake:
    """How the stream answers a handshake signed as the official client signs it."""
    if isinstance(us.http, live.PreflightClient):
        pytest.skip(live.PREFLIGHT_RUNS)  # the stream checks only read, but a live one cancels: all of them run
    with opened(us, stream_headers(UsSigner(us.account()))) as (answer, _):
        return answer


@pytest.fixture(scope="module")
def stream_served(correct_handshake: Handshake) -> None:
    """Skip unless the stream accepts a correct handshake (otherwise US-BC-040 or 041 has failed)."""
    if correct_handshake.outcome == NO_ROUTE:
        pytest.skip(f"{correct_handshake.detail} (see US-BC-040)")
    if correct_handshake.outcome != ACCEPTED:
        pytest.skip(f"the order stream refuses a correctly signed handshake (see US-BC-041): {correct_handshake.detail}")


@pytest.mark.requirement("US-BC-040")
def test_the_order_stream_is_served(correct_handshake):
    """"observe actual outcomes on the order stream\""""
    require("US-BC-040", correct_handshake.outcome != NO_ROUTE,
            expected="an order stream where the official client opens it", actual=correct_handshake.detail)


@pytest.mark.requirement("US-BC-041")
def test_a_correctly_signed_handshake_is_accepted_and_answered(us, correct_handshake):
    """"All endpoints require Ed25519 signature authentication": a correctly signed handshake is accepted."""
    if correct_handshake.outcome == NO_ROUTE:
        pytest.skip(f"{correct_handshake.detail} (see US-BC-040)")
    require("US-BC-041", correct_handshake.outcome == ACCEPTED,
            expected="the handshake, signed over GET and the stream's path, accepted (101)",
            actual=correct_handshake.detail)
    with Streams(us) as streams:
        snapshot = streams.open(stream_headers(UsSigner(us.account()))).subscribe()
    require("US-BC-041", snapshot.complete,
            expected="a SUBSCRIPTION_TYPE_ORDER subscription answered with a snapshot ending in eof: true",
            actual=f"{len(snapshot.messages)} snapshot message(s), none with eof true; error: {snapshot.error}")


@pytest.mark.requirement("US-BC-042")
@pytest.mark.parametrize("kind", list(US_STREAM_MUTATIONS))
@given(data=st.data())
def test_mutated_handshakes_are_refused(us, stream_served, kind, data):
    """"All endpoints require Ed25519 signature authentication": the handshake as much as the REST calls."""
    me = UsSigner(us.account())
    other = UsSigner(us.other_account()) if US_STREAM_MUTATIONS[kind].needs_other_account else None
    if US_STREAM_MUTATIONS[kind].on_server_clock:
        us.clock.skip_window_unless_known()
    mutation = draw_mutation(US_STREAM_MUTATIONS, kind, data, me, other)
    with opened(us, mutation.headers) as (answer, _):
        pass
    require("US-BC-042", answer.outcome != ACCEPTED, expected=f"the handshake refused for {mutation.description}",
            actual=answer.detail)


# --- one scenario, one window ------------------------------------------------


@dataclass
class Watched:
    """One subscription: its snapshot, and the updates its connection received after it."""

    stream: OrderStream
    snapshot: Snapshot

    def updates(self, after: float = 0.0) -> list[Execution]:
        return self.stream.updates(after)

    def canceled(self) -> Counter:
        return Counter(e.order_id for e in self.updates() if e.type == CANCELED)


@dataclass
class Scenario:
    mine: dict[str, list[dict]]
    theirs: dict[str, list[dict]]
    unknown: str
    open_before: set[str]  # my orders open when the subscriptions were made
    canceled: set[str]  # ... of them, canceled by the batches
    their_open_before: set[str]
    their_canceled: set[str]
    market: str
    watched: dict[str, Watched]  # "mine", "filtered", "theirs", "left" (unsubscribed), "after" (the next one)
    unsubscribed_at: float
    answered: dict[str, float]  # order id → when the batch that canceled it was answered
    batch: Exchange  # the one naming my orders to cancel, shown with every failure

    def ids(self, orders: dict[str, list[dict]], *roles: str) -> set[str]:
        return {o["id"] for role, group in orders.items() if not roles or role in roles for o in group}

    def market_of(self) -> dict[str, str]:
        return {o["id"]: o["marketSlug"] for group in self.mine.values() for o in group}


def _entries(orders: list[dict]) -> list[dict]:
    return [entry(o["id"], o["marketSlug"]) for o in orders]


def _watch(streams: Streams, signer: UsSigner, markets: list[str] | None = None) -> Watched:
    stream = streams.open(stream_headers(signer))
    return Watched(stream, stream.subscribe(markets))


def _open(us, account, orders: dict[str, list[dict]]) -> set[str]:
    """Which of the arranged orders are open now (control plane truth, or GET /v1/orders/open)."""
    ids = sorted(o["id"] for group in orders.values() for o in group)
    return {order_id for order_id, state in us.states(account, ids).items() if state == "open"}


def _arrange(us, account, layout: dict[str, list[dict]]) -> dict[str, list[dict]]:
    created = iter(us.add_orders(account, [e for group in layout.values() for e in group]))
    return {role: [next(created) for _ in group] for role, group in layout.items()}


_WATCHED: dict[str, Scenario] = {}  # target URL → its scenario, run once


def _scenario(us, bound: float) -> Scenario:
    if us.url not in _WATCHED:
        _WATCHED[us.url] = _watch_every_state(us, bound)
    return _WATCHED[us.url]


@pytest.fixture
def scenario(us, stream_served, bound) -> Scenario:
    """The scenario, run once for all checks: by the first that needs it, or on a live account by the one that
    declares its orders (the live plan gives orders to declared checks only)."""
    if us.url not in _WATCHED and not us.sandbox:
        pytest.skip("on a live account the stream scenario runs in test_the_order_stream_reports_every_cancel, "
                    "which declares its orders: select it too")
    return _scenario(us, bound)


def _watch_every_state(us, bound: float) -> Scenario:
    me = us.account()
    signer = UsSigner(me)
    mine = _arrange(us, me, ARRANGED if us.sandbox else LIVE)
    other = us.account() if us.sandbox else None  # orders on two accounts at once: only where they are arranged
    theirs = _arrange(us, other, THEIRS) if other else {}
    their_signer = UsSigner(other) if other else None
    if mine.get("canceled before subscribing"):
        us.batch_cancel(body(_entries(mine["canceled before subscribing"])), signer=signer)
    market = mine["canceled"][0]["marketSlug"]
    with Streams(us) as streams:
        watched = {"mine": _watch(streams, signer), "filtered": _watch(streams, signer, [market])}
        leaving = streams.open(stream_headers(signer))
        watched["left"] = Watched(leaving, leaving.subscribe())
        leaving.unsubscribe(watched["left"].snapshot.request_id)
        # Messages of one connection are handled in order: once the next subscription is answered, so is the
        # unsubscribe. The next one names no market with orders, so nothing is due to it either.
        watched["after"] = Watched(leaving, leaving.subscribe([f"conformance-no-market-{uuid.uuid4()}"]))
        unsubscribed_at = time.monotonic()
        if other:
            watched["theirs"] = _watch(streams, their_signer)
        open_before = _open(us, me, mine)
        their_open_before = _open(us, other, theirs) if other else set()

        answered: dict[str, float] = {}

        def cancel(batch: object, by: UsSigner, named: list[dict]) -> Exchange:
            exchange = us.batch_cancel(batch, signer=by)
            answered.update({o["id"]: time.monotonic() for o in named})
            return exchange

        rejected = mine.get("named in a rejected batch", mine["left open"])
        cancel(with_broken_entry(_entries(rejected), boundary(OUTSIDE, rid="US-BC-004")[0], len(rejected)), signer,
               rejected)
        named = mine["canceled"] + mine.get("uncancelable", []) + theirs.get("named in mine", [])
        unknown = fresh_unknown_id()
        batch = cancel(body(_entries(named) + [entry(unknown, market)]), signer, named)
        cancel(body(_entries(mine.get("canceled before subscribing", []) + mine["canceled"][:1])), signer, [])
        if other:
            cancel(body(_entries(theirs["canceled by them"])), their_signer, theirs["canceled by them"])
        # One window after the last answer, for every check: what must not arrive may come as late as what must.
        time.sleep(bound)
        canceled = open_before - _open(us, me, mine)
        their_canceled = their_open_before - _open(us, other, theirs) if other else set()
    return Scenario(mine, theirs, unknown, open_before, canceled, their_open_before, their_canceled, market, watched,
                    unsubscribed_at, answered, batch)


def _ids(values) -> str:
    return str(sorted(map(str, values))[:5])


@pytest.mark.requirement("US-BC-009")
@pytest.mark.orders(sum(map(len, LIVE.values())), cancels=len(LIVE["canceled"]))
def test_the_order_stream_reports_every_cancel(us, stream_served, bound):
    """"`canceledOrderIds` is an echo of the request, not a confirmation; observe actual outcomes on the order stream.\""""
    scenario = _scenario(us, bound)
    missing = scenario.canceled - set(scenario.watched["mine"].canceled())
    require("US-BC-009", not missing, expected=f"an {CANCELED} update within {bound:g} s for each order canceled",
            actual=f"none for {_ids(missing)} of {len(scenario.canceled)}", exchange=scenario.batch)
    if "theirs" in scenario.watched:
        missing = scenario.their_canceled - set(scenario.watched["theirs"].canceled())
        require("US-BC-009", not missing, expected=f"an {CANCELED} update on the other account's stream for each "
                f"of its orders canceled", actual=f"none for {_ids(missing)}", exchange=scenario.batch)


@pytest.mark.requirement("US-BC-043")
def test_no_cancel_is_reported_for_orders_left_open(scenario):
    """"`canceledOrderIds` is an echo of the request, not a confirmation\": the stream reports what happened."""
    left_open = (scenario.open_before - scenario.canceled) | {scenario.unknown} | (
        scenario.ids(scenario.theirs, "named in mine") - scenario.their_canceled)
    reported = set(scenario.watched["mine"].canceled()) & left_open
    require("US-BC-043", not reported,
            expected="no canceled update for an order left open (not named, uncancelable, in a rejected batch, "
                     "another account's) or an unknown id",
            actual=f"canceled updates for {_ids(reported)}", exchange=scenario.batch)
    if "theirs" in scenario.watched:
        reported = set(scenario.watched["theirs"].canceled()) & (scenario.their_open_before - scenario.their_canceled)
        require("US-BC-043", not reported, expected="no canceled update for the other account's orders left open",
                actual=f"canceled updates for {_ids(reported)}", exchange=scenario.batch)


@pytest.mark.requirement("US-BC-044")
def test_each_cancel_is_reported_once(scenario):
    """"observe actual outcomes on the order stream": one cancel, one update; a repeated cancel changes nothing."""
    for name, canceled in (("mine", scenario.canceled), ("theirs", scenario.their_canceled)):
        if name not in scenario.watched:
            continue
        counts = scenario.watched[name].canceled()
        twice = {i: n for i, n in counts.items() if i in canceled and n > 1}
        require("US-BC-044", not twice, expected="one canceled update per canceled order, also when named again",
                actual=f"updates per order: {dict(list(twice.items())[:5])}", exchange=scenario.batch)
    before = scenario.ids(scenario.mine) - scenario.open_before
    reported = set(scenario.watched["mine"].canceled()) & before
    require("US-BC-044", not reported,
            expected="no canceled update for an order canceled before the subscription, when a batch names it again",
            actual=f"canceled updates for {_ids(reported)}", exchange=scenario.batch)


@pytest.mark.requirement("US-BC-045")
def test_the_stream_is_private(scenario):
    """"observe actual outcomes on the order stream": the account's own, on its own stream."""
    if "theirs" not in scenario.watched:
        pytest.skip("needs orders arranged on a second account: only a target with the control plane has them")
    mine, theirs = scenario.ids(scenario.mine), scenario.ids(scenario.theirs)
    not_named_by_me = scenario.ids(scenario.theirs, "canceled by them")
    for name, foreign, updates_of in (("mine", theirs, not_named_by_me), ("filtered", theirs, not_named_by_me),
                                      ("theirs", mine, mine)):
        watched = scenario.watched[name]
        listed = set(watched.snapshot.ids) & foreign
        require("US-BC-045", not listed, expected=f"no order of another account in the snapshot ({name} subscription)",
                actual=f"listed: {_ids(listed)}")
        leaked = {e.order_id for e in watched.updates()} & updates_of
        require("US-BC-045", not leaked, expected=f"no update of another account's orders ({name} subscription)",
                actual=f"updates for {_ids(leaked)}", exchange=scenario.batch)


@pytest.mark.requirement("US-BC-046")
def test_the_snapshot_is_the_current_state(scenario):
    """Polymarket US WebSocket docs: the order snapshot is the "Initial snapshot of open orders"."""
    checks = [("mine", scenario.ids(scenario.mine), scenario.open_before)]
    if "theirs" in scenario.watched:
        checks.append(("theirs", scenario.ids(scenario.theirs), scenario.their_open_before))
    for name, own, open_before in checks:
        snapshot = scenario.watched[name].snapshot
        require("US-BC-046", snapshot.complete, expected="a snapshot whose last message has eof: true",
                actual=f"{len(snapshot.messages)} message(s) without eof: true")
        listed = set(snapshot.ids)
        missing, stale = open_before - listed, (own - open_before) & listed
        require("US-BC-046", not missing, expected="every open order of the account in the snapshot",
                actual=f"missing: {_ids(missing)} of {len(open_before)}")
        require("US-BC-046", not stale, expected="no order canceled before the subscription in the snapshot",
                actual=f"listed: {_ids(stale)}")


@pytest.mark.requirement("US-BC-047")
def test_the_market_filter_holds(scenario):
    """polymarket_us subscribe_orders: "market_slugs: Optional list of market slugs to filter\""""
    filtered, market_of = scenario.watched["filtered"], scenario.market_of()
    inside = {i for i, slug in market_of.items() if slug == scenario.market}
    outside = set(market_of) - inside
    listed = set(filtered.snapshot.ids)
    require("US-BC-047", not (listed & outside), expected=f"a snapshot of orders in {scenario.market} only",
            actual=f"also {_ids(listed & outside)}")
    require("US-BC-047", not (scenario.open_before & inside) - listed,
            expected=f"every open order in {scenario.market} in the snapshot",
            actual=f"missing {_ids((scenario.open_before & inside) - listed)}")
    updated = {e.order_id for e in filtered.updates()}
    require("US-BC-047", not (updated & outside), expected=f"updates of orders in {scenario.market} only",
            actual=f"also {_ids(updated & outside)}", exchange=scenario.batch)
    missing = (scenario.canceled & inside) - set(filtered.canceled())
    require("US-BC-047", not missing, expected=f"a canceled update for every order canceled in {scenario.market}",
            actual=f"none for {_ids(missing)}", exchange=scenario.batch)


@pytest.mark.requirement("US-BC-048")
def test_every_message_names_its_subscription(scenario):
    """polymarket_us: OrderSnapshot and OrderUpdate carry the subscription's requestId."""
    for name, watched in scenario.watched.items():
        wanted = watched.snapshot.request_id
        wrong = [m.get("requestId") for m in watched.snapshot.messages if m.get("requestId") != wanted]
        require("US-BC-048", not wrong,
                expected=f"every snapshot message of the {name} subscription with requestId {wanted}",
                actual=f"requestId {wrong[:1]} on {len(wrong)} message(s)")
        if name not in ("left", "after"):  # those two share a connection: the unsubscribe check reads them
            wrong = [e.request_id for e in watched.updates() if e.request_id != wanted]
            require("US-BC-048", not wrong, expected=f"every update of the {name} subscription with requestId {wanted}",
                    actual=f"requestId {wrong[:1]} on {len(wrong)} update(s)", exchange=scenario.batch)


@pytest.mark.requirement("US-BC-049")
def test_unsubscribe_ends_the_subscription(scenario):
    """polymarket_us unsubscribe: "request_id: Request ID of the subscription to cancel\""""
    left = scenario.watched["left"]
    late = [e for e in left.updates(scenario.unsubscribed_at) if e.request_id in (left.snapshot.request_id, None)]
    require("US-BC-049", not late, expected="no update for a subscription after it was unsubscribed",
            actual=f"{len(late)} update(s), for {_ids({e.order_id for e in late})}", exchange=scenario.batch)


@pytest.mark.requirement("US-BC-050")
def test_how_the_stream_delivers_is_reported(scenario):
    """The pages give no delivery delay, framing or heartbeat interval: observed only."""
    for name, watched in scenario.watched.items():
        if name == "after":
            continue
        snapshot_types = sorted({str(m.get("subscriptionType")) for m in watched.snapshot.messages})
        kinds = Counter(str(e.type) for e in watched.updates())
        inform("US-BC-050", f"{name}: snapshot in {len(watched.snapshot.messages)} message(s) of {snapshot_types}, "
                            f"{watched.stream.heartbeats} heartbeat(s), updates {dict(kinds)}")
    late = [e.at - scenario.answered[e.order_id] for e in scenario.watched["mine"].updates()
            if e.type == CANCELED and e.order_id in scenario.answered]
    if late:
        arrival = [e.order_id for e in scenario.watched["mine"].updates() if e.order_id in scenario.answered]
        in_order = arrival == sorted(arrival, key=list(scenario.answered).index)
        inform("US-BC-050", f"canceled updates arrived {min(late) * 1000:.0f} to {max(late) * 1000:.0f} ms after the "
                            f"batch was answered, {'in' if in_order else 'not in'} request order")


@pytest.mark.requirement("US-BC-051")
def test_what_the_stream_answers_to_garbage_is_reported(us, stream_served):
    """polymarket_us WebSocketErrorMessage {requestId, error}: what a server answers to a bad message is its own."""
    with Streams(us) as streams:
        stream = streams.open(stream_headers(UsSigner(us.account())))
        bad_id = fresh_request_id()
        for garbage in ("not json", '{"subscribe": "x"}', '["subscribe"]',
                        {"subscribe": {"requestId": bad_id, "subscriptionType": "SUBSCRIPTION_TYPE_CONFORMANCE"}},
                        {"subscribe": {"requestId": bad_id, "subscriptionType": "SUBSCRIPTION_TYPE_ORDER",
                                       "marketSlugs": "not-a-list"}}):
            stream.send(garbage)
        snapshot = stream.subscribe()
        errors, closed = stream.errors, stream.closed
    inform("US-BC-051", f"5 malformed messages got {len(errors)} error message(s) "
                        f"({'; '.join(str(e.get('error'))[:60] for e in errors[:2])}); the connection is "
                        f"{'closed' if closed else 'open'} and a subscription after them "
                        f"{'got its snapshot' if snapshot.complete else 'got no snapshot'}")
