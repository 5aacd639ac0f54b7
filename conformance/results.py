"""Reading the documented answers; a body of the wrong shape fails the schema requirement."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.exchange import Exchange
from conformance.verdict import require


@dataclass
class CancelResult:
    """A CLOB CancelOrdersResponse."""

    canceled: list[str]
    not_canceled: dict[str, str]


def cancel_result(exchange: Exchange) -> CancelResult:
    body = exchange.json()
    require(
        "CLOB-CA-010",
        isinstance(body, dict)
        and isinstance(body.get("canceled"), list)
        and isinstance(body.get("not_canceled"), dict),
        expected="a CancelOrdersResponse: {canceled: [ids], not_canceled: {id: reason}}",
        exchange=exchange,
    )
    return CancelResult(body["canceled"], body["not_canceled"])


def echo_of(exchange: Exchange) -> list[str]:
    """``canceledOrderIds`` of a US 200 answer."""
    body = exchange.json()
    ids = body.get("canceledOrderIds", []) if isinstance(body, dict) else None
    require(
        "US-BC-005",
        isinstance(ids, list) and all(isinstance(i, str) for i in ids),
        expected="a CancelOrderListResponse: an object whose canceledOrderIds is an array of strings",
        exchange=exchange,
    )
    require(
        "US-BC-006",
        "canceledOrderIds" in body,
        expected="canceledOrderIds, the echo of the request's orderIds",
        exchange=exchange,
    )
    return ids
