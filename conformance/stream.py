"""The Polymarket US private order stream, as the documentation says to observe outcomes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from conformance.signing import UsSigner
from conformance.target import US_STREAM_PATH, UsTarget

CANCELED = "EXECUTION_TYPE_CANCELED"


class StreamRefused(Exception):
    """The private order stream did not accept a correctly signed handshake."""


class OrderStream:
    """A ``SUBSCRIPTION_TYPE_ORDER`` subscription: a snapshot, then order updates."""

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection
        self.request_id = f"conformance-{uuid.uuid4()}"

    def subscribe(self, timeout: float) -> list[dict]:
        """Subscribe and return the snapshot of open orders."""
        request = {"subscribe": {"requestId": self.request_id, "subscriptionType": "SUBSCRIPTION_TYPE_ORDER"}}
        self._connection.send(json.dumps(request))
        for message in self._messages(timeout):
            snapshot = message.get("orderSubscriptionSnapshot")
            if snapshot is not None:
                return snapshot.get("orders", [])
        return []

    def canceled_ids(self, expected: set[str], timeout: float) -> set[str]:
        """Order ids reported canceled, until all of ``expected`` are seen or ``timeout`` passes."""
        seen: set[str] = set()
        for message in self._messages(timeout):
            execution = (message.get("orderSubscriptionUpdate") or {}).get("execution") or {}
            if execution.get("type") == CANCELED:
                seen.add((execution.get("order") or {}).get("id"))
            if expected <= seen:
                break
        return seen

    def canceled_updates(self, expected: set[str], timeout: float) -> list[str]:
        """Ids of every cancel update, in arrival order and with repeats: those already received,
        then more until all of ``expected`` are seen or ``timeout`` passes."""
        reported: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            wait = 0.0 if expected <= set(reported) else max(0.0, deadline - time.monotonic())
            try:
                raw = self._connection.recv(timeout=wait)
            except (TimeoutError, ConnectionClosed):
                return reported
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            update = message.get("orderSubscriptionUpdate") if isinstance(message, dict) else None
            execution = (update or {}).get("execution") or {}
            if execution.get("type") == CANCELED:
                reported.append((execution.get("order") or {}).get("id"))

    def _messages(self, timeout: float) -> Iterator[dict]:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = self._connection.recv(timeout=left)
            except (TimeoutError, ConnectionClosed):
                return
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if isinstance(message, dict):
                yield message


@contextmanager
def order_stream(us: UsTarget, signer: UsSigner) -> Iterator[OrderStream]:
    headers = signer.headers("GET", US_STREAM_PATH)
    try:
        connection = connect(us.stream_url, additional_headers=headers, open_timeout=10)
    except (InvalidStatus, OSError) as error:
        raise StreamRefused(f"{us.stream_url} refused the handshake: {error}") from None
    with connection:
        yield OrderStream(connection)
