"""The suite's client on the wire: the target's clock, its Retry-After, its rate limit."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from conformance.bundled_mock import BundledMock
from conformance.clock import estimate_offset
from conformance.exchange import ApiClient, Exchange, StillRateLimited, retry_after
from conformance.signing import UsCredentials, UsSigner

US_PATH = "/v1/orders/batched/cancel"
BATCH = {"orders": [{"orderId": "x", "marketSlug": "m"}]}


def answered(date: float | None, sent_at: float, answered_at: float) -> Exchange:
    headers = {"date": email.utils.formatdate(date, usegmt=True)} if date is not None else {}
    request = httpx.Request("POST", "http://target/v1/orders/batched/cancel")
    return Exchange(request, httpx.Response(401, headers=headers, request=request), sent_at, answered_at)


def test_the_offset_of_a_server_4_seconds_ahead_is_found_within_its_uncertainty():
    now = 1_700_000_000.3
    clock = estimate_offset([answered(now + 4 + i * 0.1, now + i * 0.1, now + i * 0.1 + 0.02) for i in range(3)])
    assert clock.known and abs(clock.offset_s - 4) <= clock.uncertainty_s <= 1.1


def test_answers_without_date_or_that_disagree_leave_the_clock_unknown():
    now = 1_700_000_000.0
    assert "no Date header" in estimate_offset([answered(None, now, now)]).unknown
    disagree = [answered(now + 10, now, now + 0.01), answered(now - 10, now + 1, now + 1.01)]
    assert "disagree" in estimate_offset(disagree).unknown
    assert "too slow" in estimate_offset([answered(now, now, now + 9)]).unknown


def test_retry_after_in_seconds_or_as_a_date_on_the_server_clock():
    assert retry_after(httpx.Response(429, headers={"retry-after": "3"})) == 3
    server_now = 1_700_000_000
    dated = {"retry-after": email.utils.formatdate(server_now + 7, usegmt=True),
             "date": email.utils.formatdate(server_now, usegmt=True)}
    assert retry_after(httpx.Response(429, headers=dated)) == 7
    assert retry_after(httpx.Response(429)) is None
    assert retry_after(httpx.Response(429, headers={"retry-after": "soon"})) is None


def test_a_rate_limit_is_waited_out_unless_the_check_fixed_the_timestamp():
    with BundledMock(options=["--rate-limit", "0.5", "--burst", "1"]) as mock:
        minted = httpx.post(f"{mock.url}/_conformance/accounts", json={"api": "us"}).json()
        signer = UsSigner(UsCredentials(minted["keyId"], minted["secretKey"]))
        client = ApiClient(mock.url)
        assert client.send("POST", US_PATH, json=BATCH, auth=signer).status == 200
        resent = client.send("POST", US_PATH, json=BATCH, auth=signer)  # signed afresh when resent
        assert resent.status == 200 and resent.rate_limited == 1
        with pytest.raises(StillRateLimited, match="fixed timestamp"):
            client.send("POST", US_PATH, json=BATCH, headers=signer.headers("POST", US_PATH))
        client.close()
    assert (client.traffic.requests, client.traffic.rate_limited, client.traffic.retries) == (4, 2, 1)
