"""CLOB ``DELETE /cancel-all``: "Cancels all open orders for the authenticated user. Works even in cancel-only mode.\""""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from conformance_mock.auth import HTTP_METHODS, AuthError, clob_signature_matches, expected_clob_signature
from conformance_mock.http import error, read_body
from conformance_mock.store import CANCELED, ClobAccount, Store

L2_HEADERS = ("POLY_API_KEY", "POLY_ADDRESS", "POLY_SIGNATURE", "POLY_PASSPHRASE", "POLY_TIMESTAMP")
DISABLED = "Trading is currently disabled. Check polymarket.com for updates"


def authenticate(request: Request, body: bytes, store: Store, faults: frozenset[str]) -> ClobAccount:
    """The five L2 headers: the key exists, passphrase and address belong to it, the HMAC matches."""
    values = {name: request.headers.get(name, "") for name in L2_HEADERS}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise AuthError(f"missing {', '.join(missing)}")
    if "clob-finds-account-by-address" in faults:
        address = values["POLY_ADDRESS"].lower()
        account = next((a for a in store.clob_accounts.values() if a.address.lower() == address), None)
    else:
        account = store.clob_accounts.get(values["POLY_API_KEY"])
    if account is None:
        raise AuthError("Invalid API key")
    if "clob-ignores-passphrase" not in faults and not clob_signature_matches(values["POLY_PASSPHRASE"], account.passphrase):
        raise AuthError("Invalid API key")
    if "clob-ignores-address" not in faults and values["POLY_ADDRESS"].lower() != account.address.lower():
        raise AuthError("address does not match the API key")
    if not values["POLY_TIMESTAMP"].isascii() or not values["POLY_TIMESTAMP"].isdigit():
        raise AuthError("POLY_TIMESTAMP must be a Unix timestamp")
    if "clob-skips-signature-check" in faults:
        return account
    methods = HTTP_METHODS if "clob-signature-ignores-method" in faults else (request.method,)
    path = "" if "clob-rejects-valid-signatures" in faults else request.url.path
    expected = (expected_clob_signature(account.secret, values["POLY_TIMESTAMP"], m, path, body) for m in methods)
    if not any(clob_signature_matches(values["POLY_SIGNATURE"], e) for e in expected):
        raise AuthError("Invalid signature")
    return account


async def cancel_all(request: Request) -> Response:
    store: Store = request.app.state.store
    faults: frozenset[str] = request.app.state.faults
    body = await read_body(request)
    try:
        account = authenticate(request, body, store, faults)
    except AuthError as failure:
        if "clob-error-body-not-json" in faults:
            return PlainTextResponse("Unauthorized", status_code=401)
        return error(401, str(failure))
    mode = store.modes["clob"]
    if (mode == "disabled" and "clob-disabled-still-cancels" not in faults) or (
        mode == "cancel-only" and "clob-cancel-only-blocks-cancels" in faults
    ):
        return error(503, DISABLED)

    def mine(order) -> bool:
        return order.api == "clob" and ("clob-cancels-other-accounts" in faults or order.account == account.api_key)

    if "clob-reports-without-canceling" in faults:
        canceled = [o for o in store.orders_of(account.api_key) if o.api == "clob" and o.cancelable]
        stuck = [o for o in store.orders_of(account.api_key) if o.state == "open" and o.uncancelable_reason]
    else:
        canceled, stuck = store.cancel_where(mine)
    listed = [o.id for o in canceled]
    not_canceled = {o.id: o.uncancelable_reason for o in stuck}
    if "clob-uncancelable-listed-as-canceled" in faults:
        listed += list(not_canceled)
        not_canceled = {}
    if "clob-relists-canceled-orders" in faults:
        listed = [o.id for o in store.orders_of(account.api_key) if o.api == "clob" and o.state == CANCELED]
    if "clob-truncates-canceled-list" in faults:
        listed = listed[:3]
    answer = {"canceled": listed, "not_canceled": not_canceled}
    if "clob-omits-empty-not-canceled" in faults and not not_canceled:
        del answer["not_canceled"]
    return JSONResponse(answer)


routes = [Route("/cancel-all", cancel_all, methods=["DELETE"])]
