"""What every route shares: bounded, strict reading of requests, and JSON errors for anything malformed.

Limits, each answered with a 4xx and ``{"error": message}``, on a connection that stays usable:

- the header block: at most ``MAX_HEADER_BYTES`` (431), here before routing (``RequestLimits``) and also while
  parsing (``server.py``), since a block that arrives in one read is never "incomplete" to h11;
- the body: at most ``MAX_BODY`` bytes (413), refused by its Content-Length before reading when it declares more
  (uvicorn reads and drops the rest, so the connection goes on);
- JSON: UTF-8, at most ``MAX_DEPTH`` levels deep (checked before ``json`` recurses), no ``NaN``/``Infinity``,
  no float that overflows, no integer past Python's digit limit, no lone surrogate (it cannot be sent back).

What HTTP itself cannot parse is answered in ``server.py``.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_BODY = 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024
MAX_DEPTH = 32


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def read_body(request: Request) -> bytes:
    """The raw body, refused with 413 past ``MAX_BODY`` bytes (what is left unread, uvicorn discards)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and (len(declared) > 9 or int(declared) > MAX_BODY):
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
