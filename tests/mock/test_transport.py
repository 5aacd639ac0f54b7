"""The mock on the wire: its Date follows its clock, its token bucket answers 429 with Retry-After,
the control plane is never limited. (Hangs and resets need a real socket: the fault self-tests.)"""

from __future__ import annotations

import asyncio
import email.utils
import time

import httpx

from conformance.signing import UsCredentials, UsSigner
from conformance_mock.app import create_app
from conformance_mock.transport import Wire

US_PATH = "/v1/orders/batched/cancel"
BATCH = {"orders": [{"orderId": "x", "marketSlug": "m"}]}


def exchanges(wire: Wire, talk) -> object:
    """Run ``talk(client)`` against an in-process mock with ``wire``."""

    async def run():
        transport = httpx.ASGITransport(create_app(wire=wire))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return await talk(client)

    return asyncio.run(run())


def test_the_date_header_follows_the_mocks_clock():
    async def talk(client):
        return await client.post("/_conformance/reset")

    dates = exchanges(Wire(clock_offset=-40), talk).headers.get_list("date")
    assert len(dates) == 1
    assert abs(email.utils.parsedate_to_datetime(dates[0]).timestamp() - (time.time() - 40)) < 2


def test_past_the_bucket_each_api_answers_429_with_retry_after_and_the_control_plane_never():
    async def talk(client):
        statuses = [(await client.post(US_PATH, json=BATCH)).status_code for _ in range(3)]
        limited = await client.post(US_PATH, json=BATCH)
        other_api = (await client.delete("/cancel-all")).status_code
        control = {(await client.post("/_conformance/reset")).status_code for _ in range(5)}
        return statuses, limited, other_api, control

    statuses, limited, other_api, control = exchanges(Wire(rate_limit=0.5, burst=2), talk)
    assert statuses == [401, 401, 429]
    assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 2
    assert other_api == 401  # a bucket of its own
    assert control == {204}


def test_the_us_window_is_on_the_mocks_clock():
    async def talk(client):
        account = (await client.post("/_conformance/accounts", json={"api": "us"})).json()
        statuses = []
        for clock_offset_ms in (0, 40_000):
            signer = UsSigner(UsCredentials(account["keyId"], account["secretKey"], clock_offset_ms))
            headers = signer.headers("POST", US_PATH)
            statuses.append((await client.post(US_PATH, json=BATCH, headers=headers)).status_code)
        return statuses

    assert exchanges(Wire(clock_offset=40), talk) == [401, 200]  # our clock is 40 s behind the mock's
