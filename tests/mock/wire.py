"""HTTP/1.1 on a raw socket: requests written byte for byte (nothing refused on the client's side), answers
read with h11, and a connection that ends without a complete answer reported as such, not raised.

Shared by the robustness tests and ``benchmarks/fuzz_mock.py``.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

import h11

STREAM = "/v1/ws/private"
TIMEOUT = 10.0
IDLE_SECONDS = 3.0  # uvicorn closes a keep-alive connection idle for 5 s


@dataclass
class Request:
    method: bytes
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""
    framing: str = "length"  # "chunked", or "raw": the headers as given (no length), the body as is
    one_shot: bool = False  # framing the server cannot read on after: send it on a connection of its own


@dataclass
class Answer:
    status: int
    headers: dict[bytes, bytes]
    body: bytes

    @property
    def closes(self) -> bool:
        return self.headers.get(b"connection", b"").lower() == b"close"


def encode(request: Request) -> bytes:
    headers = list(request.headers)
    body = request.body
    if request.framing == "length":
        headers.append((b"content-length", str(len(body)).encode()))
    elif request.framing == "chunked":
        headers.append((b"transfer-encoding", b"chunked"))
        body = (b"%x\r\n" % len(body) + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
    head = request.method + b" " + request.target + b" HTTP/1.1\r\n"
    return head + b"".join(name + b": " + value + b"\r\n" for name, value in headers) + b"\r\n" + body


class Wire:
    """One keep-alive connection to the server, reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.last_used = 0.0
        self.opened = 0

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def exchange(self, request: Request) -> Answer | str:
        """The server's answer, or why there was none."""
        if request.one_shot or time.monotonic() - self.last_used > IDLE_SECONDS:
            self.close()
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)
            self.opened += 1
        try:
            try:
                self.sock.sendall(encode(request))
            except OSError:
                pass  # the server may have answered already and stopped reading: read what it said
            answer = self._read(request)
        except (OSError, h11.ProtocolError) as failure:
            self.close()
            return f"{type(failure).__name__}: {failure}"
        finally:
            self.last_used = time.monotonic()
        if isinstance(answer, str) or request.one_shot or answer.closes or answer.status == 101:
            self.close()
        return answer

    def _read(self, request: Request) -> Answer | str:
        client = h11.Connection(h11.CLIENT)
        asks_upgrade = any(name.lower() == b"upgrade" for name, _ in request.headers)
        upgrade = [(b"connection", b"upgrade"), (b"upgrade", b"websocket")] if asks_upgrade else []
        client.send(h11.Request(method="HEAD" if request.method == b"HEAD" else "GET", target="/",
                                headers=[(b"host", b"x"), *upgrade]))
        client.send(h11.EndOfMessage())
        status, headers, body = None, {}, b""
        while True:
            event = client.next_event()
            if event is h11.NEED_DATA:
                data = self.sock.recv(65536)
                if not data and status is None:
                    return "closed without an answer"
                client.receive_data(data)
            elif isinstance(event, h11.InformationalResponse):
                if event.status_code == 101:
                    return Answer(101, dict(event.headers), b"")
            elif isinstance(event, h11.Response):
                status, headers = event.status_code, dict(event.headers)
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)) or event is h11.PAUSED:
                return Answer(status, headers, body)
