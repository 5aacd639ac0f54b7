"""One place that picks the target servers and the identities the suite uses.

A target is one API at one base URL. Where ``POST /_conformance/reset`` answers
204 the target has the control plane (shared/design/control-plane.md) and every
account and order is arranged there; elsewhere the account (and, optionally, a
second one) comes from the environment, its own open orders stand in for arranged
ones (``conformance/live.py``), and checks that need other arranged state are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import httpx
import pytest

from conformance import live
from conformance.clock import ServerClock, estimate_offset
from conformance.exchange import ApiClient, Exchange, TransportFailure, what_happened
from conformance.signing import ClobCredentials, ClobSigner, UsCredentials, UsSigner

CLOB_PATH = "/cancel-all"
US_PATH = "/v1/orders/batched/cancel"
US_STREAM_PATH = "/v1/ws/private"

ENV = {
    "clob": ("POLY_API_KEY", "POLY_SECRET", "POLY_PASSPHRASE", "POLY_ADDRESS"),
    "us": ("POLYMARKET_KEY_ID", "POLYMARKET_SECRET_KEY"),
}
SECOND = "_2"
"""The second account's variables: the same names with this suffix (``POLY_API_KEY_2``…)."""
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
    def attach(cls, base_url: str, timeout: float = 10.0) -> ControlPlane:
        """The control plane of a target already discovered (and reset)."""
        return cls(httpx.Client(base_url=base_url, timeout=timeout))

    @classmethod
    def discover(cls, base_url: str, timeout: float = 10.0) -> ControlPlane | None:
        """The target's control plane, reset; or None where ``POST /_conformance/reset`` answers 404/405."""
        http = httpx.Client(base_url=base_url, timeout=timeout)
        try:
            answer = http.post("/_conformance/reset")
        except httpx.TransportError as error:
            http.close()
            raise TargetError(f"cannot reach {base_url} ({what_happened(error, timeout)}); is the server running?") from None
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
        try:
            answer = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            timeout = self._http.timeout.read or 0.0
            raise TargetError(f"control plane: {method} {path}: {what_happened(error, timeout)}") from None
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

    def _orders(self, api: str, account: str) -> list[dict[str, str]]:
        params = {"api": api, "account": account}
        return self._call("GET", "/_conformance/orders", 200, params=params).json()["orders"]

    def order_states(self, api: str, account: str) -> dict[str, str]:
        return {order["id"]: order["state"] for order in self._orders(api, account)}

    def open_orders(self, api: str, account: str) -> dict[str, str]:
        """The account's open orders, id → market slug."""
        return {order["id"]: order["marketSlug"] for order in self._orders(api, account) if order["state"] == "open"}

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
    pools: dict[str, live.AccountOrders] = field(default_factory=dict, repr=False)
    """On a live target: each account's open orders, by account id (set up by ``live.LiveRun``)."""
    mode: str = "normal"  # the trading mode the suite has set (control plane)

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
        self.mode = mode
        try:
            yield
        finally:
            self.mode = "normal"
            control.set_trading_mode(self.api, "normal")

    def allow_cancels(self) -> None:
        """Skip unless cancels may reach real orders: a sandbox, or the user's explicit opt-in."""
        if self.control is None and not self.allow_live_cancel:
            pytest.skip(f"would cancel the account's real orders; pass {LIVE_CANCEL_OPT_IN} to run it")

    def _env_credentials(self, suffix: str = "") -> dict[str, str] | None:
        """The account's variables (without suffix: required; with ``SECOND``: all or none), by their plain names."""
        names = ENV[self.api]
        values = {name: os.environ.get(name + suffix, "") for name in names}
        missing = [name + suffix for name, value in values.items() if not value]
        if suffix and len(missing) == len(names):
            return None
        if missing:
            whose = "the second account" if suffix else "the account to test with"
            raise TargetError(
                f"{self.url} has no control plane and {', '.join(missing)} is not set: "
                f"export {', '.join(name + suffix for name in names)} for {whose}"
            )
        return values

    def check_credentials(self) -> None:
        if self.control is None:
            self._env_credentials()
            self._env_credentials(SECOND)

    @property
    def second_account_hint(self) -> str:
        return f"export {', '.join(name + SECOND for name in ENV[self.api])} for a second account"

    @property
    def has_second_account(self) -> bool:
        """Whether a second, independent account can be had: minted, or given in the environment."""
        return self.control is not None or self._env_credentials(SECOND) is not None

    def second_account_available(self) -> None:
        """Skip unless a second account can be had."""
        if not self.has_second_account:
            pytest.skip(f"needs a second account: {self.second_account_hint} (or use a target with the control plane)")

    def live_identities(self) -> list[tuple[str, ClobCredentials | UsCredentials]]:
        """On a live target, the accounts from the environment: the account, and the second one if given."""
        second = [("second account", self.other_account())] if self.has_second_account else []
        return [("account", self.account()), *second]

    def close(self) -> None:
        self.http.close()
        if self.control:
            self.control.close()


