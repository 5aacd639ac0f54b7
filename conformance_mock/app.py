"""One ASGI app: both cancel APIs and the control plane on one base URL."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from conformance_mock import clob, control, stream, us
from conformance_mock.accounts import load_accounts
from conformance_mock.faults import rules
from conformance_mock.http import RequestLimits, error, not_found
from conformance_mock.store import Store
from conformance_mock.transport import Transport, Wire

log = logging.getLogger("conformance_mock")
ORDERS_PAGE_SIZE = 100


async def _http_error(request: Request, exc: HTTPException) -> Response:
    return error(exc.status_code, exc.detail)


async def _bug(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error(500, "Internal server error")


def create_app(
    faults: Iterable[str] = (),
    control_plane: bool = True,
    accounts: str | None = None,
    orders_page_size: int = ORDERS_PAGE_SIZE,
    stream_style: str = "plain",
    wire: Wire = Wire(),
) -> ASGIApp:
    """The mock; ``faults`` (names from ``faults.FAULTS``) are for the project's self-tests only.

    Without ``control_plane`` every ``/_conformance`` path answers 404 and the mock looks like a live server;
    ``accounts`` (a file, see ``accounts.py``) gives it accounts and open orders from the start.
    ``orders_page_size`` is how many orders one page of ``GET /data/orders`` holds; ``stream_style``
    (``stream.STYLES``) is how the order stream delivers.
    ``wire`` is how it behaves on the wire (latency, rate limit, clock: ``transport.py``).
    """
    app = Starlette(
        routes=[*clob.routes, *us.routes, *stream.routes, *(control.routes if control_plane else [])],
        middleware=[Middleware(RequestLimits)],
        exception_handlers={HTTPException: _http_error, Exception: _bug},
    )
    app.router.default = not_found
    app.state.store = Store()
    if accounts:
        load_accounts(accounts, app.state.store)
    app.state.clob = rules(clob.ClobRules, faults)
    app.state.us = rules(us.UsRules, faults)
    app.state.stream = rules(stream.StreamRules, faults)
    app.state.stream_style = stream.STYLES[stream_style]
    app.state.orders_page_size = orders_page_size
    app.state.us.clock_offset_ms = round(wire.clock_offset * 1000)
    return Transport(app, wire)
