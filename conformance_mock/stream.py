"""Polymarket US private order stream (``/v1/ws/private``): where "actual outcomes" of a batched cancel are observed.

The protocol is the official client's (``polymarket_us.websocket``): the handshake
is authenticated like the REST calls; ``{"subscribe": {"requestId",
"subscriptionType": "SUBSCRIPTION_TYPE_ORDER", "marketSlugs"?}}`` gets a snapshot of
the account's open orders (``orderSubscriptionSnapshot: {orders, eof}``), then an
``orderSubscriptionUpdate`` with an execution for each change of its orders;
``{"unsubscribe": {"requestId"}}`` ends a subscription; anything else is answered
with ``{"error", "requestId"}`` and the connection stays open.

``StreamRules`` is the reference behaviour, one decision per method; faults
override one each. A ``Style`` is how a correct server may differ where the
documents are silent (``--stream-style``): ``plain`` sends each snapshot in one
message and each update at once; ``busy`` splits snapshots into one-order
messages, sends heartbeats, announces new orders (``EXECUTION_TYPE_NEW``), and
delays every update by 50-400 ms at random, so updates arrive late and reordered.
"""

from __future__ import annotations

import asyncio
import datetime
import random
import uuid
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from conformance_mock.auth import AuthError
from conformance_mock.http import error, parse_json
from conformance_mock.store import CANCELED, OPEN, Order, Store, UsAccount
from conformance_mock.us import UsRules, order_json

ORDER_SUBSCRIPTION = "SUBSCRIPTION_TYPE_ORDER"


@dataclass(frozen=True)
class Style:
    """How a correct stream may deliver, where the documents are silent."""

    snapshot_chunk: int | None  # orders per snapshot message; None: all in one
    heartbeat_seconds: float | None
    delay_seconds: tuple[float, float]  # every update waits a random time in this range
    announces_new: bool  # an EXECUTION_TYPE_NEW update when an order is created
    snapshot_type: str  # the snapshot messages' subscriptionType


STYLES = {
    "plain": Style(None, None, (0.0, 0.0), False, ORDER_SUBSCRIPTION),
    "busy": Style(1, 0.1, (0.05, 0.4), True, "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT"),
}


class StreamRules:
    """What the order stream promises, one decision per method."""

    def serves(self) -> bool:
        """The stream is at ``/v1/ws/private``, where the official client opens it."""
        return True

    def authenticate(self, us: UsRules, store: Store, headers: Headers, path: str, url: str) -> UsAccount:
        """The handshake is authenticated like the REST calls: X-PM-* headers signed over ``GET`` + the path."""
        return us.authenticate(store, headers, "GET", path, url)

    def markets(self, requested: list[str]) -> set[str]:
        """A subscription's market filter: the ``marketSlugs`` it names (none: every market)."""
        return set(requested)

    def snapshot(self, store: Store, account: UsAccount, markets: set[str]) -> list[Order]:
        """"Initial snapshot of open orders": the account's open US orders, in the filter's markets."""
        return [o for o in store.orders_of(account.key_id)
                if o.api == "us" and o.state == OPEN and (not markets or o.market_slug in markets)]

    def delivers(self, order: Order, account: UsAccount, markets: set[str]) -> bool:
        """Whether a subscription of ``account`` to ``markets`` gets an update of this order: its own, in its markets."""
        return order.api == "us" and order.account == account.key_id and (not markets or order.market_slug in markets)

    def tagged(self, message: dict, request_id: str) -> dict:
        """Every message of a subscription carries its ``requestId``."""
        return {"requestId": request_id, **message}

    def unsubscribe(self, subscriptions: dict[str, set[str]], request_id: str) -> None:
        """``unsubscribe`` ends the subscription with that ``requestId``."""
        subscriptions.pop(request_id, None)


def _update(order: Order) -> dict:
    return {
        "subscriptionType": ORDER_SUBSCRIPTION,
        "orderSubscriptionUpdate": {
            "execution": {
                "id": str(uuid.uuid4()),
                "type": "EXECUTION_TYPE_CANCELED" if order.state == CANCELED else "EXECUTION_TYPE_NEW",
                "order": order_json(order),
                "transactTime": datetime.datetime.now(datetime.UTC).isoformat(),
            }
        },
    }


