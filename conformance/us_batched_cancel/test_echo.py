"""`canceledOrderIds` is an echo of the request: same ids, same order, duplicates and unknown ids kept."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.results import echo_of
from conformance.signing import UsSigner
from conformance.verdict import inform, require
from strategies.batches import MAX_ENTRIES, body, entry, fresh_unknown_id, slugs, text_ids


def _require_echo(exchange, ids):
    require("US-BC-001", exchange.status == 200, expected="200 for a valid batch", exchange=exchange)
    echoed = echo_of(exchange)
    require("US-BC-006", echoed == ids, expected=f"canceledOrderIds == {ids[:8]}", exchange=exchange)


@pytest.mark.requirement("US-BC-006", "US-BC-001", "US-BC-005")
def test_echo_of_made_up_ids_keeps_their_order_and_duplicates(us):
    """"Echo of the input, not a confirmation" — also of ids no order has: safe on any account, no opt-in needed."""
    low, high = sorted([fresh_unknown_id(), fresh_unknown_id()])
    ids = [high, low, high]  # not sorted, one repeated
    exchange = us.batch_cancel(body([entry(i, "no-such-market") for i in ids]), signer=UsSigner(us.account()))
    _require_echo(exchange, ids)


@pytest.mark.requirement("US-BC-006", "US-BC-001", "US-BC-005")
@pytest.mark.orders(2)
def test_echo_keeps_order_duplicates_and_unknown_ids(us):
    """"Order IDs submitted for cancellation, in request order. Echo of the input, not a confirmation.\""""
    me = us.account()
    first, second = (order["id"] for order in us.add_orders(me, [{}, {}]))
    ids = [second, first, second, fresh_unknown_id(), first]
    exchange = us.batch_cancel(body([entry(i, "mock-market") for i in ids]), signer=UsSigner(me))
    _require_echo(exchange, ids)


@pytest.mark.requirement("US-BC-006", "US-BC-001", "US-BC-005")
@pytest.mark.orders(2)
@given(data=st.data())
def test_echo_is_the_request_ids_for_any_batch(us, data):
    """"canceledOrderIds is an echo of the request" for any mix of real, unknown, repeated and unicode ids."""
    me = us.account()
    real = [order["id"] for order in us.add_orders(me, [{}, {}, {}])]
    pool = st.one_of(st.sampled_from(real), text_ids)
    ids = data.draw(st.lists(pool, min_size=1, max_size=MAX_ENTRIES), label="orderIds")
    batch = body([entry(i, data.draw(slugs, label="slug")) for i in ids])
    exchange = us.batch_cancel(batch, signer=UsSigner(me))
    _require_echo(exchange, ids)


@pytest.mark.requirement("US-BC-017")
def test_unknown_order_ids_are_reported(us):
    """"The exchange may silently ignore unknown `orderId`s." — what it answers is reported."""
    ids = [fresh_unknown_id(), fresh_unknown_id()]
    exchange = us.batch_cancel(body([entry(i, "no-such-market") for i in ids]), signer=UsSigner(us.account()))
    inform("US-BC-017", f"a batch of only unknown ids answered {exchange.status} {exchange.response.text[:120]}")
