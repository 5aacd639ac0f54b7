"""What the strategies read from the specs, so that limits and shapes are never hand-copied."""

from __future__ import annotations

from functools import cache

import yaml

from conformance.catalogue import spec_path


@cache
def us_schemas() -> dict:
    return yaml.safe_load(spec_path("us").read_text())["components"]["schemas"]


def batch_limits() -> tuple[int, int]:
    """``minItems`` and ``maxItems`` of CancelOrderListRequest.orders."""
    orders = us_schemas()["CancelOrderListRequest"]["properties"]["orders"]
    return orders["minItems"], orders["maxItems"]


def entry_fields() -> dict[str, str]:
    """The required fields of CancelOrderRequestEntry and their JSON types."""
    entry = us_schemas()["CancelOrderRequestEntry"]
    return {name: entry["properties"][name]["type"] for name in entry["required"]}


def batch_key() -> str:
    """The one required property of CancelOrderListRequest (``orders``)."""
    (key,) = us_schemas()["CancelOrderListRequest"]["required"]
    return key


@cache
def us_security_headers() -> tuple[str, ...]:
    """The header names of the Ed25519 scheme, from ``components.securitySchemes``."""
    schemes = yaml.safe_load(spec_path("us").read_text())["components"]["securitySchemes"]
    return tuple(scheme["name"] for scheme in schemes.values())


@cache
def clob_security_headers() -> tuple[str, ...]:
    """The five L2 header names, from ``components.securitySchemes``."""
    schemes = yaml.safe_load(spec_path("clob").read_text())["components"]["securitySchemes"]
    return tuple(scheme["name"] for scheme in schemes.values())
