"""The live order plan: which checks a live account's open orders serve, and how what is not canceled comes back."""

import pytest

from conformance.live import AccountOrders, Need


class Account:
    """Open orders, id → market, as an open-orders list would answer; ``cancel`` closes some."""

    def __init__(self, per_market: dict[str, int]) -> None:
        self.open = {f"{market}-{i}": market for market, n in per_market.items() for i in range(n)}
        self.reads = 0

    def read(self) -> dict[str, str]:
        self.reads += 1
        return dict(self.open)

    def cancel(self, orders) -> None:
        for order in orders:
            del self.open[order["id"]]


STREAM = ("stream", Need(3, 2))
OUTCOME = ("outcome", Need(3, 3, examples=2))
SAME_MARKET = ("same-market", Need(2, 1, one_market=True))
REJECTED = ("rejected", Need(3, 0, examples=2))


def planned(account, checks):
    orders = AccountOrders("account", account.read)
    orders.make_plan(checks)
    return orders, {nodeid: reason for nodeid, (_, reason) in orders.plan.items()}


def test_a_full_plan_costs_what_checks_cancel_plus_the_most_one_holds_and_gives_back():
    orders, reasons = planned(Account({"a": 10, "b": 10}), [STREAM, OUTCOME, SAME_MARKET, REJECTED])
    assert not any(reasons.values())
    assert orders.needed() == (2 + 6 + 2 + 3, 2)
    assert len(orders.reserves["outcome"]) == 6 and len(orders.float) == 3
    assert len(set(orders.reserves["same-market"].values())) == 1


def test_checks_that_come_first_are_served_first_and_the_rest_say_what_they_need():
    _, reasons = planned(Account({"a": 3, "b": 2}), [STREAM, OUTCOME, SAME_MARKET, REJECTED])
    assert reasons["stream"] == "" and reasons["same-market"] == ""
    assert reasons["outcome"].startswith("needs 6 open orders (3 at once, cancels up to 3 per example × 2), "
                                         "2 of the account's 5 left after the checks planned first")
    assert reasons["rejected"].startswith("needs 3 open orders")


def test_a_check_needing_one_market_skips_when_no_market_holds_enough():
    _, reasons = planned(Account({"a": 1, "b": 1, "c": 1}), [SAME_MARKET])
    assert reasons["same-market"].startswith("needs 2 open orders in one market, 1 is the most left in one")


def test_what_a_check_leaves_open_comes_back_and_what_it_cancels_is_counted():
    account = Account({"a": 6})
    orders, _ = planned(account, [REJECTED, STREAM])
    orders.begin("rejected")
    first = orders.take([{}] * 5)
    assert len(first) == 3  # at most what it declared
    second = orders.take([{}] * 3)  # its batch was rejected: the same orders come back
    assert {o["id"] for o in second} == {o["id"] for o in first}
    orders.begin("stream")
    taken = orders.take([{}] * 3)
    account.cancel(taken[:2])
    orders.finish()
    assert orders.canceled == {o["id"] for o in taken[:2]} and orders.gone == orders.canceled


def test_a_check_that_finds_its_orders_gone_skips_with_the_count_it_needs():
    account = Account({"a": 3})
    orders, _ = planned(account, [STREAM])
    account.open.clear()  # filled, or canceled by someone else, after the plan
    orders.begin("stream")
    with pytest.raises(pytest.skip.Exception, match="needs 3 open orders, 0 left for it"):
        orders.take([{}] * 3)
    assert orders.lacking == {"stream": 3}
