"""The conformance control plane, exactly as shared/design/control-plane.md writes it."""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance_mock.http import error, parse_json, read_body
from conformance_mock.store import MODES, Store

APIS = ("clob", "us")
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def _store(request: Request) -> Store:
    return request.app.state.store


async def _json_object(request: Request) -> dict:
    body = parse_json(await read_body(request))
    if not isinstance(body, dict):
        raise HTTPException(400, "body must be a JSON object")
    return body


def _api(value: object) -> str:
    if value not in APIS:
        raise HTTPException(400, 'api must be "clob" or "us"')
    return value


async def reset(request: Request) -> Response:
    _store(request).reset()
    return Response(status_code=204)


async def create_account(request: Request) -> Response:
    body = await _json_object(request)
    api = _api(body.get("api"))
    store = _store(request)
    if api == "us":
        account = store.new_us_account()
        return JSONResponse({"api": "us", "keyId": account.key_id, "secretKey": account.secret_key}, 201)
    address = body.get("address")
    if address is not None and not (isinstance(address, str) and ADDRESS.fullmatch(address)):
        raise HTTPException(400, "address must be 0x followed by 40 hex digits")
    clob = store.new_clob_account(address)
    return JSONResponse(
        {"api": "clob", "apiKey": clob.api_key, "secret": clob.secret, "passphrase": clob.passphrase,
         "address": clob.address},
        201,
    )


async def orders(request: Request) -> Response:
    store = _store(request)
    if request.method in ("GET", "HEAD"):
        api, account = _api(request.query_params.get("api")), request.query_params.get("account")
        if not account:
            raise HTTPException(400, "account is required")
        if not store.account_exists(api, account):
            return error(404, "unknown account")
        listed = [{"id": o.id, "marketSlug": o.market_slug, "state": o.state}
                  for o in store.orders_of(account) if o.api == api]
        return JSONResponse({"orders": listed})
    body = await _json_object(request)
    api, account, entries = _api(body.get("api")), body.get("account"), body.get("orders")
    if not isinstance(account, str) or not isinstance(entries, list):
        raise HTTPException(400, "account must be a string and orders an array")
    for entry in entries:
        if not isinstance(entry, dict) or any(
            not isinstance(entry.get(k, ""), str) for k in ("marketSlug", "uncancelableReason")
        ):
            raise HTTPException(400, "each order is an object with optional string marketSlug and uncancelableReason")
    if not store.account_exists(api, account):
        return error(404, "unknown account")
    created = store.add_orders(api, account, entries)
    return JSONResponse({"orders": [{"id": o.id, "marketSlug": o.market_slug} for o in created]}, 201)


async def trading_mode(request: Request) -> Response:
    body = await _json_object(request)
    api, mode = _api(body.get("api")), body.get("mode")
    if mode not in MODES:
        raise HTTPException(400, f"mode must be one of {', '.join(MODES)}")
    _store(request).modes[api] = mode
    return Response(status_code=204)


routes = [
    Route("/_conformance/reset", reset, methods=["POST"]),
    Route("/_conformance/accounts", create_account, methods=["POST"]),
    Route("/_conformance/orders", orders, methods=["GET", "POST"]),
    Route("/_conformance/trading-mode", trading_mode, methods=["PUT"]),
]
