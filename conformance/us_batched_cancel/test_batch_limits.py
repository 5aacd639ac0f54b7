"""Batch size and shape, on both sides of every constraint of CancelOrderListRequest: accepted inside, 400 outside.

The cases come from the schema itself (``strategies.batches``); every boundary one is pinned as an example.
"""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conformance.signing import UsSigner
from conformance.verdict import inform, require
from strategies.batches import boundary, cases, entry, raw_garbage, sample_body, with_broken_entry
from strategies.constraints import INSIDE, OPEN, OUTSIDE, pinned
from strategies.layouts import order_layouts

MAX_LAYOUT = 6


@pytest.mark.requirement("US-BC-001")
@given(case=cases(INSIDE))
@pinned(boundary(INSIDE))
def test_batches_inside_the_schema_are_accepted(us, case):
    """"Cancel up to 20 orders in a single request." (orders: minItems 1, maxItems 20, counted with duplicates)"""
    exchange = us.batch_cancel(case.apply(sample_body()), signer=UsSigner(us.account()))
    require("US-BC-001", exchange.status == 200, expected=f"200 for a valid batch: {case.what}", exchange=exchange)


@pytest.mark.requirement("US-BC-002")
@given(case=cases(OUTSIDE, rid="US-BC-002"))
@pinned(boundary(OUTSIDE, rid="US-BC-002"))
def test_batches_over_20_entries_are_rejected(us, case):
    """"400: Bad request - ... exceeds max batch size" (counted in entries, duplicates included)"""
    exchange = us.batch_cancel(case.apply(sample_body()), signer=UsSigner(us.account()))
    require("US-BC-002", exchange.status == 400, expected=f"400 for an otherwise valid batch: {case.what}",
            exchange=exchange)


@pytest.mark.requirement("US-BC-003")
@given(case=cases(OUTSIDE, rid="US-BC-003"))
@pinned(boundary(OUTSIDE, rid="US-BC-003"))
def test_malformed_requests_are_rejected(us, case):
    """"400: Bad request - invalid batched cancel request\""""
    exchange = us.batch_cancel(case.apply(sample_body()), signer=UsSigner(us.account()))
    require("US-BC-003", exchange.status == 400, expected=f"400 for a body that breaks the schema: {case.what}",
            exchange=exchange)


@pytest.mark.requirement("US-BC-003")
@given(raw=raw_garbage())
@example(raw=b"")
@example(raw=b"{")
def test_bodies_that_are_not_json_are_rejected(us, raw):
    """"400: Bad request - invalid batched cancel request" (the request body is required JSON)"""
    exchange = us.batch_cancel(content=raw, signer=UsSigner(us.account()))
    require("US-BC-003", exchange.status == 400, expected="400 for a body that is not JSON", exchange=exchange)


@pytest.mark.requirement("US-BC-004")
@pytest.mark.orders(3, cancels=0)
@given(layout=order_layouts(min_size=1, max_size=MAX_LAYOUT), case=cases(OUTSIDE, rid="US-BC-004"),
       position=st.integers(0, MAX_LAYOUT))
@pinned(boundary(OUTSIDE, rid="US-BC-004"), layout=[{"marketSlug": "market-alpha"}], position=0)
def test_one_broken_entry_rejects_the_whole_batch(us, layout, case, position):
    """"If any entry fails request-shape validation, the whole batch is rejected by the gateway\""""
    me = us.account()
    orders = us.add_orders(me, layout)
    batch = with_broken_entry([entry(order["id"], order["marketSlug"]) for order in orders], case, position)
    exchange = us.batch_cancel(batch, signer=UsSigner(me))
    require("US-BC-004", exchange.status == 400, expected=f"400 for a batch with one broken entry: {case.what}",
            exchange=exchange)
    canceled = [oid for oid, state in us.states(me, [o["id"] for o in orders]).items() if state != "open"]
    require("US-BC-004", not canceled, expected="none of the batch's orders canceled",
            actual=f"canceled: {canceled[:5]}", exchange=exchange)


@pytest.mark.requirement("US-BC-019")
def test_extra_properties_are_reported(us):
    """Extra properties are not forbidden by the schema: what the target does is reported only."""
    signer = UsSigner(us.account())
    for case in boundary(OPEN):
        exchange = us.batch_cancel(case.apply(sample_body()), signer=signer)
        inform("US-BC-019", f"{case.what} answered {exchange.status}")
