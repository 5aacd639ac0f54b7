"""Every documented answer of POST /v1/orders/batched/cancel, validated by schemathesis against the spec."""

import pytest

from conformance import schema as specs
from conformance.signing import UsSigner
from conformance.verdict import inform, require
from strategies.batches import body, entry, fresh_unknown_id

schema, hook = specs.signed("us")


@pytest.fixture
def signing(us):
    """Every generated case is signed by a fresh account of the target."""
    hook.signer = UsSigner(us.account())


@pytest.mark.requirement("US-BC-005", "US-BC-013")
@schema.parametrize()
def test_generated_signed_requests_get_documented_answers(case, us, signing):
    """"200: All orders successfully submitted for cancellation" (CancelOrderListResponse), validated by schemathesis."""
    exchange = specs.send(us.http, case)
    if specs.is_signed(case, hook):
        require("US-BC-013", exchange.status != 401,
                expected="a valid schemathesis case signed by the auth hook is authenticated", exchange=exchange)
    specs.validate("US-BC-005", case, exchange)


@pytest.mark.requirement("US-BC-018")
def test_error_answers_are_reported(us):
    """400 and 401 declare no content: their content type and body are reported only."""
    signer = UsSigner(us.account())
    for name, batch, auth in (("400", {"orders": []}, signer), ("401", body([entry(fresh_unknown_id(), "m")]), None)):
        exchange = us.batch_cancel(batch, signer=auth, headers=None if auth else {})
        inform("US-BC-018", f"a {name} case answered {exchange.status} with {exchange.response.headers.get('content-type')}"
                            f" {exchange.response.text[:80]!r}")
