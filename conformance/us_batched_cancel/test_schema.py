"""Every documented answer of POST /v1/orders/batched/cancel, validated by schemathesis against the spec."""

import pytest
import schemathesis

from conformance import schema as specs
from conformance.signing import UsSigner
from conformance.verdict import inform, require
from strategies.batches import body, entry, fresh_unknown_id

lazy = schemathesis.pytest.from_fixture("signed_us_schema")


@pytest.fixture
def signed_us_schema(us):
    """The US spec with an auth hook that signs every generated case, fresh (never cached)."""
    signer = UsSigner(us.account())
    loaded = specs.fresh("us")

    class SignEveryCase:
        def get(self, case, context):
            return signer

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), **data.headers(case.method, case.formatted_path)}

    loaded.auth(refresh_interval=None)(SignEveryCase)
    return loaded


@pytest.mark.requirement("US-BC-005", "US-BC-013")
@lazy.parametrize()
def test_generated_signed_requests_get_documented_answers(case, us):
    """"200: All orders successfully submitted for cancellation" (CancelOrderListResponse), validated by schemathesis."""
    exchange = specs.send(us.http, case)
    require("US-BC-013", exchange.status != 401, expected="a schemathesis case signed by the auth hook is authenticated",
            exchange=exchange)
    specs.validate("US-BC-005", case, exchange)


@pytest.mark.requirement("US-BC-018")
def test_error_answers_are_reported(us):
    """400 and 401 declare no content: their content type and body are reported only."""
    signer = UsSigner(us.account())
    for name, batch, auth in (("400", {"orders": []}, signer), ("401", body([entry(fresh_unknown_id(), "m")]), None)):
        exchange = us.batch_cancel(batch, signer=auth, headers=None if auth else {})
        inform("US-BC-018", f"a {name} case answered {exchange.status} with {exchange.response.headers.get('content-type')}"
                            f" {exchange.response.text[:80]!r}")
