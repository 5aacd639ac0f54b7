"""Many concurrent cancels over the same orders cancel each order exactly once and lose none."""

import asyncio
import json

import httpx
from websockets.asyncio.client import connect

from conformance.signing import ClobCredentials, ClobSigner, UsCredentials, UsSigner
from tests.conftest import add_orders, mint, states

CALLS = 24


def test_concurrent_batches_cancel_each_order_once(control, mock_url):
    account = mint(control, "us")
    orders = add_orders(control, "us", account["keyId"], [{} for _ in range(20)])
    signer = UsSigner(UsCredentials(account["keyId"], account["secretKey"]))
    batch = {"orders": [{"orderId": o["id"], "marketSlug": o["marketSlug"]} for o in orders]}
    ws_url = mock_url.replace("http://", "ws://") + "/v1/ws/private"

    async def run():
        headers = signer.headers("GET", "/v1/ws/private")
        async with connect(ws_url, additional_headers=headers) as stream:
            await stream.send(json.dumps({"subscribe": {"requestId": "r", "subscriptionType": "SUBSCRIPTION_TYPE_ORDER"}}))
            snapshot = json.loads(await stream.recv())
            assert len(snapshot["orderSubscriptionSnapshot"]["orders"]) == 20
            async with httpx.AsyncClient(base_url=mock_url) as client:
                answers = await asyncio.gather(
                    *(client.post("/v1/orders/batched/cancel", json=batch, auth=signer) for _ in range(CALLS))
                )
            updates = []
            try:
                while True:
                    updates.append(json.loads(await asyncio.wait_for(stream.recv(), timeout=1.0)))
            except TimeoutError:
                pass
        return answers, updates

    answers, updates = asyncio.run(run())
    assert {a.status_code for a in answers} == {200}
    canceled = [u["orderSubscriptionUpdate"]["execution"]["order"]["id"] for u in updates]
    assert sorted(canceled) == sorted(o["id"] for o in orders)  # each exactly once
    assert set(states(control, "us", account["keyId"]).values()) == {"canceled"}


def test_concurrent_cancel_alls_list_each_order_once(control, mock_url):
    account = mint(control, "clob")
    orders = add_orders(control, "clob", account["apiKey"], [{} for _ in range(30)])
    signer = ClobSigner(ClobCredentials(account["apiKey"], account["secret"], account["passphrase"], account["address"]))

    async def run():
        async with httpx.AsyncClient(base_url=mock_url) as client:
            return await asyncio.gather(*(client.delete("/cancel-all", auth=signer) for _ in range(CALLS)))

    answers = asyncio.run(run())
    listed = [order_id for answer in answers for order_id in answer.json()["canceled"]]
    assert sorted(listed) == sorted(o["id"] for o in orders)
    assert set(states(control, "clob", account["apiKey"]).values()) == {"canceled"}
