"""One place that picks the target servers and the identities the suite uses.

A target is one API at one base URL. Where ``POST /_conformance/reset`` answers
204 the target has the control plane (shared/design/control-plane.md) and every
account and order is arranged there; elsewhere the account comes from the
environment and checks that need arranged state are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest

from conformance.exchange import ApiClient, Exchange
from conformance.signing import ClobCredentials, ClobSigner, UsCredentials, UsSigner

CLOB_PATH = "/cancel-all"
US_PATH = "/v1/orders/batched/cancel"
US_OPEN_ORDERS_PATH = "/v1/orders/open"
US_STREAM_PATH = "/v1/ws/private"

ENV = {
    "clob": ("POLY_API_KEY", "POLY_SECRET", "POLY_PASSPHRASE", "POLY_ADDRESS"),
    "us": ("POLYMARKET_KEY_ID", "POLYMARKET_SECRET_KEY"),
}
NEEDS_CONTROL_PLANE = "needs arranged state: point the suite at a target that serves the conformance control plane"
LIVE_CANCEL_OPT_IN = "--allow-live-cancel"


class TargetError(Exception):
    """A target or its configuration is unusable; the message says what to do."""


def check_url(option: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(f"{option} {url!r} is not an http(s) URL; give one like http://127.0.0.1:8000")
    return url.rstrip("/")


class ControlPlane:
    """The conformance control plane of one target."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    @classmethod
    def discover(cls, base_url: str) -> ControlPlane | None:
        http = httpx.Client(base_url=base_url, timeout=10.0)
        try:
            answer = http.post("/_conformance/reset")
        except httpx.HTTPError as error:
            http.close()
            raise TargetError(f"cannot reach {base_url} ({type(error).__name__}: {error}); is the server running?") from None
        if answer.status_code in (404, 405):
            http.close()
            return None
        if answer.status_code != 204:
            http.close()
            raise TargetError(
                f"{base_url}: POST /_conformance/reset answered {answer.status_code}; "
                "the control plane must answer 204, or 404/405 where there is none"
            )
        return cls(http)

    def _call(self, method: str, path: str, expected: int, **kwargs: object) -> httpx.Response:
        answer = self._http.request(method, path, **kwargs)
        if answer.status_code != expected:
            # The request may carry an account id: name the route, never the body.
            raise TargetError(
                f"control plane: {method} {path} answered {answer.status_code} instead of {expected}: {answer.text[:200]}"
            )
        return answer

    def clob_account(self) -> ClobCredentials:
        data = self._call("POST", "/_conformance/accounts", 201, json={"api": "clob"}).json()
        return ClobCredentials(data["apiKey"], data["secret"], data["passphrase"], data["address"])

    def us_account(self) -> UsCredentials:
        data = self._call("POST", "/_conformance/accounts", 201, json={"api": "us"}).json()
        return UsCredentials(data["keyId"], data["secretKey"])

    def add_orders(self, api: str, account: str, entries: list[dict[str, str]]) -> list[dict[str, str]]:
        body = {"api": api, "account": account, "orders": entries}
        return self._call("POST", "/_conformance/orders", 201, json=body).json()["orders"]

    def order_states(self, api: str, account: str) -> dict[str, str]:
        params = {"api": api, "account": account}
        orders = self._call("GET", "/_conformance/orders", 200, params=params).json()["orders"]
        return {order["id"]: order["state"] for order in orders}

    def set_trading_mode(self, api: str, mode: str) -> None:
        self._call("PUT", "/_conformance/trading-mode", 204, json={"api": api, "mode": mode})

    def close(self) -> None:
        self._http.close()


@dataclass
class Target:
    """One API under test: its client, its control plane (if any) and where accounts come from."""

    api: str
    url: str
    http: ApiClient
    control: ControlPlane | None
    allow_live_cancel: bool = False
    used_live_orders: set[str] = field(default_factory=set, repr=False)

    @property
    def sandbox(self) -> bool:
        return self.control is not None

    def arranged(self) -> ControlPlane:
        """The control plane, or skip: the check needs state the suite arranges."""
        if self.control is None:
            pytest.skip(NEEDS_CONTROL_PLANE)
        return self.control

    @contextmanager
    def trading_mode(self, mode: str) -> Iterator[None]:
        """Switch this API's trading mode for the block, then back to normal."""
        control = self.arranged()
        control.set_trading_mode(self.api, mode)
        try:
            yield
        finally:
            control.set_trading_mode(self.api, "normal")

    def allow_cancels(self) -> None:
        """Skip unless cancels may reach real orders: a sandbox, or the user's explicit opt-in."""
        if self.control is None and not self.allow_live_cancel:
            pytest.skip(f"would cancel the account's real orders; pass {LIVE_CANCEL_OPT_IN} to run it")

    def _env_credentials(self) -> dict[str, str]:
        values = {name: os.environ.get(name, "") for name in ENV[self.api]}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise TargetError(
                f"{self.url} has no control plane and {', '.join(missing)} is not set: "
                f"export {', '.join(ENV[self.api])} for the account to test with"
            )
        return values

    def check_credentials(self) -> None:
        if self.control is None:
            self._env_credentials()

    def second_account_available(self) -> None:
        """Skip unless a second, independent account can be had (only the control plane mints one)."""
        if self.control is None:
            pytest.skip("needs a second account: only a target with the control plane can mint one")

    def close(self) -> None:
        self.http.close()
        if self.control:
            self.control.close()