class Connection:
    """One accepted connection: its subscriptions, and everything it sends (one sender at a time)."""

    def __init__(self, websocket: WebSocket, account: UsAccount, store: Store, rules: StreamRules, style: Style) -> None:
        self.websocket, self.account, self.store, self.rules, self.style = websocket, account, store, rules, style
        self.subscriptions: dict[str, set[str]] = {}
        self._sending = asyncio.Lock()
        self._loop = asyncio.get_running_loop()
        self._tasks: set[asyncio.Task] = set()

    async def run(self) -> None:
        with self.store.lock:
            self.store.listeners.append(self._listener)
        if self.style.heartbeat_seconds:
            self._spawn(self._heartbeats())
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                await self._handle(message.get("bytes") or (message.get("text") or "").encode())
        except WebSocketDisconnect:
            pass
        finally:
            with self.store.lock:
                if self._listener in self.store.listeners:  # a reset since has dropped it already
                    self.store.listeners.remove(self._listener)
            for task in list(self._tasks):
                task.cancel()

    async def send(self, message: dict) -> None:
        async with self._sending:
            try:
                await self.websocket.send_json(message)
            except (WebSocketDisconnect, RuntimeError, OSError):
                pass  # the client is gone; its receive loop ends the connection

    def _spawn(self, coroutine) -> None:
        task = self._loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _listener(self, order: Order) -> None:
        """Called by the store, from any thread, with an order just created or canceled: routed to the
        subscriptions open now, as the order is now (every connection hears every order: most route none)."""
        if order.state == OPEN and not self.style.announces_new:
            return
        routes = [request_id for request_id, markets in list(self.subscriptions.items())
                  if self.rules.delivers(order, self.account, markets)]
        if routes:
            self._loop.call_soon_threadsafe(self._route, routes, _update(order))

    def _route(self, routes: list[str], update: dict) -> None:
        for request_id in routes:
            self._spawn(self._deliver(self.rules.tagged(update, request_id)))

    async def _deliver(self, message: dict) -> None:
        low, high = self.style.delay_seconds
        if high:
            await asyncio.sleep(random.uniform(low, high))
        await self.send(message)

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.style.heartbeat_seconds)
            await self.send({"heartbeat": {}})

    async def _handle(self, raw: bytes) -> None:
        try:
            request = parse_json(raw)
        except HTTPException as failure:
            await self.send({"error": failure.detail.replace("body", "message")})
            return
        if not isinstance(request, dict) or len(request) != 1 or not isinstance(next(iter(request.values())), dict):
            await self.send({"error": 'expected {"subscribe": {...}} or {"unsubscribe": {...}}'})
            return
        (verb, fields), = request.items()
        request_id = fields.get("requestId")
        if not isinstance(request_id, str) or not request_id:
            await self.send({"error": "requestId must be a non-empty string"})
        elif verb == "unsubscribe":
            self.rules.unsubscribe(self.subscriptions, request_id)
        elif verb != "subscribe":
            await self.send({"error": f"unknown request {verb!r}", "requestId": request_id})
        elif fields.get("subscriptionType") != ORDER_SUBSCRIPTION:
            await self.send({"error": "only SUBSCRIPTION_TYPE_ORDER is served here", "requestId": request_id,
                             "subscriptionType": fields.get("subscriptionType")})
        else:
            slugs = fields.get("marketSlugs") or []
            if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
                await self.send({"error": "marketSlugs must be an array of strings", "requestId": request_id})
                return
            await self._subscribe(request_id, self.rules.markets(slugs))

    async def _subscribe(self, request_id: str, markets: set[str]) -> None:
        self.subscriptions[request_id] = markets
        orders = [order_json(o) for o in self.rules.snapshot(self.store, self.account, markets)]
        size = self.style.snapshot_chunk or max(len(orders), 1)
        chunks = [orders[i:i + size] for i in range(0, len(orders), size)] or [[]]
        for i, chunk in enumerate(chunks):
            if i:
                await asyncio.sleep(0.02)  # room for heartbeats and updates between the snapshot's messages
            await self.send(self.rules.tagged({
                "subscriptionType": self.style.snapshot_type,
                "orderSubscriptionSnapshot": {"orders": chunk, "eof": i == len(chunks) - 1},
            }, request_id))


async def private_stream(websocket: WebSocket) -> None:
    """``SUBSCRIPTION_TYPE_ORDER``: a snapshot of open orders, then an update for each order a cancel canceled."""
    store: Store = websocket.app.state.store
    rules: StreamRules = websocket.app.state.stream
    if not rules.serves():
        await websocket.send_denial_response(error(404, "Not Found"))
        return
    try:
        account = rules.authenticate(websocket.app.state.us, store, websocket.headers, websocket.url.path,
                                     str(websocket.url))
    except AuthError as failure:
        await websocket.send_denial_response(error(401, str(failure)))
        return
    await websocket.accept()
    await Connection(websocket, account, store, rules, websocket.app.state.stream_style).run()


routes = [WebSocketRoute("/v1/ws/private", private_stream)]
