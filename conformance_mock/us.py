"""Polymarket US: ``POST /v1/orders/batched/cancel``, ``GET /v1/orders/open`` and the private order stream."""

from __future__ import annotations

import asyncio
import datetime
import uuid

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from conformance_mock.auth import HTTP_METHODS, US_WINDOW_MS, AuthError, us_signature_valid, us_timestamp_ok
from conformance_mock.http import error, is_json, parse_json, read_body
from conformance_mock.store import CANCELED, OPEN, Order, Store, UsAccount

US_HEADERS = ("X-PM-Access-Key", "X-PM-Timestamp", "X-PM-Signature")
MAX_ENTRIES = 20


def authenticate(headers: Headers, method: str, path: str, store: Store, faults: frozenset[str], url: str = "") -> UsAccount:
    """X-PM-Access-Key names the key; X-PM-Timestamp is within 30 s; X-PM-Signature signs timestamp + method + path."""
    key_id, timestamp, signature = (headers.get(name, "") for name in US_HEADERS)
    if "us-missing-signature-skips-auth" in faults and not signature and key_id in store.us_accounts:
        return store.us_accounts[key_id]
    if not (key_id and timestamp and signature):
        raise AuthError("missing authentication headers")
    window = None if "us-accepts-stale-timestamps" in faults else 5_000 if "us-narrow-timestamp-window" in faults else US_WINDOW_MS
    if not us_timestamp_ok(timestamp, window):
        raise AuthError("X-PM-Timestamp must be milliseconds within 30 seconds of server time")
    account = store.us_accounts.get(key_id)
    if account is None:
        raise AuthError("unknown access key")
    if "us-skips-signature-check" in faults:
        return account
    methods = HTTP_METHODS if "us-signature-ignores-method" in faults else (method,)
    paths = (url,) if "us-rejects-valid-signatures" in faults else (path,)
    if "us-signature-tolerates-trailing-slash" in faults:
        paths += (path + "/",)
    messages = [timestamp + m + p for m in methods for p in paths]
    candidates = list(store.us_accounts.values()) if "us-signature-checked-against-any-key" in faults else [account]
    for candidate in candidates:
        if any(us_signature_valid(candidate.verify_key, signature, message) for message in messages):
            return candidate
    raise AuthError("invalid signature")


def _entries(body: object, faults: frozenset[str]) -> list[dict]:
    """The batch's entries, or a 400: "If any entry fails request-shape validation, the whole batch is rejected"."""
    orders = body.get("orders") if isinstance(body, dict) else None
    if not isinstance(orders, list):
        raise HTTPException(400, "orders must be an array")
    low = 0 if "us-accepts-empty-batch" in faults else 1
    high = 25 if "us-max-batch-25" in faults else 10 if "us-max-batch-10" in faults else MAX_ENTRIES
    if not low <= len(orders) <= high:
        raise HTTPException(400, f"orders must have 1 to {MAX_ENTRIES} entries")

    def valid(entry: object) -> bool:
        return isinstance(entry, dict) and isinstance(entry.get("orderId"), str) and isinstance(entry.get("marketSlug"), str)

    if "us-partial-batch" in faults:
        return [entry for entry in orders if valid(entry)]
    if not all(valid(entry) for entry in orders):
        raise HTTPException(400, "every entry needs a string orderId and a string marketSlug")
    return orders


async def batched_cancel(request: Request) -> Response:
    store: Store = request.app.state.store
    faults: frozenset[str] = request.app.state.faults
    raw = await read_body(request)
    try:
        account = authenticate(request.headers, request.method, request.url.path, store, faults, str(request.url))
    except AuthError as failure:
        return error(401, str(failure))
    if not is_json(request):
        return error(400, "Content-Type must be application/json")
    if "us-malformed-json-500" in faults:
        try:
            parse_json(raw)
        except HTTPException:
            return error(500, "Internal server error")
    entries = _entries(parse_json(raw), faults)
    ids = [entry["orderId"] for entry in entries]
    named = set(ids)
    mine = {o.id: o for o in store.orders_of(account.key_id) if o.api == "us"}
    if "us-repeat-cancel-rejected" in faults and any(mine[i].state == CANCELED for i in named if i in mine):
        return error(400, "order already canceled")
    if "us-ignores-cancels" not in faults:
        slugs = {entry["marketSlug"] for entry in entries}

        def chosen(order: Order) -> bool:
            if order.api != "us":
                return False
            if "us-cancels-whole-market" in faults and order.account == account.key_id and order.market_slug in slugs:
                return True
            return order.id in named and ("us-cancels-foreign-orders" in faults or order.account == account.key_id)

        store.cancel_where(chosen)
    echo: object = ids
    if "us-echo-deduplicated" in faults:
        echo = list(dict.fromkeys(ids))
    if "us-echo-drops-unknown-ids" in faults:
        echo = [i for i in ids if i in mine]
    if "us-echo-sorted" in faults:
        echo = sorted(ids)
    if "us-echo-as-string" in faults:
        echo = ",".join(ids)
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
    try:
        account = authenticate(request.headers, "GET", request.url.path, store, request.app.state.faults)
    except AuthError as failure:
        return error(401, str(failure))
    slugs = {s for value in request.query_params.getlist("slugs") for s in value.split(",") if s}
    listed = [
        order_json(o) for o in store.orders_of(account.key_id)
        if o.api == "us" and o.state == OPEN and (not slugs or o.market_slug in slugs)
    ]
    return JSONResponse({"orders": listed})