class ClobTarget(Target):
    def account(self) -> ClobCredentials:
        """A fresh account (control plane), or the one from the environment."""
        if self.control is not None:
            return self.control.clob_account()
        return self._from_env()

    def other_account(self) -> ClobCredentials:
        """A second, independent account: another fresh one, or the environment's second."""
        self.second_account_available()
        return self.account() if self.control is not None else self._from_env(SECOND)

    def _from_env(self, suffix: str = "") -> ClobCredentials:
        env = self._env_credentials(suffix)
        return ClobCredentials(env["POLY_API_KEY"], env["POLY_SECRET"], env["POLY_PASSPHRASE"], env["POLY_ADDRESS"])

    @staticmethod
    def account_id(creds: ClobCredentials) -> str:
        return creds.api_key

    def cancel_all(self, signer: ClobSigner | None = None, headers: dict[str, str] | None = None,
                   content: bytes | None = None, method: str = "DELETE") -> Exchange:
        """``DELETE /cancel-all``, signed by ``signer`` or with exactly ``headers``; with a JSON body ``content``, or
        another ``method``, to see that they change nothing.

        A 503 is a rate limit to wait out only while trading is normal: otherwise it is the answer judged.
        """
        self.allow_cancels()
        if content is not None:
            headers = {"Content-Type": "application/json", **(headers or {})}
        return self.http.send(method, CLOB_PATH, auth=signer, headers=headers, content=content,
                              retry_unavailable=self.mode == "normal")

    def add_orders(self, creds: ClobCredentials, entries: list[dict[str, str]]) -> list[str]:
        return [order["id"] for order in self.arranged().add_orders("clob", creds.api_key, entries)]

    def states(self, creds: ClobCredentials) -> dict[str, str]:
        return self.arranged().order_states("clob", creds.api_key)

    def open_orders(self, creds: ClobCredentials) -> dict[str, str]:
        """The account's open orders, id → market: control plane truth, else ``GET /data/orders``."""
        if self.control is not None:
            return self.control.open_orders("clob", creds.api_key)
        return live.clob_open_orders(self.http, creds)


CLOCK_PROBES = 3
CLOCK_PROBE_BODY = {"orders": [{"orderId": "conformance-clock-probe", "marketSlug": "conformance-clock-probe"}]}


@dataclass
class UsTarget(Target):
    clock: ServerClock = field(default_factory=lambda: ServerClock(unknown="not read yet"))

    def read_clock(self) -> ServerClock:
        """Estimate the server's clock from the Date of a few unsigned requests (answered 401; they touch nothing)."""
        try:
            probes = [self.batch_cancel(CLOCK_PROBE_BODY, headers={}) for _ in range(CLOCK_PROBES)]
        except TransportFailure as failure:
            self.clock = ServerClock(unknown=f"no answer to read a Date from: {failure.what}")
        else:
            self.clock = estimate_offset(probes)
        return self.clock

    def account(self) -> UsCredentials:
        """A fresh account (control plane), or the one from the environment; it signs in the server's time."""
        if self.control is not None:
            return replace(self.control.us_account(), clock_offset_ms=self.clock.offset_ms)
        return self._from_env()

    def other_account(self) -> UsCredentials:
        self.second_account_available()
        return self.account() if self.control is not None else self._from_env(SECOND)

    def _from_env(self, suffix: str = "") -> UsCredentials:
        env = self._env_credentials(suffix)
        return UsCredentials(env["POLYMARKET_KEY_ID"], env["POLYMARKET_SECRET_KEY"], self.clock.offset_ms)

    @staticmethod
    def account_id(creds: UsCredentials) -> str:
        return creds.key_id

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

        On a live target the account's open orders stand in for the layout, as many as the
        running check declared (``@pytest.mark.orders``) and the live plan gave it.
        """
        if self.control is not None:
            return self.control.add_orders("us", creds.key_id, entries)
        self.allow_cancels()
        return self.pools[creds.key_id].take(entries)

    def open_orders(self, creds: UsCredentials) -> dict[str, str]:
        """The account's open orders, id → market slug: control plane truth, else ``GET /v1/orders/open``."""
        if self.control is not None:
            return self.control.open_orders("us", creds.key_id)
        return live.us_open_orders(self.http, creds)

    def states(self, creds: UsCredentials, ids: list[str]) -> dict[str, str]:
        """Whether each order is "open" or "canceled": control plane truth, else ``GET /v1/orders/open``."""
        if self.control is not None:
            truth = self.control.order_states("us", creds.key_id)
            return {order_id: truth.get(order_id, "unknown") for order_id in ids}
        still_open = self.open_orders(creds)
        return {order_id: "open" if order_id in still_open else "canceled" for order_id in ids}

    @property
    def stream_url(self) -> str:
        return self.url.replace("https://", "wss://").replace("http://", "ws://") + US_STREAM_PATH
