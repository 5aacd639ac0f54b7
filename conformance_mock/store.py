"""Accounts, orders and trading modes: the mock's whole state, behind one lock.

Every cancel is one call under the lock, so concurrent cancels cancel each
order exactly once and lose none.
"""

from __future__ import annotations

import base64
import datetime
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from nacl.signing import SigningKey

OPEN, CANCELED = "open", "canceled"
MODES = ("normal", "cancel-only", "disabled")
DEFAULT_MARKET = "mock-market-1"


@dataclass
class Order:
    id: str
    api: str
    account: str
    market_slug: str
    uncancelable_reason: str | None = None
    state: str = OPEN
    created: str = field(default_factory=lambda: datetime.datetime.now(datetime.UTC).isoformat())

    @property
    def cancelable(self) -> bool:
        return self.state == OPEN and self.uncancelable_reason is None


@dataclass
class ClobAccount:
    api_key: str
    secret: str
    passphrase: str
    address: str


@dataclass
class UsAccount:
    key_id: str
    secret_key: str
    verify_key: bytes


class Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.clob_accounts: dict[str, ClobAccount] = {}
            self.us_accounts: dict[str, UsAccount] = {}
            self.orders: dict[str, Order] = {}
            self.by_account: dict[str, list[Order]] = {}
            self.modes = {"clob": "normal", "us": "normal"}
            self.listeners: list[Callable[[Order], None]] = []

    def new_clob_account(self, address: str | None) -> ClobAccount:
        return self.add_clob_account(ClobAccount(
            api_key=str(uuid.uuid4()),
            secret=base64.urlsafe_b64encode(os.urandom(32)).decode(),
            passphrase=os.urandom(16).hex(),
            address=address or "0x" + os.urandom(20).hex(),
        ))

    def add_clob_account(self, account: ClobAccount) -> ClobAccount:
        with self.lock:
            self.clob_accounts[account.api_key] = account
        return account

    def new_us_account(self) -> UsAccount:
        key = SigningKey.generate()
        return self.add_us_account(str(uuid.uuid4()), base64.b64encode(bytes(key) + bytes(key.verify_key)).decode())

    def add_us_account(self, key_id: str, secret_key: str) -> UsAccount:
        """An account for ``secret_key``: standard base64 of the 32-byte Ed25519 seed (then, optionally, the public key)."""
        seed = base64.b64decode(secret_key, validate=True)[:32]
        account = UsAccount(key_id, secret_key, bytes(SigningKey(seed).verify_key))
        with self.lock:
            self.us_accounts[account.key_id] = account
        return account

    def account_exists(self, api: str, account: str) -> bool:
        return account in (self.clob_accounts if api == "clob" else self.us_accounts)

    def add_orders(self, api: str, account: str, entries: list[dict]) -> list[Order]:
        created = []
        with self.lock:
            for entry in entries:
                order_id = entry.get("id") or ("0x" + os.urandom(32).hex() if api == "clob" else str(uuid.uuid4()))
                order = Order(order_id, api, account, entry.get("marketSlug") or DEFAULT_MARKET,
                              entry.get("uncancelableReason"))
                self.orders[order_id] = order
                self.by_account.setdefault(account, []).append(order)
                created.append(order)
        self.publish(created)
        return created

    def orders_of(self, account: str) -> list[Order]:
        with self.lock:
            return list(self.by_account.get(account, ()))

    def matching(self, select: Callable[[Order], bool]) -> list[Order]:
        with self.lock:
            return [order for order in self.orders.values() if select(order)]

    def cancel_where(
        self, select: Callable[[Order], bool], owner: str | None = None, named: Iterable[str] = ()
    ) -> tuple[list[Order], list[Order]]:
        """Atomically cancel every selected order; return (canceled now, selected but uncancelable).

        ``select`` is asked about every order, or with ``owner`` only about that account's orders and
        the orders ``named`` by id (of any account): index lookups instead of a scan of the whole store.
        """
        with self.lock:
            if owner is None:
                pool = self.orders.values()
            else:
                foreign = [o for i in named if (o := self.orders.get(i)) is not None and o.account != owner]
                pool = [*self.by_account.get(owner, ()), *foreign]
            chosen = [order for order in pool if select(order)]
            canceled = [order for order in chosen if order.cancelable]
            for order in canceled:
                order.state = CANCELED
            stuck = [order for order in chosen if order.state == OPEN and order.uncancelable_reason]
        self.publish(canceled)
        return canceled, stuck

    def publish(self, orders: list[Order]) -> None:
        """Tell every listener (the order streams) about orders just created or canceled, as they are now."""
        with self.lock:
            listeners = list(self.listeners)
        for order in orders:
            for listener in listeners:
                listener(order)

    def write(self, orders: list[Order], state: str) -> None:
        """Set ``orders`` to ``state`` without looking at their state now (what a server that looked earlier does).

        ``cancel_where`` is the reference: it looks and writes in one step. Writing ``CANCELED`` publishes each order.
        """
        with self.lock:
            for order in orders:
                order.state = state
        if state == CANCELED:
            self.publish(orders)
