"""Polymarket US: ``POST /v1/orders/batched/cancel`` and ``GET /v1/orders/open``.

``UsRules`` is the reference behaviour of the page, one decision per method (the
timestamp window, what the signature covers, the batch bounds, which orders a
cancel reaches, what the echo is); the handlers only
string them together. Faults (``faults.py``) override one decision each.
"""

from __future__ import annotations

import time

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance_mock.auth import HTTP_METHODS, US_WINDOW_MS, AuthError, us_signature_valid, us_timestamp_ok
from conformance_mock.http import error, is_json, parse_json, read_body
from conformance_mock.store import OPEN, Order, Store, UsAccount

US_HEADERS = ("X-PM-Access-Key", "X-PM-Timestamp", "X-PM-Signature")


class Batch(list):
    """A valid batch's entries, in request order, and the order ids they name (a set built once, not per order)."""

    def __init__(self, entries: list[dict]) -> None:
        super().__init__(entries)
        self.ids = frozenset(entry["orderId"] for entry in entries)


class UsRules:
    """What the US batched-cancel page promises, one decision per method."""

    timestamp_window_ms: int | None = US_WINDOW_MS
    """X-PM-Timestamp: "Must be within 30 seconds of server time"."""

    batch_bounds = (1, 20)
    """orders: "minItems: 1, maxItems: 20"."""

    clock_offset_ms = 0
    """How far the server's clock runs from the host's (``conformance-mock --clock-offset``)."""

    def now_ms(self) -> int:
        """Server time, in milliseconds."""
        return int(time.time() * 1000) + self.clock_offset_ms

    def verifies(self, account: UsAccount, signature: str, timestamp: str, method: str, path: str, url: str) -> bool:
        """X-PM-Signature: "Base64-encoded Ed25519 signature of `timestamp + method + path`"."""
        return us_signature_valid(account.verify_key, signature, timestamp + method + path)

    def signing_account(self, store: Store, account: UsAccount, signature: str, timestamp: str, method: str,
                        path: str, url: str) -> UsAccount | None:
        """The account the request acts as: the key's own, when its signature verifies."""
        return account if self.verifies(account, signature, timestamp, method, path, url) else None

    def authenticate(self, store: Store, headers: Headers, method: str, path: str, url: str) -> UsAccount:
        """X-PM-Access-Key names the key; X-PM-Timestamp is within 30 s; X-PM-Signature signs timestamp + method + path."""
        key_id, timestamp, signature = (headers.get(name, "") for name in US_HEADERS)
        if not (key_id and timestamp and signature):
            raise AuthError("missing authentication headers")
        if not us_timestamp_ok(timestamp, self.timestamp_window_ms, self.now_ms()):
            raise AuthError("X-PM-Timestamp must be milliseconds within 30 seconds of server time")
        account = store.us_accounts.get(key_id)
        if account is None:
            raise AuthError("unknown access key")
        signer = self.signing_account(store, account, signature, timestamp, method, path, url)
        if signer is None:
            raise AuthError("invalid signature")
        return signer

    def accepts_method(self, method: str) -> bool:
        """``/v1/orders/batched/cancel`` declares ``post`` only; any other method cancels nothing (405)."""
        return method == "POST"

    def refuses_in(self, mode: str) -> bool:
        """Trading modes: "In cancel-only cancels still work"; the US page says nothing of disabled: cancels work."""
        return False

    def parse_body(self, raw: bytes) -> object:
        """The body as JSON; anything else is "400: Bad request - invalid batched cancel request"."""
        return parse_json(raw)

    def entries(self, body: object) -> Batch:
        """The batch's entries, or a 400: "If any entry fails request-shape validation, the whole batch is rejected"."""
        orders = body.get("orders") if isinstance(body, dict) else None
        if not isinstance(orders, list):
            raise HTTPException(400, "orders must be an array")
        low, high = self.batch_bounds
        if not low <= len(orders) <= high:
            raise HTTPException(400, "orders must have 1 to 20 entries")
        if not all(self.entry_valid(entry) for entry in orders):
            raise HTTPException(400, "every entry needs a string orderId and a string marketSlug")
        return Batch(orders)

    def entry_valid(self, entry: object) -> bool:
        """CancelOrderRequestEntry: required string ``orderId`` and ``marketSlug``."""
        return isinstance(entry, dict) and isinstance(entry.get("orderId"), str) and isinstance(entry.get("marketSlug"), str)

    def reaches(self, order: Order, account: UsAccount, entries: Batch) -> bool:
        """"orderId: Exchange-assigned order ID to cancel": the caller's own orders the batch names."""
        return order.api == "us" and order.account == account.key_id and order.id in entries.ids

    async def cancel(self, store: Store, account: UsAccount, entries: Batch) -> list[Order]:
        """Cancel every reached order that can be, in one step; return those canceled now.

        ``reaches`` is asked about the caller's own orders and every order the batch names, whoever owns it.
        """
        canceled, _ = store.cancel_where(lambda order: self.reaches(order, account, entries),
                                         owner=account.key_id, named=entries.ids)
        return canceled

    def echo(self, ids: list[str], account: UsAccount, store: Store) -> object:
        """canceledOrderIds: "Order IDs submitted for cancellation, in request order. Echo of the input"."""
        return ids

    def open_orders(self, store: Store, account: UsAccount) -> list[Order]:
        """GET /v1/orders/open: the caller's orders open now."""
        return [o for o in store.orders_of(account.key_id) if o.api == "us" and o.state == OPEN]


