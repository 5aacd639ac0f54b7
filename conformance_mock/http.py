"""What every route shares: bounded, strict reading of requests, and JSON errors for anything malformed.

Limits, each answered with a 4xx and ``{"error": message}`` (never a 500, never a silently closed connection):

- the header block: at most ``MAX_HEADER_BYTES`` (431), enforced while parsing (``http_protocol``) and again
  before routing (``RequestLimits``), since a block that arrives in one read is never "incomplete" to h11;
- the body: at most ``MAX_BODY`` bytes (413), refused by its Content-Length before reading when it declares more;
- JSON: UTF-8, at most ``MAX_DEPTH`` levels deep (checked before ``json`` recurses), no ``NaN``/``Infinity``,
  no float that overflows, no integer past Python's digit limit, no lone surrogate (it cannot be sent back);
- the HTTP framing itself (a bad request line, Content-Length or chunk): 400 with ``Connection: close``,
  after which the connection is half-closed so the client reads the whole answer;
- a WebSocket handshake that is not one (no key, wrong version): websockets' own 4xx, its text as the JSON error;
  a WebSocket message past ``MAX_BODY`` closes the stream with 1009 (message too big).
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import json
import math
import re
from http import HTTPStatus
from itertools import accumulate

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_BODY = 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024
MAX_DEPTH = 32
LINGER_SECONDS = 2.0


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def read_body(request: Request) -> bytes:
    """The raw body, refused with 413 past ``MAX_BODY`` bytes (what is left unread, uvicorn discards)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and (len(declared) > 9 or int(declared) > MAX_BODY):
        raise HTTPException(413, f"body larger than {MAX_BODY} bytes")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise HTTPException(413, f"body larger than {MAX_BODY} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise HTTPException(400, "the client went away before the body was complete") from None
    return b"".join(chunks)


_ESCAPES = re.compile(rb"\\.", re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_PREFIX = 64 * 1024


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text ``raw`` nests arrays and objects more than ``limit`` levels; linear in its size.

    Brackets inside strings do not count. The first 64 KiB are looked at first: a body built to be deep
    is refused from them, and only a large body that is not gets read whole.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    return _exceeds(raw[:_PREFIX], limit) or (len(raw) > _PREFIX and _exceeds(raw, limit))


def _exceeds(raw: bytes, limit: int) -> bool:
    brackets = b"".join(_ESCAPES.sub(b"", raw).split(b'"')[::2]).translate(None, _NOT_BRACKETS)
    rest = brackets
    for _ in range(limit // 2):  # each pass takes away one or two levels: gone by then, it is shallow enough
        rest = rest.replace(b"[]", b"").replace(b"{}", b"")
        if not rest:
            return False
    depths = accumulate(map(_STEP.__getitem__, brackets))
    return next(filter(limit.__lt__, depths), None) is not None


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]}... is out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)


def parse_json(raw: bytes) -> object:
    """The body as JSON, or a 400 that says what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "body is not UTF-8") from None
    if too_deep(raw):
        raise HTTPException(400, f"body nests deeper than {MAX_DEPTH} levels")
    try:
        value = _DECODER.decode(text)
        if "\\u" in text:  # an escaped lone surrogate parses, but can never be encoded back
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise HTTPException(400, "body holds a lone UTF-16 surrogate") from None
    except ValueError as failure:  # JSONDecodeError, and integers past the int-string conversion limit
        raise HTTPException(400, f"body is not JSON: {str(failure)[:120]}") from None
    return value


async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """The router's answer when no route matches: a JSON 404, for a WebSocket handshake too (not a bare 403)."""
    await error(404, "Not Found")(scope, receive, send)


def is_json(connection: HTTPConnection) -> bool:
    return connection.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


