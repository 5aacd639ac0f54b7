"""What a batch really does: the named open orders are canceled, the others stay open."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.signing import UsSigner
from conformance.verdict import inform, require
from strategies.batches import body, entry
from strategies.layouts import UNCANCELABLE, named_subsets, order_layouts


def _cancel(us, me, orders):
    exchange = us.batch_cancel(body([entry(o["id"], o["marketSlug"]) for o in orders]), signer=UsSigner(me))
    require("US-BC-001", exchange.status == 200, expected="200 for a valid batch", exchange=exchange)
    return exchange


def _judge(us, me, exchange, named, unnamed, stuck=()):
    states = us.states(me, [o["id"] for o in named + unnamed])
    left_open = [o["id"] for o in named if o["id"] not in stuck and states.get(o["id"]) != "canceled"]
    require("US-BC-007", not left_open, expected="every named open order canceled (control plane truth)",
            actual=f"still open: {left_open[:5]}", exchange=exchange)
    closed = [o["id"] for o in unnamed if states.get(o["id"]) != "open"]
    require("US-BC-008", not closed, expected="every order the batch does not name still open",
            actual=f"canceled: {closed[:5]}", exchange=exchange)
    if not stuck:
        return
    closed = [oid for oid in stuck if states.get(oid) != "open"]
    require("US-BC-052", not closed, expected="every named order that cannot be canceled still open",
            actual=f"canceled: {closed[:5]}", exchange=exchange)


@pytest.mark.requirement("US-BC-007", "US-BC-008", "US-BC-052", "US-BC-001")
@pytest.mark.orders(3)
@given(layout=order_layouts(min_size=1, max_size=8, uncancelable=True), data=st.data())
def test_named_orders_are_canceled_and_others_stay_open(us, layout, data):
    """"Cancel up to 20 orders in a single request" — those, and only those, that can be."""
    me = us.account()
    orders = us.add_orders(me, layout)
    stuck = {o["id"] for o, e in zip(orders, layout) if "uncancelableReason" in e} if us.sandbox else set()
    picked = data.draw(named_subsets(len(orders), min_size=1), label="named")
    named = [orders[i] for i in picked]
    unnamed = [o for i, o in enumerate(orders) if i not in picked]
    _judge(us, me, _cancel(us, me, named), named, unnamed, stuck)


@pytest.mark.requirement("US-BC-052", "US-BC-007", "US-BC-008", "US-BC-001")
def test_an_uncancelable_order_stays_open(us):
    """"`canceledOrderIds` is an echo of the request, not a confirmation": a named order may stay open."""
    me = us.account()
    us.arranged()
    stuck, plain = us.add_orders(me, [UNCANCELABLE | {"marketSlug": "market-alpha"}, {"marketSlug": "market-alpha"}])
    _judge(us, me, _cancel(us, me, [stuck, plain]), [stuck, plain], [], {stuck["id"]})


@pytest.mark.requirement("US-BC-008", "US-BC-007", "US-BC-001")
@pytest.mark.orders(2, cancels=1, one_market=True)
def test_an_unnamed_order_in_a_named_market_stays_open(us):
    """"orderId: Exchange-assigned order ID to cancel." — not every order of its market."""
    me = us.account()
    named, unnamed = us.add_orders(me, [{"marketSlug": "market-alpha"}, {"marketSlug": "market-alpha"}])
    _judge(us, me, _cancel(us, me, [named]), [named], [unnamed])


@pytest.mark.requirement("US-BC-020")
@pytest.mark.orders(1)
def test_mismatched_market_slug_is_reported(us):
    """Whether an entry whose marketSlug is not the order's market still cancels it: reported only."""
    me = us.account()
    (order,) = us.add_orders(me, [{"marketSlug": "market-alpha"}])
    exchange = us.batch_cancel(body([entry(order["id"], "market-beta")]), signer=UsSigner(me))
    state = us.states(me, [order["id"]])[order["id"]]
    inform("US-BC-020", f"an entry naming the wrong market answered {exchange.status}; the order is {state}")
