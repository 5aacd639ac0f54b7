"""CLOB ``DELETE /cancel-all``: "Cancels all open orders for the authenticated user. Works even in cancel-only mode.\"

Also ``GET /data/orders``, the account's open orders, where a live run observes what a cancel-all did.

``ClobRules`` is the reference behaviour of the page. Each of its methods is one
decision a server makes (how the key is looked up, what the signature covers,
which orders a cancel reaches, what the answer lists); the handler only strings
them together. Faults (``faults.py``) override one method each.
"""

from __future__ import annotations

import base64
import binascii
import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance_mock.auth import HTTP_METHODS, AuthError, clob_signature_matches, expected_clob_signature
from conformance_mock.http import error, read_body
from conformance_mock.store import OPEN, ClobAccount, Order, Store

L2_HEADERS = ("POLY_API_KEY", "POLY_ADDRESS", "POLY_SIGNATURE", "POLY_PASSPHRASE", "POLY_TIMESTAMP")
DISABLED = "Trading is currently disabled. Check polymarket.com for updates"
FIRST_CURSOR, END_CURSOR = "MA==", "LTE="  # base64 of "0" and "-1", as py-clob-client pages
ORDER_FILTERS = ("id", "market", "asset_id")  # OpenOrderParams


class ClobRules:
    """What the CLOB cancel-all page promises, one decision per method."""

    def find_account(self, store: Store, headers: dict[str, str]) -> ClobAccount | None:
        """POLY_API_KEY: "Your API key"."""
        return store.clob_accounts.get(headers["POLY_API_KEY"])

    def passphrase_matches(self, given: str, account: ClobAccount) -> bool:
        """POLY_PASSPHRASE: "API key passphrase"."""
        return clob_signature_matches(given, account.passphrase)

    def address_matches(self, given: str, account: ClobAccount) -> bool:
        """POLY_ADDRESS: "Ethereum address associated with the API key" (compared without letter case)."""
        return given.lower() == account.address.lower()

    def signature_matches(
        self, given: str, account: ClobAccount, timestamp: str, method: str, path: str, body: bytes
    ) -> bool:
        """POLY_SIGNATURE: "HMAC signature of the request": timestamp + method + path (+ body)."""
        return clob_signature_matches(given, expected_clob_signature(account.secret, timestamp, method, path, body))

    def authenticate(self, store: Store, headers: dict[str, str], method: str, path: str, body: bytes) -> ClobAccount:
        """The five L2 headers: the key exists, passphrase and address belong to it, the HMAC matches."""
        missing = [name for name, value in headers.items() if not value]
        if missing:
            raise AuthError(f"missing {', '.join(missing)}")
        account = self.find_account(store, headers)
        if account is None or not self.passphrase_matches(headers["POLY_PASSPHRASE"], account):
            raise AuthError("Invalid API key")
        if not self.address_matches(headers["POLY_ADDRESS"], account):
            raise AuthError("address does not match the API key")
        timestamp = headers["POLY_TIMESTAMP"]
        if not timestamp.isascii() or not timestamp.isdigit():
            raise AuthError("POLY_TIMESTAMP must be a Unix timestamp")
        if not self.signature_matches(headers["POLY_SIGNATURE"], account, timestamp, method, path, body):
            raise AuthError("Invalid signature")
        return account

    def error(self, status: int, message: str) -> Response:
        """401, 500, 503: an ErrorResponse, ``{"error": message}``."""
        return error(status, message)

    def trading_mode(self, store: Store, account: ClobAccount) -> str:
        """The mode a request is answered in: the one in force when it arrives."""
        return store.modes["clob"]

    def refuses_in(self, mode: str) -> bool:
        """503 when trading is disabled; "Works even in cancel-only mode"."""
        return mode == "disabled"

    def accepts_method(self, method: str) -> bool:
        """``/cancel-all`` declares ``delete`` only; any other method cancels nothing (405)."""
        return method == "DELETE"

    def reaches(self, order: Order, account: ClobAccount) -> bool:
        """"Cancels all open orders for the authenticated user": the caller's CLOB orders, no one else's."""
        return order.api == "clob" and order.account == account.api_key

    def narrows(self, order: Order, body: bytes) -> bool:
        """A body narrows nothing: the page declares none, and cancel-all cancels all."""
        return True

    async def cancel(self, store: Store, account: ClobAccount, body: bytes) -> tuple[list[Order], list[Order]]:
        """Cancel every reached order that can be, in one step; return (canceled now, reached but uncancelable)."""
        return store.cancel_where(lambda order: self.reaches(order, account) and self.narrows(order, body))

    def answer(self, canceled: list[Order], stuck: list[Order], account: ClobAccount, store: Store) -> dict:
        """CancelOrdersResponse: ``canceled`` ids, ``not_canceled`` id → reason."""
        return {"canceled": [o.id for o in canceled], "not_canceled": {o.id: o.uncancelable_reason for o in stuck}}

    def lists(self, order: Order, account: ClobAccount) -> bool:
        """``GET /data/orders``: the open orders of the authenticated user."""
        return order.api == "clob" and order.account == account.api_key and order.state == OPEN


