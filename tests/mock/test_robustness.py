"""Garbage gets a 4xx with a JSON error, never a 500, on every route; a bad batch loses no order."""

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.signing import UsCredentials, UsSigner
from tests.conftest import add_orders, mint, states

ROUTES = [
    ("DELETE", "/cancel-all"),
    ("POST", "/v1/orders/batched/cancel"),
    ("GET", "/v1/orders/open"),
    ("POST", "/_conformance/reset"),
    ("POST", "/_conformance/accounts"),
    ("POST", "/_conformance/orders"),
    ("GET", "/_conformance/orders"),
    ("PUT", "/_conformance/trading-mode"),
    ("GET", "/no/such/route"),
    ("PATCH", "/cancel-all"),
]
content_types = st.sampled_from(["application/json", "text/plain", "application/json; charset=latin-1", "", "x/y"])
bodies = st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode), st.just(b"\xff\xfe"), st.just(b"{}"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), body=bodies, content_type=content_types)
def test_garbage_never_gets_a_500(mock_url, route, body, content_type):
    method, path = route
    if path == "/_conformance/reset":
        return  # resetting would clear the other tests' state
    answer = httpx.request(method, mock_url + path, content=body, headers={"content-type": content_type})
    assert answer.status_code < 500, (route, body, answer.text)
    if answer.status_code >= 400:
        assert isinstance(answer.json()["error"], str)


def test_signed_garbage_is_rejected_with_400_and_cancels_nothing(control, mock_url):
    account = mint(control, "us")
    orders = add_orders(control, "us", account["keyId"], [{}, {}])
    signer = UsSigner(UsCredentials(account["keyId"], account["secretKey"]))
    for body in (b"\xff\xfe", b"{", b'{"orders": [{"orderId": 1}]}', b'"just a string"'):
        answer = httpx.post(f"{mock_url}/v1/orders/batched/cancel", content=body, auth=signer,
                            headers={"content-type": "application/json"})
        assert answer.status_code == 400
    wrong_type = httpx.post(f"{mock_url}/v1/orders/batched/cancel", content=b"{}", auth=signer,
                            headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 400
    assert set(states(control, "us", account["keyId"]).values()) == {"open"}
    assert len(orders) == 2


def test_a_huge_body_gets_413(mock_url):
    answer = httpx.post(f"{mock_url}/v1/orders/batched/cancel", content=b"x" * (2 * 1024 * 1024),
                        headers={"content-type": "application/json"})
    assert answer.status_code in (401, 413)
    assert answer.status_code < 500
