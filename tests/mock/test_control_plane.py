"""The mock's control plane answers exactly as shared/design/control-plane.md writes it."""

import base64
import re

import pytest
from nacl.signing import SigningKey

from tests.conftest import add_orders, mint, states


def test_accounts_have_the_documented_shapes(control):
    clob = mint(control, "clob")
    assert set(clob) == {"api", "apiKey", "secret", "passphrase", "address"}
    assert len(base64.urlsafe_b64decode(clob["secret"])) >= 32
    assert re.fullmatch(r"0x[0-9a-f]{40}", clob["address"])
    us = mint(control, "us")
    raw = base64.b64decode(us["secretKey"])
    assert len(raw) == 64 and bytes(SigningKey(raw[:32]).verify_key) == raw[32:]


def test_a_clob_account_can_be_minted_for_an_address(control):
    address = "0x" + "AB" * 20
    assert mint(control, "clob", address=address)["address"] == address


def test_orders_are_created_open_in_order_with_unique_ids(control):
    account = mint(control, "us")["keyId"]
    created = add_orders(control, "us", account, [{"marketSlug": "m1"}, {}, {"uncancelableReason": "busy"}])
    assert [o["marketSlug"] for o in created][0] == "m1" and len({o["id"] for o in created}) == 3
    assert states(control, "us", account) == {o["id"]: "open" for o in created}


def test_reset_clears_accounts(control):
    account = mint(control, "clob")["apiKey"]
    assert control.post("/_conformance/reset").status_code == 204
    assert control.get("/_conformance/orders", params={"api": "clob", "account": account}).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/_conformance/accounts", {"api": "nope"}, 400),
        ("POST", "/_conformance/accounts", {"api": "clob", "address": "0x12"}, 400),
        ("POST", "/_conformance/orders", {"api": "us", "account": "missing", "orders": []}, 404),
        ("POST", "/_conformance/orders", {"api": "us", "account": "x", "orders": "no"}, 400),
        ("POST", "/_conformance/orders", {"api": "us", "account": "x", "orders": [{"marketSlug": 3}]}, 400),
        ("PUT", "/_conformance/trading-mode", {"api": "clob", "mode": "paused"}, 400),
        ("PUT", "/_conformance/trading-mode", [], 400),
    ],
)
def test_malformed_requests_get_400_and_unknown_accounts_404(control, method, path, body, status):
    answer = control.request(method, path, json=body)
    assert answer.status_code == status
    assert isinstance(answer.json()["error"], str)


def test_listing_orders_of_an_unknown_account_is_404(control):
    answer = control.get("/_conformance/orders", params={"api": "clob", "account": "nobody"})
    assert answer.status_code == 404 and "error" in answer.json()
