"""The same batch again, in sequence and at once: the same echo, no error, no new state change."""

import pytest
from hypothesis import given

from conformance.exchange import at_once
from conformance.results import echo_of
from conformance.signing import UsSigner
from conformance.verdict import require
from strategies.batches import body, entry
from strategies.layouts import order_layouts

CONCURRENT_CALLS = 4


def _judge_repeat(us, me, exchanges, batch_ids, named, unnamed):
    for exchange in exchanges:
        require("US-BC-016", exchange.status == 200, expected="200 for every copy of a valid batch", exchange=exchange)
        require("US-BC-016", echo_of(exchange) == batch_ids, expected=f"the same echo each time: {batch_ids[:5]}",
                exchange=exchange)
    states = us.states(me, named + unnamed)
    wrong = [oid for oid in named if states[oid] != "canceled"] + [oid for oid in unnamed if states[oid] != "open"]
    require("US-BC-016", not wrong, expected="named orders canceled, the others open",
            actual=f"wrong state: {wrong[:5]}", exchange=exchanges[-1])


@pytest.mark.requirement("US-BC-016", "US-BC-005", "US-BC-006")
@pytest.mark.orders(4, cancels=2)
@given(layout=order_layouts(min_size=2, max_size=6))
def test_the_same_batch_twice_answers_the_same(us, layout):
    """"canceledOrderIds: Echo of the input" — also when its orders are already canceled."""
    me = us.account()
    orders = us.add_orders(me, layout)
    named, unnamed = orders[: len(orders) // 2 or 1], orders[len(orders) // 2 or 1 :]
    batch = body([entry(o["id"], o["marketSlug"]) for o in named])
    signer = UsSigner(me)
    exchanges = [us.batch_cancel(batch, signer=signer) for _ in range(2)]
    ids = [o["id"] for o in named]
    _judge_repeat(us, me, exchanges, ids, ids, [o["id"] for o in unnamed])


@pytest.mark.requirement("US-BC-016", "US-BC-005", "US-BC-006")
@pytest.mark.orders(4, cancels=2)
def test_concurrent_copies_of_a_batch_answer_the_same(us):
    """Copies of one batch sent at once all succeed with the same echo."""
    me = us.account()
    orders = us.add_orders(me, [{} for _ in range(10)])
    named, unnamed = orders[:-2], orders[-2:]
    batch = body([entry(o["id"], o["marketSlug"]) for o in named])
    signer = UsSigner(me)
    exchanges = at_once([lambda: us.batch_cancel(batch, signer=signer)] * CONCURRENT_CALLS)
    ids = [o["id"] for o in named]
    _judge_repeat(us, me, exchanges, ids, ids, [o["id"] for o in unnamed])