class ClobTarget(Target):
    def account(self) -> ClobCredentials:
        """A fresh account (control plane), or the one from the environment."""
        if self.control is not None:
            return self.control.clob_account()
        env = self._env_credentials()
        return ClobCredentials(env["POLY_API_KEY"], env["POLY_SECRET"], env["POLY_PASSPHRASE"], env["POLY_ADDRESS"])

    def other_account(self) -> ClobCredentials:
        """A second, independent account."""
        self.second_account_available()
        return self.account()

    def cancel_all(self, signer: ClobSigner | None = None, headers: dict[str, str] | None = None,
                   content: bytes | None = None, method: str = "DELETE") -> Exchange:
        """``DELETE /cancel-all``, signed by ``signer`` or with exactly ``headers``; with a JSON body ``content``, or
        another ``method``, to see that they change nothing."""
        self.allow_cancels()
        if content is not None:
            headers = {"Content-Type": "application/json", **(headers or {})}
        return self.http.send(method, CLOB_PATH, auth=signer, headers=headers, content=content)

    def add_orders(self, creds: ClobCredentials, entries: list[dict[str, str]]) -> list[str]:
        return [order["id"] for order in self.arranged().add_orders("clob", creds.api_key, entries)]

    def states(self, creds: ClobCredentials) -> dict[str, str]:
        return self.arranged().order_states("clob", creds.api_key)


class UsTarget(Target):
    def account(self) -> UsCredentials:
        if self.control is not None:
            return self.control.us_account()
        env = self._env_credentials()
        return UsCredentials(env["POLYMARKET_KEY_ID"], env["POLYMARKET_SECRET_KEY"])

    def other_account(self) -> UsCredentials:
        self.second_account_available()
        return self.account()

    def batch_cancel(
        self,
        body: object = None,
        *,
        signer: UsSigner | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> Exchange:
        """``POST /v1/orders/batched/cancel`` with a JSON ``body`` (or raw ``content``)."""
        if content is None:
            return self.http.send("POST", US_PATH, json=body, auth=signer, headers=headers)
        merged = {"Content-Type": "application/json", **(headers or {})}
        return self.http.send("POST", US_PATH, content=content, auth=signer, headers=merged)

    def add_orders(self, creds: UsCredentials, entries: list[dict[str, str]]) -> list[dict[str, str]]:
        """Open orders to cancel: arranged by the control plane, or (live, opted in) the account's own.

        On a live target the account's open orders stand in for the layout (their markets are
        whatever they are), each used once; a check skips when too few are left.
        """
        if self.control is not None:
            return self.control.add_orders("us", creds.key_id, entries)
        self.allow_cancels()
        unused = [o for o in self.open_orders(creds) if o["id"] not in self.used_live_orders]
        if len(unused) < len(entries):
            pytest.skip(f"needs {len(entries)} open orders on the account, {len(unused)} left: place more, or use a sandbox")
        taken = [{"id": o["id"], "marketSlug": o.get("marketSlug", "")} for o in unused[: len(entries)]]
        self.used_live_orders.update(o["id"] for o in taken)
        return taken

    def open_orders(self, creds: UsCredentials) -> list[dict]:
        """``GET /v1/orders/open``: the account's open orders, as the official client reads them."""
        answer = self.http.send("GET", US_OPEN_ORDERS_PATH, auth=UsSigner(creds))
        if answer.status != 200:
            raise TargetError(f"GET {US_OPEN_ORDERS_PATH} answered {answer.status}: {answer.response.text[:200]}")
        return answer.json().get("orders", [])

    def states(self, creds: UsCredentials, ids: list[str]) -> dict[str, str]:
        """Whether each order is "open" or "canceled": control plane truth, else ``GET /v1/orders/open``."""
        if self.control is not None:
            truth = self.control.order_states("us", creds.key_id)
            return {order_id: truth.get(order_id, "unknown") for order_id in ids}
        still_open = {o["id"] for o in self.open_orders(creds)}
        return {order_id: "open" if order_id in still_open else "canceled" for order_id in ids}

    @property
    def stream_url(self) -> str:
        return self.url.replace("https://", "wss://").replace("http://", "ws://") + US_STREAM_PATH