class RequestLimits:
    """ASGI middleware: a header block past ``MAX_HEADER_BYTES`` gets 431 before any route reads it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = scope.get("headers", ())
        if scope["type"] != "lifespan" and sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES:
            await error(431, f"headers larger than {MAX_HEADER_BYTES} bytes")(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _raw_error(status: int, message: str) -> bytes:
    body = json.dumps({"error": message}).encode()
    head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
    return head.encode() + body


class _JsonProtocolErrors:
    """Mixin for uvicorn's HTTP protocols: a request that cannot be parsed gets a JSON 400 (431 for a header
    block too large), then a half-close, so the client reads the whole answer before the connection ends."""

    refused = False

    def refuse(self, status: int, message: str) -> None:
        self.refused = True
        self.transport.write(_raw_error(status, message))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)

    def data_received(self, data: bytes) -> None:
        if not self.refused:  # after a refusal, whatever else the client sends is read and dropped
            super().data_received(data)

    def handle_websocket_upgrade(self, *args: object) -> None:
        """uvicorn hands only the head of an upgrade to the WebSocket protocol: a body would be lost there."""
        if any(name == b"transfer-encoding" or (name == b"content-length" and value.strip(b" 0"))
               for name, value in self.headers):
            self.refuse(400, "a WebSocket handshake has no body")
            return
        super().handle_websocket_upgrade(*args)


def http_protocol(name: str = "auto") -> type:
    """uvicorn's HTTP/1.1 protocol ``name`` ("h11", "httptools", or "auto": httptools when installed), with JSON
    answers to malformed requests."""
    if name == "auto":
        name = "httptools" if importlib.util.find_spec("httptools") else "h11"
    if name == "h11":
        from uvicorn.protocols.http.h11_impl import H11Protocol

        class JsonH11Protocol(_JsonProtocolErrors, H11Protocol):
            def send_400_response(self, msg: str) -> None:
                buffered, _ = self.conn.trailing_data
                if len(buffered) > MAX_HEADER_BYTES:
                    self.refuse(431, f"headers larger than {MAX_HEADER_BYTES} bytes")
                else:
                    self.refuse(400, "malformed HTTP request")

        return JsonH11Protocol

    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class JsonHttpToolsProtocol(_JsonProtocolErrors, HttpToolsProtocol):
        header_bytes = 0

        def on_message_begin(self) -> None:
            self.header_bytes = 0
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            self._count(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count(len(name) + len(value))
            super().on_header(name, value)

        def _count(self, size: int) -> None:
            self.header_bytes += size
            if self.header_bytes > MAX_HEADER_BYTES:
                raise ValueError("header block too large")  # httptools turns it into an HttpParserError

        def send_400_response(self, msg: str) -> None:
            if self.header_bytes > MAX_HEADER_BYTES:
                self.refuse(431, f"headers larger than {MAX_HEADER_BYTES} bytes")
            else:
                self.refuse(400, "malformed HTTP request")

    return JsonHttpToolsProtocol


def websocket_protocol() -> type:
    """uvicorn's WebSocket protocol (websockets, sans-I/O), refusing a malformed handshake with a JSON error."""
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    class JsonWebSocketProtocol(WebSocketsSansIOProtocol):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            accept = self.conn.accept
            self.conn.accept = lambda request: _json_refusal(accept(request))

        async def send(self, message) -> None:
            await super().send(message)
            if message["type"] == "websocket.http.response.body" and not message.get("more_body"):
                self.handshake_complete = True  # uvicorn forgets to, then logs an error for each refused handshake

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            failure = self.conn.handshake_exc
            if failure is not None and not self.handshake_initiated and not self.transport.is_closing():
                # websockets could not even parse the handshake (a header it refuses): it would say nothing
                self.transport.write(_raw_error(400, f"malformed WebSocket handshake: {failure.__cause__ or failure}"))
                self.transport.close()

    return JsonWebSocketProtocol


def _json_refusal(response):
    """A websockets handshake ``response``; when it refuses, with its message as ``{"error": ...}``."""
    if response.status_code == 101:
        return response
    body = json.dumps({"error": response.body.decode(errors="replace").strip()}).encode()
    headers = response.headers.copy()
    for name in ("Content-Type", "Content-Length"):
        del headers[name]
    headers["Content-Type"] = "application/json"
    headers["Content-Length"] = str(len(body))
    return dataclasses.replace(response, headers=headers, body=body)
