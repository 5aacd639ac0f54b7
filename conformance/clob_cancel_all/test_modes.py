"""Trading modes and orders that cannot be canceled."""

import pytest
from hypothesis import given

from conformance.results import cancel_result
from conformance.signing import ClobSigner
from conformance.verdict import inform, require
from strategies.layouts import order_layouts


@pytest.mark.requirement("CLOB-CA-003")
@given(layout=order_layouts(min_size=1, max_size=5))
def test_cancel_all_works_in_cancel_only_mode(clob, layout):
    """"Works even in cancel-only mode.\""""
    me = clob.account()
    clob.add_orders(me, layout)
    with clob.trading_mode("cancel-only"):
        exchange = clob.cancel_all(ClobSigner(me))
    require("CLOB-CA-003", exchange.status == 200, expected="200 in cancel-only mode", exchange=exchange)
    open_ids = [order_id for order_id, state in clob.states(me).items() if state != "canceled"]
    require(
        "CLOB-CA-003",
        not open_ids,
        expected="every open order canceled in cancel-only mode",
        actual=f"still open: {open_ids[:5]}",
        exchange=exchange,
    )


@pytest.mark.requirement("CLOB-CA-004")
def test_disabled_trading_answers_503(clob):
    """"503: Service unavailable - Trading disabled (cancels still work in cancel-only mode)\""""
    me = clob.account()
    clob.add_orders(me, [{}])
    with clob.trading_mode("disabled"):
        exchange = clob.cancel_all(ClobSigner(me))
    require("CLOB-CA-004", exchange.status == 503, expected="503 while trading is disabled", exchange=exchange)


@pytest.mark.requirement("CLOB-CA-012", "CLOB-CA-010")
@given(layout=order_layouts(min_size=1, max_size=6, uncancelable=True))
def test_uncancelable_orders_are_reported_in_not_canceled(clob, layout):
    """"not_canceled: Map of order IDs that could not be canceled with error messages\""""
    me = clob.account()
    ids = clob.add_orders(me, layout)
    reasons = {oid: entry["uncancelableReason"] for oid, entry in zip(ids, layout) if "uncancelableReason" in entry}
    exchange = clob.cancel_all(ClobSigner(me))
    require("CLOB-CA-012", exchange.status == 200, expected="200 for a valid cancel-all", exchange=exchange)
    result = cancel_result(exchange)
    require(
        "CLOB-CA-012",
        result.not_canceled == reasons,
        expected=f"not_canceled maps each uncancelable order to its reason: {reasons}",
        exchange=exchange,
    )
    require(
        "CLOB-CA-012",
        not set(result.canceled) & set(reasons),
        expected="no uncancelable order listed in canceled",
        exchange=exchange,
    )
    states = clob.states(me)
    closed = [oid for oid in reasons if states.get(oid) != "open"]
    require(
        "CLOB-CA-012",
        not closed,
        expected="uncancelable orders stay open",
        actual=f"no longer open: {closed}",
        exchange=exchange,
    )


@pytest.mark.requirement("CLOB-CA-017")
def test_unauthenticated_request_while_disabled_is_reported(clob):
    """Which of 401 and 503 wins is left open by the page: reported only."""
    with clob.trading_mode("disabled"):
        exchange = clob.cancel_all(headers={})
    inform("CLOB-CA-017", f"an unauthenticated cancel-all while trading is disabled answered {exchange.status}")
