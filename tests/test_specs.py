"""The three specs are valid OpenAPI documents, and the suite reads its limits from them."""

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from conformance.catalogue import specs_dir
from strategies.spec import batch_limits, clob_security_headers, entry_fields, us_security_headers


@pytest.mark.parametrize("name", ["clob-cancel-all", "us-orders-batched-cancel", "control-plane"])
def test_spec_is_valid_openapi(name):
    document, _ = read_from_filename(str(specs_dir() / f"{name}.yaml"))
    validate(document)


def test_strategies_read_the_documented_limits_and_headers():
    assert batch_limits() == (1, 20)
    assert entry_fields() == {"orderId": "string", "marketSlug": "string"}
    assert set(clob_security_headers()) == {"POLY_API_KEY", "POLY_ADDRESS", "POLY_SIGNATURE", "POLY_PASSPHRASE", "POLY_TIMESTAMP"}
    assert us_security_headers() == ("X-PM-Access-Key", "X-PM-Timestamp", "X-PM-Signature")
