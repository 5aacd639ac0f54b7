"""The server under the app: uvicorn's protocols, so that what HTTP itself cannot parse still gets a JSON 4xx.

Measured on uvicorn 0.54 (h11 0.16, httptools 0.9, websockets 17) before these subclasses:

- a request h11 or httptools cannot parse (bad request line, Content-Length or chunk; for httptools also
  control bytes in a header and unknown methods) got a text/plain 400; now ``{"error"}`` with
  ``Connection: close``, then a half-close and a short linger, so that a client still sending reads the answer
  instead of a reset (a 1 MB header block used to end in one);
- h11's 16 KiB header limit applies only to a block split across reads, and httptools has none (1 MB of headers
  reached the app): httptools now counts while parsing (431), and ``http.RequestLimits`` catches the rest;
- uvicorn hands a WebSocket upgrade to websockets as its head alone: a body was lost and the handshake hung,
  and a header websockets refuses (a control byte) ended in silence; both now get a JSON 400. Handshakes
  websockets refuses (no key, version 99, POST) get their message as a JSON error; uvicorn also forgot to
  mark a denied handshake complete and logged an error for each, which ``send`` fixes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import json
from http import HTTPStatus

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from conformance_mock.http import MAX_HEADER_BYTES

LINGER_SECONDS = 2.0


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

        class JsonH11Protocol(_JsonProtocolErrors, H11Protocol):
            def send_400_response(self, msg: str) -> None:
                buffered, _ = self.conn.trailing_data
                if len(buffered) > MAX_HEADER_BYTES:
                    self.refuse(431, f"headers larger than {MAX_HEADER_BYTES} bytes")
                else:
                    self.refuse(400, "malformed HTTP request")

        return JsonH11Protocol

    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol  # httptools is optional

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
