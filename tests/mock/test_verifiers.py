"""Known answers for the mock's verifiers: what the official clients sign is accepted, anything else is not."""

import base64
from unittest import mock

from nacl.signing import SigningKey
from polymarket_us.auth import create_auth_headers
from py_clob_client.signing.hmac import build_hmac_signature

from conformance_mock.auth import clob_signature_matches, expected_clob_signature, us_signature_valid

SECRET = base64.urlsafe_b64encode(b"secret-key-for-the-known-answer-test").decode()
SEED = bytes(range(32))
PUBLIC = bytes(SigningKey(SEED).verify_key)
SECRET_KEY = base64.b64encode(SEED + PUBLIC).decode()


def test_clob_verifier_matches_py_clob_client_and_a_pinned_answer():
    expected = expected_clob_signature(SECRET, "1764000000", "DELETE", "/cancel-all")
    assert expected == "dEygspGcHdGEe-Pa-Q4e71b53reSZSUqIu-GxNSfrFY="
    assert clob_signature_matches(build_hmac_signature(SECRET, "1764000000", "DELETE", "/cancel-all"), expected)
    assert not clob_signature_matches(build_hmac_signature(SECRET, "1764000001", "DELETE", "/cancel-all"), expected)


def test_us_verifier_accepts_polymarket_us_signatures_only_for_their_message():
    with mock.patch("polymarket_us.auth.time.time", return_value=1764000000.0):
        headers = create_auth_headers("key", SECRET_KEY, "POST", "/v1/orders/batched/cancel")
    assert headers["X-PM-Signature"] == (
        "Z6qxNElFe211I4JliRs6/q4fG3iDKnPwQUqxxfYzgQp5Ssun2KWDkSEC0Outq+Gs31atiPFwEb+NIHljKNtyCw=="
    )
    assert us_signature_valid(PUBLIC, headers["X-PM-Signature"], "1764000000000POST/v1/orders/batched/cancel")
    assert not us_signature_valid(PUBLIC, headers["X-PM-Signature"], "1764000000000GET/v1/orders/batched/cancel")
    assert not us_signature_valid(PUBLIC, "not base64!", "1764000000000POST/v1/orders/batched/cancel")
