"""Every documented status of DELETE /cancel-all, validated by schemathesis against the spec."""

import pytest

from conformance import schema as specs
from conformance.signing import ClobSigner
from conformance.target import CLOB_PATH
from conformance.verdict import require

schema, hook = specs.signed("clob")


@pytest.fixture
def signing(clob):
    """Every generated case is signed by a fresh account of the target (a real cancel-all: opt-in on live)."""
    clob.allow_cancels()
    hook.signer = ClobSigner(clob.account())


@pytest.mark.requirement("CLOB-CA-010", "CLOB-CA-009")
@schema.parametrize()
def test_generated_signed_requests_get_documented_answers(case, clob, signing):
    """"200: Cancellation results for all orders" (CancelOrdersResponse), validated by schemathesis."""
    exchange = specs.send(clob.http, case)
    if specs.is_signed(case, hook):
        require("CLOB-CA-009", exchange.status != 401,
                expected="a valid schemathesis case signed by the auth hook is authenticated", exchange=exchange)
    specs.validate("CLOB-CA-010", case, exchange)


def _case(headers):
    return specs.load("clob")[CLOB_PATH]["DELETE"].Case(headers=headers)


@pytest.mark.requirement("CLOB-CA-010", "CLOB-CA-005")
def test_401_answer_is_an_error_response(clob):
    """"401: Unauthorized - Invalid API key or authentication failed" with an ErrorResponse."""
    case = _case({"POLY_API_KEY": "not-a-key"})
    exchange = clob.cancel_all(headers=case.headers)
    require("CLOB-CA-005", exchange.status == 401, expected="401 for an unknown API key", exchange=exchange)
    specs.validate("CLOB-CA-010", case, exchange)


@pytest.mark.requirement("CLOB-CA-010", "CLOB-CA-004")
def test_503_answer_is_an_error_response(clob):
    """"503: Service unavailable - Trading disabled" with an ErrorResponse."""
    signer = ClobSigner(clob.account())
    with clob.trading_mode("disabled"):
        exchange = clob.cancel_all(signer)
    require("CLOB-CA-004", exchange.status == 503, expected="503 while trading is disabled", exchange=exchange)
    specs.validate("CLOB-CA-010", _case(dict(exchange.request.headers)), exchange)
