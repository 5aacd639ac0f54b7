"""Naming another account's orders cancels none of them."""

import pytest
from hypothesis import given

from conformance.signing import UsSigner
from conformance.verdict import require
from strategies.batches import body, entry
from strategies.layouts import order_layouts


@pytest.mark.requirement("US-BC-015")
@pytest.mark.orders(3, cancels=0, second_account=True)
@given(theirs=order_layouts(min_size=1, max_size=5))
def test_other_accounts_orders_stay_open(us, theirs):
    """"Exchange-assigned order ID to cancel", under the caller's own Ed25519 authentication."""
    me, other = us.account(), us.other_account()
    orders = us.add_orders(other, theirs)
    exchange = us.batch_cancel(body([entry(o["id"], o["marketSlug"]) for o in orders]), signer=UsSigner(me))
    closed = [oid for oid, state in us.states(other, [o["id"] for o in orders]).items() if state != "open"]
    require("US-BC-015", not closed, expected="every order of the other account still open",
            actual=f"canceled: {closed[:5]}", exchange=exchange)
