"""One account's cancel-all never touches another account's orders."""

import pytest
from hypothesis import given

from conformance.results import cancel_result
from conformance.signing import ClobSigner
from conformance.verdict import require
from strategies.layouts import order_layouts


@pytest.mark.requirement("CLOB-CA-011", "CLOB-CA-010")
@given(mine=order_layouts(max_size=4), theirs=order_layouts(min_size=1, max_size=4))
def test_cancel_all_leaves_other_accounts_orders_open(clob, mine, theirs):
    """"Cancels all open orders for the authenticated user" — and no one else's."""
    me, other = clob.account(), clob.other_account()
    clob.add_orders(me, mine)
    their_ids = clob.add_orders(other, theirs)
    exchange = clob.cancel_all(ClobSigner(me))
    require("CLOB-CA-011", exchange.status == 200, expected="200 for a valid cancel-all", exchange=exchange)
    listed = set(cancel_result(exchange).canceled) & set(their_ids)
    require(
        "CLOB-CA-011",
        not listed,
        expected="none of the other account's orders listed in canceled",
        actual=f"listed: {sorted(listed)[:5]}",
        exchange=exchange,
    )
    closed = [oid for oid, state in clob.states(other).items() if state != "open"]
    require(
        "CLOB-CA-011",
        not closed,
        expected="every order of the other account still open",
        actual=f"canceled: {closed[:5]}",
        exchange=exchange,
    )
