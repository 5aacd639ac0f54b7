"""Shared fixtures of the project's own tests: a running mock and its control plane, or a live-mode mock."""

from __future__ import annotations

import base64
import json
import os
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from nacl.signing import SigningKey

from conformance.bundled_mock import BundledMock


# The conformance suite as a user runs it, in a subprocess. Its checks speak through
# ``require``, never ``assert``: plain asserts spare rewriting every plugin's modules.
SUITE = [sys.executable, "-m", "pytest", "conformance", "-q", "--assert=plain", "--hypothesis-profile", "quick"]


@pytest.fixture(scope="session")
def mock_url():
    """A correct ``conformance-mock`` process on a free loopback port."""
    with BundledMock() as mock:
        yield mock.url


@pytest.fixture
def control(mock_url):
    """An httpx client on the mock's base URL, for the control plane and raw requests."""
    with httpx.Client(base_url=mock_url, timeout=10) as client:
        yield client


def mint(control: httpx.Client, api: str, **extra) -> dict:
    answer = control.post("/_conformance/accounts", json={"api": api, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()


def add_orders(control: httpx.Client, api: str, account: str, entries: list[dict]) -> list[dict]:
    answer = control.post("/_conformance/orders", json={"api": api, "account": account, "orders": entries})
    assert answer.status_code == 201, answer.text
    return answer.json()["orders"]


def states(control: httpx.Client, api: str, account: str) -> dict[str, str]:
    answer = control.get("/_conformance/orders", params={"api": api, "account": account})
    return {order["id"]: order["state"] for order in answer.json()["orders"]}


# --- live mode: a mock without control plane, started with accounts from a file -----------

MARKETS = ("live-alpha", "live-beta", "live-gamma")


def orders_in_markets(count: int, prefix: str, markets=MARKETS) -> list[dict]:
    """``count`` resting orders spread over ``markets``; their ids, prefixed, are listed in descending order,
    so that a server that sorts what it echoes is seen to."""
    return [{"id": f"{prefix}{count - i:04d}", "marketSlug": markets[i % len(markets)]} for i in range(count)]


def live_accounts(us_orders: int = 30) -> dict[str, list[dict]]:
    """Two accounts per API with resting orders, as a user would have on staging: CLOB, 6 orders in three
    markets and one that is being matched (its second account: 2, and 1 being matched); US, ``us_orders``
    in three markets (its second account: 5)."""
    matched = {"marketSlug": "live-beta", "uncancelableReason": "Order already matched"}
    return {
        "clob": [new_account("clob", [*orders_in_markets(6, "0xa1"), {**matched, "id": "0xa1-matched"}]),
                 new_account("clob", [*orders_in_markets(2, "0xb2"), {**matched, "id": "0xb2-matched"}])],
        "us": [new_account("us", orders_in_markets(us_orders, "us-a-")),
               new_account("us", orders_in_markets(5, "us-b-"))],
    }


def new_account(api: str, orders: list[dict], address: str | None = None) -> dict:
    """An account with credentials of the test's own making, and its open orders, as ``--accounts`` reads it."""
    if api == "clob":
        return {"apiKey": str(uuid.uuid4()), "secret": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                "passphrase": os.urandom(8).hex(), "address": address or "0x" + os.urandom(20).hex(), "orders": orders}
    key = SigningKey.generate()
    return {"keyId": str(uuid.uuid4()), "secretKey": base64.b64encode(bytes(key) + bytes(key.verify_key)).decode(),
            "orders": orders}


def accounts_env(accounts: dict[str, list[dict]]) -> dict[str, str]:
    """What a user exports for these accounts: the first of each API, and the second with the ``_2`` suffix."""
    env = {}
    for suffix, index in (("", 0), ("_2", 1)):
        if len(accounts.get("clob", [])) > index:
            clob = accounts["clob"][index]
            env |= {"POLY_API_KEY" + suffix: clob["apiKey"], "POLY_SECRET" + suffix: clob["secret"],
                    "POLY_PASSPHRASE" + suffix: clob["passphrase"], "POLY_ADDRESS" + suffix: clob["address"]}
        if len(accounts.get("us", [])) > index:
            us = accounts["us"][index]
            env |= {"POLYMARKET_KEY_ID" + suffix: us["keyId"], "POLYMARKET_SECRET_KEY" + suffix: us["secretKey"]}
    return env


def live_mock(directory: Path, accounts: dict[str, list[dict]], faults=(), options=()) -> BundledMock:
    """A mock that looks like a live server and holds ``accounts`` (not started)."""
    path = directory / "accounts.json"
    path.write_text(json.dumps(accounts))
    return BundledMock(faults, ["--no-control-plane", "--accounts", str(path), *options])
