"""L2 authentication of DELETE /cancel-all: every mutation of the five headers is rejected, good ones are not."""

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.signing import ClobSigner
from conformance.target import CLOB_PATH
from conformance.verdict import inform, require
from strategies.auth import CLOB_MUTATIONS, draw_mutation

KINDS = [
    pytest.param(name, marks=pytest.mark.requirement(kind.requirement), id=name) for name, kind in CLOB_MUTATIONS.items()
]


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_mutated_l2_headers_are_rejected_with_401(clob, kind, data):
    """"401: Unauthorized - Invalid API key or authentication failed"."""
    me = ClobSigner(clob.account())
    other = ClobSigner(clob.other_account()) if CLOB_MUTATIONS[kind].needs_other_account else None
    mutation = draw_mutation(CLOB_MUTATIONS, kind, data, me, other)
    exchange = clob.cancel_all(headers=mutation.headers, content=mutation.body)
    require(
        mutation.requirement,
        exchange.status == 401,
        expected=f"401 for a request with {mutation.description}",
        exchange=exchange,
    )


@pytest.mark.requirement("CLOB-CA-009")
def test_five_valid_l2_headers_are_accepted(clob):
    """"Cancels all open orders for the authenticated user": valid headers authenticate."""
    exchange = clob.cancel_all(ClobSigner(clob.account()))
    require("CLOB-CA-009", exchange.status == 200, expected="200 for a request with five valid L2 headers", exchange=exchange)


@pytest.mark.requirement("CLOB-CA-016")
@pytest.mark.parametrize("offset", [-3600, 3600], ids=["hour-old", "hour-ahead"])
def test_timestamp_window_is_reported(clob, offset):
    """"POLY_TIMESTAMP: Unix timestamp of the request": the page gives no window, so this is only reported."""
    me = ClobSigner(clob.account())
    headers = me.headers("DELETE", CLOB_PATH, timestamp=str(int(time.time()) + offset))
    exchange = clob.cancel_all(headers=headers)
    inform("CLOB-CA-016", f"a correctly signed request with POLY_TIMESTAMP {offset:+d} s off answered {exchange.status}")
