"""Shared fixtures of the project's own tests: a running mock and its control plane."""

from __future__ import annotations

import sys

import httpx
import pytest

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
