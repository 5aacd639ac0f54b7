"""The Polymarket US private order stream, read as the official client's protocol allows.

The protocol, as ``polymarket_us.websocket`` speaks it: the handshake to
``/v1/ws/private`` carries the REST auth headers, signed over ``GET`` and the
path. ``{"subscribe": {"requestId", "subscriptionType": "SUBSCRIPTION_TYPE_ORDER",
"marketSlugs"?}}`` is answered by a snapshot of open orders
(``orderSubscriptionSnapshot: {orders, eof}``), possibly across several messages
up to the one whose ``eof`` is true, then by ``orderSubscriptionUpdate`` messages,
each an ``execution`` with a ``type`` and an ``order``. ``{"heartbeat": ...}`` and
``{"error", "requestId"?}`` may come at any time, and updates of other execution
types (NEW, FILL, ...) between the ones a check waits for. ``{"unsubscribe":
{"requestId"}}`` ends a subscription. The client also accepts ``ordersSnapshot``
and ``orderUpdate`` as the keys; so does this reader.

Each connection is read by a thread of its own into a list of timed messages,
so that a check waits only as long as it needs: a subscription until its
snapshot is complete, a scenario one window for what must and must not arrive.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from conformance.target import US_STREAM_PATH, UsTarget

ORDER_SUBSCRIPTION = "SUBSCRIPTION_TYPE_ORDER"
CANCELED = "EXECUTION_TYPE_CANCELED"
SNAPSHOT_KEYS = ("orderSubscriptionSnapshot", "ordersSnapshot")
UPDATE_KEYS = ("orderSubscriptionUpdate", "orderUpdate")
DEFAULT_BOUND_SECONDS = 2.0
"""How late an update may be, after the cancel that caused it was answered (``--stream-bound``)."""
SNAPSHOT_SECONDS = 5.0
"""How long a subscription's snapshot may take to complete (``eof``)."""
OPEN_SECONDS = 10.0
NO_ROUTE_STATUSES = (404, 405, 410, 501)

ACCEPTED, NO_ROUTE, REFUSED = "accepted", "no route", "refused"


@dataclass(frozen=True)
class Handshake:
    """How the stream answered an opening handshake: accepted, no route, or refused (with why)."""

    outcome: str
    detail: str
    status: int | None = None


class StreamUnavailable(Exception):
    """A handshake was not accepted."""

    def __init__(self, handshake: Handshake) -> None:
        super().__init__(handshake.detail)
        self.handshake = handshake


@dataclass(frozen=True)
class Execution:
    """One order update: which subscription it names, its execution type and order id, when it arrived."""

    request_id: str | None
    type: object
    order_id: object
    at: float


@dataclass
class Snapshot:
    """What a subscription's snapshot listed, across all its messages."""

    request_id: str
    market_slugs: list[str] | None
    orders: list[dict] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    complete: bool = False
    error: dict | None = None  # an error message naming this subscription, instead of a snapshot

    @property
    def ids(self) -> list[object]:
        return [_key(order.get("id") if isinstance(order, dict) else order) for order in self.orders]


def _key(value: object) -> object:
    """An id as received, usable in sets (a server may send anything)."""
    return value if isinstance(value, (str, int, float, type(None))) else json.dumps(value, sort_keys=True)


def _payload(message: dict, keys: tuple[str, ...]) -> object:
    return next((message[key] for key in keys if key in message), None)


def fresh_request_id() -> str:
    return f"conformance-{uuid.uuid4()}"


