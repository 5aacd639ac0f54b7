"""One ASGI app: both cancel APIs and the control plane on one base URL."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from conformance_mock import clob, control, stream, us
from conformance_mock.faults import rules
from conformance_mock.http import error
from conformance_mock.store import Store

log = logging.getLogger("conformance_mock")


async def _http_error(request: Request, exc: HTTPException) -> Response:
    return error(exc.status_code, exc.detail)


async def _bug(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error(500, "Internal server error")


def create_app(faults: Iterable[str] = (), control_plane: bool = True, stream_style: str = "plain") -> Starlette:
    """The mock; ``faults`` (names from ``faults.FAULTS``) are for the project's self-tests only.

    Without ``control_plane``, ``POST /_conformance/reset`` answers 404 and the mock looks like a live server;
    ``stream_style`` (``stream.STYLES``) is how the order stream delivers.
    """
    app = Starlette(
        routes=[*clob.routes, *us.routes, *stream.routes, *control.routes],
        exception_handlers={HTTPException: _http_error, Exception: _bug},
    )
    app.state.store = Store()
    app.state.clob = rules(clob.ClobRules, faults)
    app.state.us = rules(us.UsRules, faults)
    app.state.stream = rules(stream.StreamRules, faults)
    app.state.stream_style = stream.STYLES[stream_style]
    app.state.control_plane = control_plane
    return app
