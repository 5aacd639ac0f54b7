"""Account and order layouts for the control plane: what the suite arranges before a cancel.

Every arrangement ``specs/control-plane.yaml`` offers (an account, orders with
each optional field, each trading mode, for each API) is declared here with the
requirements whose checks make it; ``tests/test_coverage.py`` derives the same
list from the spec and fails on any arrangement nothing declares.
"""

from __future__ import annotations

from hypothesis import strategies as st

from strategies.coverage import covers

MARKETS = ("market-alpha", "market-beta", "market-gamma")
REASONS = ("Order already matched", "Order is being matched", "Order not found or already canceled")
UNCANCELABLE = {"uncancelableReason": REASONS[0]}

ARRANGEMENTS = {
    "createAccount?api=clob": ("CLOB-CA-011",),  # a second, independent account
    "createAccount?api=us": ("US-BC-015", "US-BC-045"),
    "createOrders?api=clob": ("CLOB-CA-004", "CLOB-CA-013"),  # orders in the server's default market
    "createOrders?api=clob+marketSlug": ("CLOB-CA-001", "CLOB-CA-011"),
    "createOrders?api=clob+uncancelableReason": ("CLOB-CA-012",),
    "createOrders?api=us": ("US-BC-006", "US-BC-016"),
    "createOrders?api=us+marketSlug": ("US-BC-008", "US-BC-047"),
    "createOrders?api=us+uncancelableReason": ("US-BC-052", "US-BC-043"),
    "setTradingMode?api=clob&mode=normal": ("CLOB-CA-003", "CLOB-CA-004"),  # back to normal after each
    "setTradingMode?api=clob&mode=cancel-only": ("CLOB-CA-003",),
    "setTradingMode?api=clob&mode=disabled": ("CLOB-CA-004", "CLOB-CA-017"),
    "setTradingMode?api=us&mode=normal": ("US-BC-055", "US-BC-056"),
    "setTradingMode?api=us&mode=cancel-only": ("US-BC-055",),
    "setTradingMode?api=us&mode=disabled": ("US-BC-056",),
}
"""Arrangement (operationId, enum values, optional field) → the requirements whose checks make it."""

NOT_ARRANGED = {
    "createAccount?api=clob+address": "it binds an account to a client's own Ethereum key, for py-clob-client "
                                      "(tests/interop); the suite signs with the credentials it is given",
    "createAccount?api=us+address": "the address is for clob accounts only",
}
"""Arrangements the suite has no use for, and why."""

for _where, _requirements in ARRANGEMENTS.items():
    covers("control-plane", _where, *_requirements)


def order_entries(uncancelable: bool = False) -> st.SearchStrategy[dict[str, str]]:
    """One ``POST /_conformance/orders`` entry: a market, and sometimes a reason it cannot be canceled."""
    market = st.sampled_from(MARKETS)
    if not uncancelable:
        return market.map(lambda slug: {"marketSlug": slug})
    reason = st.one_of(st.none(), st.sampled_from(REASONS))
    return st.builds(
        lambda slug, why: {"marketSlug": slug} | ({"uncancelableReason": why} if why else {}), market, reason
    )


def order_layouts(min_size: int = 0, max_size: int = 8, uncancelable: bool = False) -> st.SearchStrategy[list[dict]]:
    """The open orders of one account."""
    return st.lists(order_entries(uncancelable), min_size=min_size, max_size=max_size)


def named_subsets(size: int, min_size: int = 0) -> st.SearchStrategy[list[int]]:
    """Which of ``size`` orders a batch names (indices, in a drawn order)."""
    return st.lists(st.integers(0, size - 1), unique=True, min_size=min_size, max_size=size) if size else st.just([])
