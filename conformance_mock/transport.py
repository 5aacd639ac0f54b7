"""How the mock behaves on the wire, as staging servers do: one ASGI middleware around the app.

Options of a correct server (``conformance-mock --latency --rate-limit --burst --clock-offset``),
all on the two public APIs (the control plane answers at once):

- latency: every answer waits this long;
- a token bucket per API: past it, ``429`` with ``Retry-After`` (whole seconds, RFC 9110 §10.2.3);
- a clock offset: the mock's clock (its ``Date`` header and the US timestamp window) runs this far
  from the host's. uvicorn must not add its own ``Date`` (``date_header=False``);
- no ``Date`` at all, as RFC 9110 §6.6.1 allows a server without a reliable clock.

And what a fault asks for by raising (faults.py, transport section):

- ``Unanswered``: the request is never answered; the connection stays open until the client gives up;
- ``ConnectionReset``: the connection is reset (TCP RST) instead of answered.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import math
import socket
import struct
import time
from dataclasses import dataclass, field

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Unanswered(BaseException):
    """Raised by a fault: leave the request unanswered.

    A ``BaseException`` so that Starlette's error handlers (``except Exception``) let it reach the middleware.
    """


class ConnectionReset(BaseException):
    """Raised by a fault: reset the connection instead of answering."""


@dataclass(frozen=True)
class Wire:
    """The transport options; the defaults are a fast server with no limit and the host's clock."""

    latency: float = 0.0  # seconds
    rate_limit: float | None = None  # requests per second per API
    burst: int | None = None  # the bucket's size (default: one second's worth)
    clock_offset: float = 0.0  # seconds the mock's clock runs ahead of the host's (negative: behind)
    date: bool = True  # send a Date header

    def now(self) -> float:
        return time.time() + self.clock_offset

    @functools.lru_cache(maxsize=2)
    def date_header(self, second: int) -> bytes:
        """The ``Date`` header for a whole second of the mock's clock (formatted once per second)."""
        return email.utils.formatdate(second, usegmt=True).encode()


@dataclass
class TokenBucket:
    rate: float
    size: float
    tokens: float = 0.0
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.size

    def take(self) -> float:
        """0 when a request may pass (and takes its token), else the seconds until one could."""
        now = time.monotonic()
        self.tokens = min(self.size, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def api_of(path: str) -> str | None:
    """Which public API a path belongs to (its own bucket), or None for the control plane."""
    if path.startswith("/_conformance"):
        return None
    return "us" if path.startswith("/v1/") else "clob"


def _reset(send: Send) -> None:
    """Abort the connection with a TCP RST. Needs uvicorn's own ``send``, whose cycle holds the transport."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise RuntimeError("ConnectionReset needs the mock served by uvicorn")
    sock = transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class Transport:
    """The ASGI middleware: latency, rate limit and ``Date`` on the way in and out; hangs and resets for faults."""

    def __init__(self, app: ASGIApp, wire: Wire) -> None:
        self.app = app
        self.wire = wire
        self.buckets = {}
        if wire.rate_limit:
            size = wire.burst or max(1, math.ceil(wire.rate_limit))
            self.buckets = {api: TokenBucket(wire.rate_limit, size) for api in ("clob", "us")}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                if self.wire.date:
                    headers.append((b"date", self.wire.date_header(int(self.wire.now()))))
                message = {**message, "headers": headers}
            await send(message)

        api = api_of(scope["path"])
        if api is not None:
            if self.wire.latency:
                await asyncio.sleep(self.wire.latency)
            wait = self.buckets[api].take() if self.buckets else 0.0
            if wait:
                limited = JSONResponse({"error": "Too many requests"}, 429, {"Retry-After": str(math.ceil(wait))})
                await limited(scope, receive, send_dated)
                return
        try:
            await self.app(scope, receive, send_dated)
        except Unanswered:
            while (await receive())["type"] != "http.disconnect":
                pass
        except ConnectionReset:
            _reset(send)
            await asyncio.sleep(0)  # let the server see the connection lost before the app returns
