"""What the strategies read from the specs, so that limits and shapes are never hand-copied."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import yaml

from conformance.catalogue import spec_path, specs_dir

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
"""The methods a request can carry a body with; each path is judged for every one of them."""


@cache
def document(name: str) -> dict:
    """A spec by name: "clob", "us" (the two documented APIs) or "control-plane"."""
    path = specs_dir() / "control-plane.yaml" if name == "control-plane" else spec_path(name)
    return yaml.safe_load(path.read_text())


def resolve(name: str, node: dict, where: str) -> tuple[dict, str]:
    """``node`` with its ``$ref`` followed (within the document), and the pointer it now lives at."""
    while "$ref" in node:
        where = node["$ref"].removeprefix("#")
        node = document(name)
        for part in where.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, where


def operations(name: str) -> Iterator[tuple[str, str, dict | None]]:
    """Every (path, method, operation or None when the path does not declare that method)."""
    for path, item in document(name)["paths"].items():
        for method in HTTP_METHODS:
            yield path, method, item.get(method)


@cache
def us_schemas() -> dict:
    return document("us")["components"]["schemas"]


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


def security_schemes(name: str) -> dict[str, str]:
    """``components.securitySchemes``: scheme key → the header it names."""
    return {key: scheme["name"] for key, scheme in document(name)["components"]["securitySchemes"].items()}


@cache
def us_security_headers() -> tuple[str, ...]:
    """The header names of the Ed25519 scheme, from ``components.securitySchemes``."""
    return tuple(security_schemes("us").values())


@cache
def clob_security_headers() -> tuple[str, ...]:
    """The five L2 header names, from ``components.securitySchemes``."""
    return tuple(security_schemes("clob").values())
