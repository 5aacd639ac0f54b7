"""Known answers for the suite's two signers, checked against the official clients' own signing."""

from unittest import mock

import httpx
from polymarket_us.auth import create_auth_headers
from py_clob_client.signing.hmac import build_hmac_signature

from conformance.signing import ClobCredentials, ClobSigner, UsCredentials, UsSigner, clob_signature, us_signature

CLOB_SECRET = "c2VjcmV0LWtleS1mb3ItdGhlLWtub3duLWFuc3dlci10ZXN0"  # URL-safe base64 of b"secret-key-for-the-known-answer-test"
US_SEED_AND_PUBLIC = (
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA=="
)  # standard base64 of seed bytes 0..31 followed by its public key
TIMESTAMP_S, TIMESTAMP_MS = "1764000000", "1764000000000"

CLOB_KNOWN = "dEygspGcHdGEe-Pa-Q4e71b53reSZSUqIu-GxNSfrFY="
US_KNOWN = "Z6qxNElFe211I4JliRs6/q4fG3iDKnPwQUqxxfYzgQp5Ssun2KWDkSEC0Outq+Gs31atiPFwEb+NIHljKNtyCw=="


def test_clob_signature_known_answer_matches_py_clob_client():
    ours = clob_signature(CLOB_SECRET, TIMESTAMP_S, "DELETE", "/cancel-all")
    assert ours == build_hmac_signature(CLOB_SECRET, TIMESTAMP_S, "DELETE", "/cancel-all")
    assert ours == CLOB_KNOWN


def test_clob_signature_covers_the_body_like_py_clob_client():
    body = '{"orderID":"0xabc"}'
    assert clob_signature(CLOB_SECRET, TIMESTAMP_S, "DELETE", "/order", body) == build_hmac_signature(
        CLOB_SECRET, TIMESTAMP_S, "DELETE", "/order", body
    )


def test_us_signature_known_answer_matches_polymarket_us():
    ours = us_signature(US_SEED_AND_PUBLIC, TIMESTAMP_MS, "POST", "/v1/orders/batched/cancel")
    with mock.patch("polymarket_us.auth.time.time", return_value=int(TIMESTAMP_MS) / 1000):
        official = create_auth_headers("key", US_SEED_AND_PUBLIC, "POST", "/v1/orders/batched/cancel")
    assert official["X-PM-Timestamp"] == TIMESTAMP_MS
    assert ours == official["X-PM-Signature"] == US_KNOWN


def test_signers_as_httpx_auth_sign_the_request_they_send():
    seen = {}

    def record(request):
        seen.update(request.headers)
        return httpx.Response(200)

    client = httpx.Client(transport=httpx.MockTransport(record), base_url="http://target")
    clob = ClobSigner(ClobCredentials("key", CLOB_SECRET, "pass", "0x" + "ab" * 20))
    client.delete("/cancel-all", auth=clob)
    assert seen["poly_signature"] == clob_signature(CLOB_SECRET, seen["poly_timestamp"], "DELETE", "/cancel-all")
    us = UsSigner(UsCredentials("key-id", US_SEED_AND_PUBLIC))
    client.post("/v1/orders/batched/cancel?ignored=1", json={"orders": []}, auth=us)
    assert seen["x-pm-signature"] == us_signature(US_SEED_AND_PUBLIC, seen["x-pm-timestamp"], "POST", "/v1/orders/batched/cancel")


def test_credentials_never_show_in_repr():
    assert "pass" not in repr(ClobCredentials("key", CLOB_SECRET, "pass", "0x"))
    assert US_SEED_AND_PUBLIC not in repr(UsCredentials("key-id", US_SEED_AND_PUBLIC))
