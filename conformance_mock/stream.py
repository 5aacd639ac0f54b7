"""Polymarket US private order stream (``/v1/ws/private``): where "actual outcomes" of a batched cancel are observed.

The handshake is authenticated like the REST calls; a ``SUBSCRIPTION_TYPE_ORDER``
subscription gets a snapshot of the account's open orders, then an update for
each order a cancel canceled (``UsRules.reported_on_stream`` decides which).
"""

from __future__ import annotations

import asyncio
import datetime
import uuid

from starlette.exceptions import HTTPException
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from conformance_mock.auth import AuthError
from conformance_mock.http import error, parse_json
from conformance_mock.store import OPEN, Order, Store, UsAccount
from conformance_mock.us import UsRules, order_json


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
    rules: UsRules = websocket.app.state.us
    try:
        account = rules.authenticate(store, websocket.headers, "GET", websocket.url.path, str(websocket.url))
    except AuthError as failure:
        await websocket.send_denial_response(error(401, str(failure)))
        return
    await websocket.accept()
    subscriptions: dict[str, set[str]] = {}
    queue: asyncio.Queue[Order] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def listener(order: Order) -> None:
        if rules.reported_on_stream(order, account):
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
        named = subscribe.get("marketSlugs")
        slugs = {s for s in named if isinstance(s, str)} if isinstance(named, list) else set()
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


routes = [WebSocketRoute("/v1/ws/private", private_stream)]
