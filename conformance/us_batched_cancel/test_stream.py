"""The truth is on the order stream: every order a batch canceled is reported there."""

import pytest

from conformance.signing import UsSigner
from conformance.stream import StreamRefused, order_stream
from conformance.verdict import require
from strategies.batches import body, entry

STREAM_WAIT_SECONDS = 3.0


@pytest.mark.requirement("US-BC-009")
@pytest.mark.orders(3, cancels=2)
def test_the_order_stream_reports_every_cancel(us):
    """"`canceledOrderIds` is an echo of the request, not a confirmation; observe actual outcomes on the order stream.\""""
    me = us.account()
    orders = us.add_orders(me, [{"marketSlug": "market-alpha"}, {"marketSlug": "market-beta"}, {}])
    named = orders[:2]
    signer = UsSigner(me)
    try:
        with order_stream(us, signer) as stream:
            snapshot = {o.get("id") for o in stream.subscribe(STREAM_WAIT_SECONDS)}
            exchange = us.batch_cancel(body([entry(o["id"], o["marketSlug"]) for o in named]), signer=signer)
            expected = {o["id"] for o in named}
            seen = stream.canceled_ids(expected, STREAM_WAIT_SECONDS)
    except StreamRefused as refused:
        require("US-BC-009", False, expected="the order stream accepts a correctly signed handshake", actual=str(refused))
    require("US-BC-009", {o["id"] for o in orders} <= snapshot,
            expected="the subscription snapshot lists the account's open orders",
            actual=f"snapshot: {sorted(snapshot)[:5]}", exchange=exchange)
    require("US-BC-009", expected <= seen,
            expected=f"an {'EXECUTION_TYPE_CANCELED'} update for each canceled order within {STREAM_WAIT_SECONDS} s",
            actual=f"updates for {sorted(seen)[:5]}, missing {sorted(expected - seen)[:5]}", exchange=exchange)
    unnamed = {o["id"] for o in orders[2:]}
    require("US-BC-009", not (seen & unnamed), expected="no cancel update for an order the batch did not name",
            actual=f"updates for {sorted(seen & unnamed)}", exchange=exchange)