class OrderStream:
    """One accepted connection, read in the background; everything it received is kept, with times."""

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection
        self._changed = threading.Condition()
        self.messages: list[tuple[float, object]] = []  # (arrival, parsed JSON or the raw text)
        self.snapshots: dict[str, Snapshot] = {}
        self.executions: list[Execution] = []
        self.closed = False
        self._reader = threading.Thread(target=self._read, name="order-stream", daemon=True)
        self._reader.start()

    # --- what the suite sends -------------------------------------------------

    def subscribe(self, market_slugs: list[str] | None = None, request_id: str | None = None,
                  timeout: float = SNAPSHOT_SECONDS) -> Snapshot:
        """Subscribe to orders; wait until the snapshot is complete (``eof``), an error names the subscription,
        or ``timeout`` passes."""
        request_id = request_id or fresh_request_id()
        subscribe: dict[str, object] = {"requestId": request_id, "subscriptionType": ORDER_SUBSCRIPTION}
        if market_slugs:
            subscribe["marketSlugs"] = market_slugs
        snapshot = Snapshot(request_id, market_slugs)
        with self._changed:
            self.snapshots[request_id] = snapshot
        self.send({"subscribe": subscribe})
        with self._changed:
            self._changed.wait_for(lambda: snapshot.complete or snapshot.error is not None or self.closed, timeout)
        return snapshot

    def unsubscribe(self, request_id: str) -> None:
        self.send({"unsubscribe": {"requestId": request_id}})

    def send(self, message: object) -> None:
        """Send a JSON message (or a text frame as is)."""
        try:
            self._connection.send(message if isinstance(message, str) else json.dumps(message))
        except ConnectionClosed:
            pass

    # --- what it received -----------------------------------------------------

    def updates(self, since: float = 0.0) -> list[Execution]:
        """The order updates received since ``since`` (monotonic), in arrival order."""
        with self._changed:
            return [e for e in self.executions if e.at >= since]

    def wait_for_cancels(self, expected: set[str], timeout: float) -> None:
        """Wait until a cancel update has come for each of ``expected``, the connection closed, or ``timeout`` passed."""
        with self._changed:
            self._changed.wait_for(
                lambda: self.closed or expected <= {e.order_id for e in self.executions if e.type == CANCELED}, timeout)

    def of_kind(self, test: Callable[[dict], bool]) -> list[dict]:
        with self._changed:
            return [m for _, m in self.messages if isinstance(m, dict) and test(m)]

    @property
    def heartbeats(self) -> int:
        return len(self.of_kind(lambda m: "heartbeat" in m))

    @property
    def errors(self) -> list[dict]:
        return self.of_kind(lambda m: bool(m.get("error")) and "heartbeat" not in m)

    def join(self) -> None:
        """Wait for the reader to see the connection closed."""
        self._reader.join(timeout=OPEN_SECONDS)

    # --- the reader thread ----------------------------------------------------

    def _read(self) -> None:
        try:
            for raw in self._connection:
                text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
                try:
                    message = json.loads(text)
                except ValueError:
                    message = text
                with self._changed:
                    self._take(time.monotonic(), message)
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self.closed = True
                self._changed.notify_all()

    def _take(self, at: float, message: object) -> None:
        self.messages.append((at, message))
        if not isinstance(message, dict) or "heartbeat" in message:
            return
        request_id = message.get("requestId")
        if message.get("error") and isinstance(request_id, str) and request_id in self.snapshots:
            self.snapshots[request_id].error = message
        snapshot, update = _payload(message, SNAPSHOT_KEYS), _payload(message, UPDATE_KEYS)
        if isinstance(snapshot, dict):
            target = self.snapshots.get(request_id) if isinstance(request_id, str) else None
            if target is None:  # no or a wrong requestId (judged elsewhere): the oldest one still open
                target = next((s for s in self.snapshots.values() if not s.complete), None)
            if target is not None:
                orders = snapshot.get("orders")
                target.orders.extend(orders if isinstance(orders, list) else [])
                target.messages.append(message)
                target.complete = target.complete or snapshot.get("eof") is True
        elif isinstance(update, dict):
            execution = update.get("execution")
            execution = execution if isinstance(execution, dict) else {}
            order = execution.get("order") if isinstance(execution.get("order"), dict) else {}
            self.executions.append(Execution(request_id if isinstance(request_id, str) else None,
                                             _key(execution.get("type")), _key(order.get("id")), at))


@contextmanager
def opened(us: UsTarget, headers: dict[str, str]) -> Iterator[tuple[Handshake, ClientConnection | None]]:
    """Open the stream with exactly ``headers``: how it answered, and the connection (closed after) when accepted."""
    url = us.stream_url
    try:
        connection = connect(url, additional_headers=headers, open_timeout=OPEN_SECONDS, max_size=None)
    except InvalidStatus as refused:
        status = refused.response.status_code
        if status in NO_ROUTE_STATUSES:
            yield Handshake(NO_ROUTE, f"no order stream at {url}: the handshake answered {status}", status), None
        else:
            yield Handshake(REFUSED, f"{url} refused the handshake with {status}", status), None
        return
    except InvalidHandshake as error:
        yield Handshake(REFUSED, f"{url} did not complete the handshake: {error}"), None
        return
    except (OSError, TimeoutError) as error:
        yield Handshake(NO_ROUTE, f"no order stream at {url}: {type(error).__name__}: {error}"), None
        return
    with connection:
        yield Handshake(ACCEPTED, f"{url} accepted the handshake", 101), connection


class Streams:
    """The order stream connections of one check, all closed at its end."""

    def __init__(self, us: UsTarget) -> None:
        self._us = us
        self._open: list[OrderStream] = []
        self._connections = ExitStack()

    def open(self, headers: dict[str, str]) -> OrderStream:
        """An accepted connection, or ``StreamUnavailable`` saying how the handshake was answered."""
        answer, connection = self._connections.enter_context(opened(self._us, headers))
        if connection is None:
            raise StreamUnavailable(answer)
        stream = OrderStream(connection)
        self._open.append(stream)
        return stream

    def close(self) -> None:
        self._connections.close()
        for stream in self._open:
            stream.join()

    def __enter__(self) -> Streams:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stream_headers(signer) -> dict[str, str]:
    """The REST auth headers over ``GET`` and the stream's path, as the official client signs its handshake."""
    return signer.headers("GET", US_STREAM_PATH)
