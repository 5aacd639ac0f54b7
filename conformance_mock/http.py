"""What every route shares: bounded body reading and JSON errors."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse

MAX_BODY = 1024 * 1024


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def read_body(request: Request) -> bytes:
    """The raw body, refused with 413 past 1 MiB."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPException(413, f"body larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> object:
    """The body as JSON, or a 400."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "body is not UTF-8 JSON") from None


def is_json(connection: HTTPConnection) -> bool:
    return connection.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"
