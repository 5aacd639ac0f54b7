"""What one cancel-all did to the account's open orders, read before and after it: how a live target is judged.

On a target without the control plane the orders are the account's own (and the second
account's, if given), read through ``GET /data/orders`` as py-clob-client reads them; any
cancel-all cancels them all, so these checks share one cancel-all and run before any other
CLOB check. On a sandbox the same checks judge an arranged account, through the control plane.
"""

import pytest

from conformance import live
from conformance.verdict import inform, require

ARRANGED = [
    {"marketSlug": "market-alpha"}, {"marketSlug": "market-alpha"}, {"marketSlug": "market-beta"},
    {"marketSlug": "market-gamma"}, {"marketSlug": "market-beta", "uncancelableReason": "Order already matched"},
]
ARRANGED_FOR_THEM = [{"marketSlug": "market-alpha"}, {"marketSlug": "market-gamma", "uncancelableReason": "Order is being matched"}]


@pytest.fixture(scope="session")
def observed_cancel_all(clob) -> live.CancelAllObservation:
    """One cancel-all and its repeat, with the open orders read around them (a real cancel-all: opt-in on live)."""
    clob.allow_cancels()
    me = clob.account()
    other = clob.other_account() if clob.has_second_account else None
    if clob.sandbox:
        clob.add_orders(me, ARRANGED)
        clob.add_orders(other, ARRANGED_FOR_THEM)
    return live.observe_cancel_all(clob, me, other)


def _require_200(rid, exchange):
    require(rid, exchange.status == 200, expected="200 for a valid cancel-all", exchange=exchange)


def _listing(ids) -> str:
    return f"{len(ids)} ({', '.join(sorted(ids)[:3])}{', …' if len(ids) > 3 else ''})"


@pytest.mark.requirement("CLOB-CA-001", "CLOB-CA-010")
def test_no_open_order_is_left_but_those_in_not_canceled(observed_cancel_all):
    """"Cancels all open orders for the authenticated user.": afterwards only orders it could not cancel are open."""
    seen = observed_cancel_all
    _require_200("CLOB-CA-001", seen.first)
    left = set(seen.before) & seen.open_after - set(seen.result.not_canceled)
    require("CLOB-CA-001", not left,
            expected=f"none of the account's {len(seen.before)} open orders still open, but those listed in not_canceled",
            actual=f"still open, and not in not_canceled: {_listing(left)}", exchange=seen.first)


@pytest.mark.requirement("CLOB-CA-002", "CLOB-CA-010", "CLOB-CA-015")
def test_canceled_lists_exactly_the_orders_that_are_gone(observed_cancel_all):
    """"canceled: Array of order IDs that were successfully canceled": every order it canceled, once, and no other."""
    seen = observed_cancel_all
    _require_200("CLOB-CA-002", seen.first)
    listed = seen.result.canceled
    gone = set(seen.before) - seen.open_after
    wrong = {
        "gone but not listed": gone - set(listed),
        "listed but still open": set(listed) & seen.open_after,
        "listed but not among the account's open orders": set(listed) - set(seen.before),
        "listed more than once": {i for i in listed if listed.count(i) > 1},
    }
    require("CLOB-CA-002", not any(wrong.values()),
            expected=f"canceled lists each of the {len(gone)} orders no longer open, once, and nothing else",
            actual="; ".join(f"{what}: {_listing(ids)}" for what, ids in wrong.items() if ids), exchange=seen.first)
    if len(listed) > 1:
        same = listed == [i for i in seen.before if i in gone]
        order = "the order of" if same else "another order than"
        inform("CLOB-CA-015", f"canceled listed {len(listed)} orders in {order} the account's list of open orders")


@pytest.mark.requirement("CLOB-CA-012", "CLOB-CA-010")
def test_orders_in_not_canceled_were_open_have_a_reason_and_stay_open(observed_cancel_all):
    """"not_canceled: Map of order IDs that could not be canceled with error messages\""""
    seen = observed_cancel_all
    _require_200("CLOB-CA-012", seen.first)
    result = seen.result
    wrong = {
        "not among the account's open orders": set(result.not_canceled) - set(seen.before),
        "without a reason": {i for i, why in result.not_canceled.items() if not (isinstance(why, str) and why.strip())},
        "no longer open": set(result.not_canceled) - seen.open_after,
        "also in canceled": set(result.not_canceled) & set(result.canceled),
    }
    require("CLOB-CA-012", not any(wrong.values()),
            expected="not_canceled maps orders of the account that stay open to the reason they could not be canceled",
            actual="; ".join(f"{what}: {_listing(ids)}" for what, ids in wrong.items() if ids), exchange=seen.first)


@pytest.mark.requirement("CLOB-CA-013", "CLOB-CA-010", "CLOB-CA-014")
def test_a_repeated_cancel_all_cancels_and_lists_nothing(observed_cancel_all):
    """"canceled: Array of order IDs that were successfully canceled" — none are left the second time."""
    seen = observed_cancel_all
    _require_200("CLOB-CA-013", seen.second)
    repeat = seen.repeat
    require("CLOB-CA-013", not repeat.canceled,
            expected="the repeated cancel-all lists nothing in canceled: the first one canceled every order it could",
            exchange=seen.second)
    closed = seen.open_after - seen.open_after_second
    require("CLOB-CA-013", not closed, expected="the repeated cancel-all cancels nothing",
            actual=f"no longer open after it: {_listing(closed)}", exchange=seen.second)
    gone = set(seen.before) - seen.open_after
    relisted = set(repeat.not_canceled) & gone
    inform("CLOB-CA-014", f"a repeated cancel-all listed {len(relisted)} of {len(gone)} already-canceled orders under not_canceled")


@pytest.mark.requirement("CLOB-CA-011", "CLOB-CA-010")
def test_the_other_accounts_open_orders_are_untouched(clob, observed_cancel_all):
    """"Cancels all open orders for the authenticated user" — and no one else's."""
    clob.second_account_available()
    seen = observed_cancel_all
    if not seen.theirs_before:
        pytest.skip(f"needs at least 1 open order on the second account, 0 found: {live.PLACE_MORE}")
    theirs = set(seen.theirs_before)
    _require_200("CLOB-CA-011", seen.first)
    wrong = {
        "no longer open": theirs - seen.theirs_after,
        "listed in canceled": theirs & set(seen.result.canceled),
        "listed in not_canceled": theirs & set(seen.result.not_canceled),
    }
    require("CLOB-CA-011", not any(wrong.values()),
            expected=f"the other account's {len(theirs)} open orders still open, and none listed",
            actual="; ".join(f"{what}: {_listing(ids)}" for what, ids in wrong.items() if ids), exchange=seen.first)