async def batched_cancel(request: Request) -> Response:
    store: Store = request.app.state.store
    rules: UsRules = request.app.state.us
    if not rules.accepts_method(request.method):
        return error(405, "Method Not Allowed")
    raw = await read_body(request)
    try:
        account = rules.authenticate(store, request.headers, request.method, request.url.path, str(request.url))
    except AuthError as failure:
        return error(401, str(failure))
    if rules.refuses_in(store.modes["us"]):
        return error(503, "Trading is currently disabled")
    if not is_json(request):
        return error(400, "Content-Type must be application/json")
    entries = rules.entries(rules.parse_body(raw))
    ids = [entry["orderId"] for entry in entries]
    # read the echo's inputs before the cancel changes the store
    echo = rules.echo(ids, account, store)
    await rules.cancel(store, account, entries)
    return JSONResponse({"canceledOrderIds": echo})


def order_json(order: Order) -> dict:
    """An order in the shape of the official client's ``Order`` type."""
    is_open = order.state == OPEN
    return {
        "id": order.id,
        "marketSlug": order.market_slug,
        "side": "ORDER_SIDE_BUY",
        "type": "ORDER_TYPE_LIMIT",
        "price": {"value": "0.50", "currency": "USD"},
        "quantity": 1,
        "cumQuantity": 0,
        "leavesQuantity": 1 if is_open else 0,
        "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL",
        "intent": "ORDER_INTENT_BUY_LONG",
        "state": "ORDER_STATE_NEW" if is_open else "ORDER_STATE_CANCELED",
        "createTime": order.created,
    }


async def open_orders(request: Request) -> Response:
    store: Store = request.app.state.store
    rules: UsRules = request.app.state.us
    try:
        account = rules.authenticate(store, request.headers, "GET", request.url.path, str(request.url))
    except AuthError as failure:
        return error(401, str(failure))
    slugs = {s for value in request.query_params.getlist("slugs") for s in value.split(",") if s}
    listed = [order_json(o) for o in rules.open_orders(store, account) if not slugs or o.market_slug in slugs]
    return JSONResponse({"orders": listed})


routes = [
    Route("/v1/orders/batched/cancel", batched_cancel, methods=list(HTTP_METHODS)),
    Route("/v1/orders/open", open_orders, methods=["GET"]),
]
