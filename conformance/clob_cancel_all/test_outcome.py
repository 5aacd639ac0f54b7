"""What cancel-all really does: every cancelable open order of the caller canceled, and listed."""

import pytest
from hypothesis import example, given

from conformance.results import cancel_result
from conformance.signing import ClobSigner
from conformance.verdict import inform, require
from strategies.layouts import order_layouts


@pytest.mark.requirement("CLOB-CA-001", "CLOB-CA-002", "CLOB-CA-010", "CLOB-CA-015")
@given(layout=order_layouts(max_size=8))
@example(layout=[{"marketSlug": "market-alpha"}] * 6)
def test_cancel_all_cancels_and_lists_every_open_order(clob, layout):
    """"Cancels all open orders for the authenticated user." and lists them in `canceled`."""
    me = clob.account()
    ids = clob.add_orders(me, layout)
    exchange = clob.cancel_all(ClobSigner(me))
    require("CLOB-CA-001", exchange.status == 200, expected="200 for a valid cancel-all", exchange=exchange)
    result = cancel_result(exchange)
    states = clob.states(me)
    still_open = [order_id for order_id in ids if states.get(order_id) != "canceled"]
    require(
        "CLOB-CA-001",
        not still_open,
        expected=f"all {len(ids)} open orders canceled (control plane truth)",
        actual=f"{len(still_open)} still open: {still_open[:5]}",
        exchange=exchange,
    )
    require(
        "CLOB-CA-002",
        sorted(result.canceled) == sorted(ids),
        expected=f"canceled lists exactly the {len(ids)} orders the call canceled, each once: {ids[:5]}",
        exchange=exchange,
    )
    if len(ids) > 1:
        order = "creation order" if result.canceled == ids else "another order than creation"
        inform("CLOB-CA-015", f"canceled listed {len(ids)} orders in {order}")
