"""What DELETE /cancel-all does not declare changes nothing: a body does not narrow it; other methods cancel nothing."""

import pytest
from hypothesis import given

from conformance.signing import ClobSigner
from conformance.verdict import inform, require
from strategies.constraints import pinned
from strategies.layouts import MARKETS
from strategies.requests import NEIGHBOUR_BODIES, cancel_all_bodies, other_methods


@pytest.mark.requirement("CLOB-CA-040", "CLOB-CA-041")
@given(raw=cancel_all_bodies())
@pinned(NEIGHBOUR_BODIES, argument="raw")
def test_a_signed_body_does_not_narrow_cancel_all(clob, raw):
    """"Cancels all open orders for the authenticated user." — whatever body comes with the request."""
    me = clob.account()
    ids = clob.add_orders(me, [{"marketSlug": MARKETS[0]}, {"marketSlug": MARKETS[1]}])
    exchange = clob.cancel_all(ClobSigner(me), content=raw)
    inform("CLOB-CA-041", f"a cancel-all with a signed body answered {exchange.status}")
    require("CLOB-CA-040", exchange.status == 200 or 400 <= exchange.status < 500,
            expected="200, or a refusal (4xx), for a cancel-all with a body", exchange=exchange)
    if exchange.status == 200:
        states = clob.states(me)
        still_open = [i for i in ids if states.get(i) != "canceled"]
        require("CLOB-CA-040", not still_open, expected=f"every open order canceled, as without the body {raw[:60]!r}",
                actual=f"still open: {still_open[:5]}", exchange=exchange)


@pytest.mark.requirement("CLOB-CA-042", "CLOB-CA-043")
@pytest.mark.parametrize("raw", [None, b"{}"], ids=["no body", "a body"])
@pytest.mark.parametrize("path,method", other_methods("clob"), ids=lambda value: value)
def test_other_methods_cancel_nothing(clob, path, method, raw):
    """"paths: /cancel-all: delete" — and only delete cancels, with a body or without."""
    me = clob.account()
    ids = clob.add_orders(me, [{"marketSlug": MARKETS[0]}, {"marketSlug": MARKETS[1]}])
    exchange = clob.cancel_all(ClobSigner(me), method=method, content=raw)
    inform("CLOB-CA-043", f"{method} {path} {'with' if raw else 'without'} a body answered {exchange.status}")
    states = clob.states(me)
    canceled = [i for i in ids if states.get(i) != "open"]
    require("CLOB-CA-042", not canceled, expected=f"no order canceled by {method} {path}",
            actual=f"canceled: {canceled[:5]}", exchange=exchange)
