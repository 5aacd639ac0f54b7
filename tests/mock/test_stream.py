"""The mock's order stream: the official client's protocol, robust to garbage, and its busy style."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from conformance.bundled_mock import BundledMock
from conformance.signing import UsCredentials, UsSigner
from conformance.target import US_STREAM_PATH
from tests.conftest import add_orders, mint


def _open(url: str, account: dict):
    headers = UsSigner(UsCredentials(account["keyId"], account["secretKey"])).headers("GET", US_STREAM_PATH)
    return connect(url.replace("http://", "ws://") + US_STREAM_PATH, additional_headers=headers, open_timeout=5)


def _until(ws, test, limit: int = 50) -> list[dict]:
    """Messages up to and including the first that passes ``test``."""
    seen = []
    for _ in range(limit):
        seen.append(json.loads(ws.recv(timeout=5)))
        if test(seen[-1]):
            return seen
    raise AssertionError(f"no such message in {seen}")


def _subscribe(ws, request_id: str, slugs: list[str] | None = None) -> list[dict]:
    ws.send(json.dumps({"subscribe": {"requestId": request_id, "subscriptionType": "SUBSCRIPTION_TYPE_ORDER",
                                      **({"marketSlugs": slugs} if slugs else {})}}))
    return _until(ws, lambda m: m.get("orderSubscriptionSnapshot", {}).get("eof") is True)


def test_an_unsigned_handshake_is_refused_with_401(mock_url):
    with pytest.raises(InvalidStatus) as refused:
        connect(mock_url.replace("http://", "ws://") + US_STREAM_PATH, open_timeout=5)
    assert refused.value.response.status_code == 401


@pytest.mark.parametrize("garbage", [
    "not json", b"\xff\xfe", "[]", '{"subscribe": "x"}', '{"subscribe": {}, "unsubscribe": {}}',
    '{"subscribe": {"requestId": 7, "subscriptionType": "SUBSCRIPTION_TYPE_ORDER"}}',
    '{"subscribe": {"requestId": "r", "subscriptionType": "SUBSCRIPTION_TYPE_POSITION"}}',
    '{"subscribe": {"requestId": "r", "subscriptionType": "SUBSCRIPTION_TYPE_ORDER", "marketSlugs": "m"}}',
    '{"subscribe": {"requestId": "r", "subscriptionType": "SUBSCRIPTION_TYPE_ORDER", "marketSlugs": [1]}}',
    '{"ping": {"requestId": "r"}}',
])
def test_garbage_gets_an_error_and_the_connection_stays_usable(control, mock_url, garbage):
    account = mint(control, "us")
    (order,) = add_orders(control, "us", account["keyId"], [{}])
    with _open(mock_url, account) as ws:
        ws.send(garbage)
        (error,) = _until(ws, lambda m: True)
        assert isinstance(error["error"], str)
        snapshot = _subscribe(ws, "after-garbage")[-1]
    assert [o["id"] for o in snapshot["orderSubscriptionSnapshot"]["orders"]] == [order["id"]]


def test_market_filter_and_unsubscribe(control, mock_url):
    account = mint(control, "us")
    alpha, beta = add_orders(control, "us", account["keyId"], [{"marketSlug": "alpha"}, {"marketSlug": "beta"}])
    with _open(mock_url, account) as ws:
        (snapshot,) = _subscribe(ws, "alpha-only", ["alpha"])
        assert snapshot["requestId"] == "alpha-only"
        assert [o["id"] for o in snapshot["orderSubscriptionSnapshot"]["orders"]] == [alpha["id"]]
        ws.send(json.dumps({"unsubscribe": {"requestId": "alpha-only"}}))
        _subscribe(ws, "everything")
        signer = UsSigner(UsCredentials(account["keyId"], account["secretKey"]))
        batch = {"orders": [{"orderId": o["id"], "marketSlug": o["marketSlug"]} for o in (alpha, beta)]}
        assert control.post("/v1/orders/batched/cancel", json=batch, auth=signer).status_code == 200
        updates = [_until(ws, lambda m: "orderSubscriptionUpdate" in m)[-1] for _ in range(2)]
    assert {u["requestId"] for u in updates} == {"everything"}
    assert {u["orderSubscriptionUpdate"]["execution"]["order"]["id"] for u in updates} == {alpha["id"], beta["id"]}


def test_the_busy_style_splits_snapshots_and_sends_heartbeats():
    with BundledMock(options=["--stream-style", "busy"]) as mock:
        with httpx.Client(base_url=mock.url) as control:
            account = mint(control, "us")
            add_orders(control, "us", account["keyId"], [{}, {}, {}])
            with _open(mock.url, account) as ws:
                messages = _subscribe(ws, "busy")
                messages += _until(ws, lambda m: "heartbeat" in m)
    snapshots = [m["orderSubscriptionSnapshot"] for m in messages if "orderSubscriptionSnapshot" in m]
    assert [len(s["orders"]) for s in snapshots] == [1, 1, 1]
    assert [s["eof"] for s in snapshots] == [False, False, True]
    assert any("heartbeat" in m for m in messages)