def _update(request_id: str, order: Order) -> dict:
    return {
        "requestId": request_id,
        "subscriptionType": "SUBSCRIPTION_TYPE_ORDER",
        "orderSubscriptionUpdate": {
            "execution": {
                "id": str(uuid.uuid4()),
                "type": "EXECUTION_TYPE_CANCELED",
                "order": order_json(order),
                "transactTime": datetime.datetime.now(datetime.UTC).isoformat(),
            }
        },
    }


async def private_stream(websocket: WebSocket) -> None:
    """``SUBSCRIPTION_TYPE_ORDER``: a snapshot of open orders, then an update for each order a cancel canceled."""
    store: Store = websocket.app.state.store
    faults: frozenset[str] = websocket.app.state.faults
    try:
        account = authenticate(websocket.headers, "GET", websocket.url.path, store, faults)
    except AuthError as failure:
        await websocket.send_denial_response(error(401, str(failure)))
        return
    await websocket.accept()
    subscriptions: dict[str, set[str]] = {}
    queue: asyncio.Queue[Order] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def listener(order: Order) -> None:
        if order.api == "us" and order.account == account.key_id and "us-stream-misses-cancels" not in faults:
            loop.call_soon_threadsafe(queue.put_nowait, order)

    async def forward() -> None:
        while True:
            order = await queue.get()
            for request_id, slugs in list(subscriptions.items()):
                if not slugs or order.market_slug in slugs:
                    await websocket.send_json(_update(request_id, order))

    with store.lock:
        store.listeners.append(listener)
    forwarder = asyncio.create_task(forward())
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            await _handle(websocket, message.get("text") or "", account, subscriptions, store)
    except WebSocketDisconnect:
        pass
    finally:
        forwarder.cancel()
        with store.lock:
            if listener in store.listeners:
                store.listeners.remove(listener)


async def _handle(websocket: WebSocket, text: str, account: UsAccount, subscriptions: dict, store: Store) -> None:
    try:
        request = parse_json(text.encode())
    except HTTPException:
        request = None
    subscribe = request.get("subscribe") if isinstance(request, dict) else None
    unsubscribe = request.get("unsubscribe") if isinstance(request, dict) else None
    if isinstance(subscribe, dict) and subscribe.get("subscriptionType") == "SUBSCRIPTION_TYPE_ORDER":
        request_id = str(subscribe.get("requestId", ""))
        slugs = {s for s in subscribe.get("marketSlugs") or [] if isinstance(s, str)}
        subscriptions[request_id] = slugs
        snapshot = [
            order_json(o) for o in store.orders_of(account.key_id)
            if o.api == "us" and o.state == OPEN and (not slugs or o.market_slug in slugs)
        ]
        await websocket.send_json({
            "requestId": request_id,
            "subscriptionType": "SUBSCRIPTION_TYPE_ORDER",
            "orderSubscriptionSnapshot": {"orders": snapshot, "eof": True},
        })
    elif isinstance(unsubscribe, dict):
        subscriptions.pop(str(unsubscribe.get("requestId", "")), None)
    else:
        request_id = subscribe.get("requestId") if isinstance(subscribe, dict) else None
        await websocket.send_json({"error": "unsupported message; send a SUBSCRIPTION_TYPE_ORDER subscribe",
                                   "requestId": request_id})


routes = [
    Route("/v1/orders/batched/cancel", batched_cancel, methods=["POST"]),
    Route("/v1/orders/open", open_orders, methods=["GET"]),
    WebSocketRoute("/v1/ws/private", private_stream),
]
