"""Account and order layouts for the control plane: what the suite arranges before a cancel."""

from __future__ import annotations

from hypothesis import strategies as st

MARKETS = ("market-alpha", "market-beta", "market-gamma")
REASONS = ("Order already matched", "Order is being matched", "Order not found or already canceled")


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
