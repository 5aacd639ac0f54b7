"""Batch size and shape: 1 to 20 valid entries accepted; anything else rejected whole, with 400."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conformance.signing import UsSigner
from conformance.verdict import inform, require
from strategies.batches import (
    MAX_ENTRIES,
    MIN_ENTRIES,
    batch_key,
    body,
    bodies_with_one_broken_entry,
    entry,
    fresh_unknown_id,
    malformed_bodies,
    raw_garbage,
)
from strategies.layouts import order_layouts


def unknown_batch(size: int) -> dict:
    return body([entry(fresh_unknown_id(), "no-such-market") for _ in range(size)])


@pytest.mark.requirement("US-BC-001")
@given(size=st.integers(MIN_ENTRIES, MAX_ENTRIES))
@example(size=MIN_ENTRIES)
@example(size=MAX_ENTRIES)
def test_batches_of_1_to_20_entries_are_accepted(us, size):
    """"Cancel up to 20 orders in a single request." (orders: minItems 1, maxItems 20)"""
    exchange = us.batch_cancel(unknown_batch(size), signer=UsSigner(us.account()))
    require("US-BC-001", exchange.status == 200, expected=f"200 for a valid batch of {size} entries", exchange=exchange)


@pytest.mark.requirement("US-BC-002")
@given(size=st.integers(MAX_ENTRIES + 1, 400))
@example(size=MAX_ENTRIES + 1)
def test_batches_over_20_entries_are_rejected(us, size):
    """"400: Bad request - ... exceeds max batch size\""""
    exchange = us.batch_cancel(unknown_batch(size), signer=UsSigner(us.account()))
    require("US-BC-002", exchange.status == 400, expected=f"400 for an otherwise valid batch of {size} entries",
            exchange=exchange)


@pytest.mark.requirement("US-BC-003")
@given(malformed=malformed_bodies())
@example(malformed={batch_key(): []})
@example(malformed={})
def test_malformed_requests_are_rejected(us, malformed):
    """"400: Bad request - invalid batched cancel request\""""
    exchange = us.batch_cancel(malformed, signer=UsSigner(us.account()))
    require("US-BC-003", exchange.status == 400, expected="400 for a body that is not a CancelOrderListRequest",
            exchange=exchange)


@pytest.mark.requirement("US-BC-003")
@given(raw=raw_garbage())
@example(raw=b"{")
def test_bodies_that_are_not_json_are_rejected(us, raw):
    """"400: Bad request - invalid batched cancel request\""""
    exchange = us.batch_cancel(content=raw, signer=UsSigner(us.account()))
    require("US-BC-003", exchange.status == 400, expected="400 for a body that is not JSON", exchange=exchange)


@pytest.mark.requirement("US-BC-004")
@pytest.mark.orders(3, cancels=0)
@given(layout=order_layouts(min_size=1, max_size=6), data=st.data())
def test_one_broken_entry_rejects_the_whole_batch(us, layout, data):
    """"If any entry fails request-shape validation, the whole batch is rejected by the gateway\""""
    me = us.account()
    orders = us.add_orders(me, layout)
    valid = [entry(order["id"], order["marketSlug"]) for order in orders]
    batch = data.draw(bodies_with_one_broken_entry(valid), label="batch")
    exchange = us.batch_cancel(batch, signer=UsSigner(me))
    require("US-BC-004", exchange.status == 400, expected="400 for a batch with one invalid entry", exchange=exchange)
    canceled = [oid for oid, state in us.states(me, [o["id"] for o in orders]).items() if state != "open"]
    require("US-BC-004", not canceled, expected="none of the batch's orders canceled",
            actual=f"canceled: {canceled[:5]}", exchange=exchange)


@pytest.mark.requirement("US-BC-019")
def test_extra_properties_are_reported(us):
    """Extra properties are not forbidden by the schema: what the target does is reported only."""
    signer = UsSigner(us.account())
    extra_entry = body([{**entry(fresh_unknown_id(), "no-such-market"), "note": "x"}])
    extra_top = {**body([entry(fresh_unknown_id(), "no-such-market")]), "clientTag": "x"}
    for name, batch in (("an extra entry property", extra_entry), ("an extra top-level property", extra_top)):
        exchange = us.batch_cancel(batch, signer=signer)
        inform("US-BC-019", f"a batch with {name} answered {exchange.status}")
