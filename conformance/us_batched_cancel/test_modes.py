"""Trading modes the control plane arranges: cancels still work in cancel-only; disabled is reported."""

import pytest

from conformance.signing import UsSigner
from conformance.verdict import inform, require
from strategies.batches import body, entry


def _arranged_batch(us):
    us.arranged()  # trading modes are arranged: no live account has them
    me = us.account()
    (named,) = us.add_orders(me, [{"marketSlug": "market-alpha"}])
    return me, named, body([entry(named["id"], named["marketSlug"])])


@pytest.mark.requirement("US-BC-055")
def test_cancel_only_mode_still_cancels(us):
    """Control plane: "In cancel-only cancels still work\""""
    me, named, batch = _arranged_batch(us)
    with us.trading_mode("cancel-only"):
        exchange = us.batch_cancel(batch, signer=UsSigner(me))
    require("US-BC-055", exchange.status == 200, expected="200 for a valid batch in cancel-only mode", exchange=exchange)
    state = us.states(me, [named["id"]])[named["id"]]
    require("US-BC-055", state == "canceled", expected="the named order canceled", actual=f"it is {state}",
            exchange=exchange)


@pytest.mark.requirement("US-BC-056")
def test_disabled_mode_is_reported(us):
    """The US page says nothing of trading modes: what a batch does while trading is disabled is reported."""
    me, named, batch = _arranged_batch(us)
    with us.trading_mode("disabled"):
        exchange = us.batch_cancel(batch, signer=UsSigner(me))
    state = us.states(me, [named["id"]])[named["id"]]
    inform("US-BC-056", f"a batch while trading is disabled answered {exchange.status}; its order is {state}")