async def cancel_all(request: Request) -> Response:
    store: Store = request.app.state.store
    rules: ClobRules = request.app.state.clob
    if not rules.accepts_method(request.method):
        return rules.error(405, "Method Not Allowed")
    body = await read_body(request)
    headers = {name: request.headers.get(name, "") for name in L2_HEADERS}
    try:
        account = rules.authenticate(store, headers, request.method, request.url.path, body)
    except AuthError as failure:
        return rules.error(401, str(failure))
    if rules.refuses_in(rules.trading_mode(store, account)):
        return rules.error(503, DISABLED)
    canceled, stuck = await rules.cancel(store, account, body)
    return JSONResponse(rules.answer(canceled, stuck, account, store))


def _cursor_offset(cursor: str) -> int | None:
    try:
        offset = int(base64.b64decode(cursor, validate=True).decode())
    except (binascii.Error, ValueError):
        return None
    return offset if offset >= 0 else None


def open_order_json(order: Order, store: Store) -> dict:
    """One open order, with the fields of the CLOB's OpenOrder (the market is the order's market slug)."""
    owner = store.clob_accounts.get(order.account)
    return {
        "id": order.id,
        "status": "ORDER_STATUS_LIVE",
        "owner": order.account,
        "maker_address": owner.address if owner else "",
        "market": order.market_slug,
        "asset_id": f"{order.market_slug}-yes",
        "side": "BUY",
        "original_size": "10",
        "size_matched": "0",
        "price": "0.5",
        "outcome": "YES",
        "expiration": "0",
        "order_type": "GTC",
        "associate_trades": [],
        "created_at": int(datetime.datetime.fromisoformat(order.created).timestamp()),
    }


async def open_orders(request: Request) -> Response:
    """``GET /data/orders?[id=][&market=][&asset_id=]&next_cursor=``: a page of open orders and the next cursor."""
    store: Store = request.app.state.store
    rules: ClobRules = request.app.state.clob
    headers = {name: request.headers.get(name, "") for name in L2_HEADERS}
    try:
        account = rules.authenticate(store, headers, request.method, request.url.path, await read_body(request))
    except AuthError as failure:
        return rules.error(401, str(failure))
    offset = _cursor_offset(request.query_params.get("next_cursor", FIRST_CURSOR))
    if offset is None:
        return rules.error(400, "next_cursor must be a cursor this server returned")
    listed = [open_order_json(o, store) for o in store.matching(lambda order: rules.lists(order, account))]
    for name in ORDER_FILTERS:
        if request.query_params.get(name):
            listed = [o for o in listed if o[name] == request.query_params[name]]
    size = request.app.state.orders_page_size
    page = listed[offset : offset + size]
    more = offset + size < len(listed)
    next_cursor = base64.b64encode(str(offset + size).encode()).decode() if more else END_CURSOR
    return JSONResponse({"limit": size, "count": len(page), "next_cursor": next_cursor, "data": page})


routes = [Route("/cancel-all", cancel_all, methods=list(HTTP_METHODS)), Route("/data/orders", open_orders, methods=["GET"])]
