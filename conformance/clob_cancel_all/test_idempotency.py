"""Cancel-all repeated, in sequence and at once."""

import pytest
from hypothesis import given

from conformance.exchange import at_once
from conformance.results import cancel_result
from conformance.signing import ClobSigner
from conformance.verdict import inform, require
from strategies.layouts import order_layouts

CONCURRENT_CALLS = 4


@pytest.mark.requirement("CLOB-CA-013", "CLOB-CA-010", "CLOB-CA-014")
@given(layout=order_layouts(min_size=1, max_size=6))
def test_repeated_cancel_all_cancels_nothing_new(clob, layout):
    """"canceled: Array of order IDs that were successfully canceled" — none are left the second time."""
    me = clob.account()
    ids = clob.add_orders(me, layout)
    signer = ClobSigner(me)
    first = clob.cancel_all(signer)
    second = clob.cancel_all(signer)
    require("CLOB-CA-013", first.status == 200 and second.status == 200,
            expected="200 for both cancel-alls", exchange=second, actual=f"{first.status} then {second.status}")
    repeat = cancel_result(second)
    require(
        "CLOB-CA-013",
        not repeat.canceled,
        expected="the second cancel-all lists nothing in canceled: every order was canceled by the first",
        exchange=second,
    )
    relisted = set(repeat.not_canceled) & set(ids)
    inform(
        "CLOB-CA-014",
        f"a repeated cancel-all listed {len(relisted)} of {len(ids)} already-canceled orders under not_canceled",
    )


@pytest.mark.requirement("CLOB-CA-013", "CLOB-CA-010", "CLOB-CA-014")
def test_concurrent_cancel_alls_cancel_every_order(clob):
    """Cancel-alls sent at once all succeed and leave every order canceled."""
    me = clob.account()
    clob.add_orders(me, [{} for _ in range(12)])
    signer = ClobSigner(me)
    exchanges = at_once([lambda: clob.cancel_all(signer)] * CONCURRENT_CALLS)
    for exchange in exchanges:
        require("CLOB-CA-013", exchange.status == 200, expected="200 for each concurrent cancel-all", exchange=exchange)
    open_ids = [oid for oid, state in clob.states(me).items() if state != "canceled"]
    require("CLOB-CA-013", not open_ids, expected="every order canceled", actual=f"still open: {open_ids[:5]}")
    listings = [oid for exchange in exchanges for oid in cancel_result(exchange).canceled]
    twice = len(listings) - len(set(listings))
    inform("CLOB-CA-014", f"{CONCURRENT_CALLS} concurrent cancel-alls listed {twice} orders in canceled more than once")
