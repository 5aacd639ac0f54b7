"""The ceiling for this stack: the least a Starlette + uvicorn server must do per batched cancel.

    python benchmarks/bare_starlette.py --port 8001 --keys keys.json [--http auto|h11|httptools]

One route, ``POST /v1/orders/batched/cancel``: the key looked up by
``X-PM-Access-Key`` in ``keys.json`` (key id -> hex Ed25519 public key), one
Ed25519 verification of ``timestamp + method + path``, the body parsed as
JSON, the ids echoed. No store, no timestamp window, no validation: what
``throughput.py`` compares the mock with.
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

import uvicorn
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def create_app(public_keys: dict[str, bytes]) -> Starlette:
    keys = {key_id: VerifyKey(public_key) for key_id, public_key in public_keys.items()}

    async def batched_cancel(request: Request) -> JSONResponse:
        body = await request.body()
        headers = request.headers
        key = keys.get(headers.get("x-pm-access-key", ""))
        message = (headers.get("x-pm-timestamp", "") + request.method + request.url.path).encode()
        try:
            if key is None:
                raise ValueError("unknown key")
            key.verify(message, base64.b64decode(headers.get("x-pm-signature", "")))
        except (BadSignatureError, ValueError):
            return JSONResponse({"error": "invalid signature"}, 401)
        return JSONResponse({"canceledOrderIds": [entry["orderId"] for entry in json.loads(body)["orders"]]})

    return Starlette(routes=[Route("/v1/orders/batched/cancel", batched_cancel, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--keys", type=Path, required=True, help="JSON file: key id -> hex Ed25519 public key")
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"])
    args = parser.parse_args()
    app = create_app({key_id: bytes.fromhex(key) for key_id, key in json.loads(args.keys.read_text()).items()})
    uvicorn.run(app, host="127.0.0.1", port=args.port, http=args.http, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
