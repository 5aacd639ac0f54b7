"""Requests the specs do not declare, generated from what they do declare: other methods, and bodies where none is.

Each path is sent every method it does not declare (they must cancel nothing),
and ``DELETE /cancel-all``, which declares no body, is sent bodies: those the
CLOB's neighbouring cancel endpoints take (one order, some orders, one market),
which a handler shared with them might honour, and any other JSON.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from conformance.target import CLOB_PATH
from strategies.coverage import covers, pointer
from strategies.spec import operations

OTHER_METHOD_REQUIREMENT = {"clob": "CLOB-CA-042", "us": "US-BC-053"}


def other_methods(document: str) -> list[tuple[str, str]]:
    """(path, METHOD) for every method a path of ``document`` does not declare."""
    return [(path, method.upper()) for path, method, operation in operations(document) if operation is None]


for _document, _rid in OTHER_METHOD_REQUIREMENT.items():
    for _path, _method in other_methods(_document):
        covers(_document, pointer("paths", _path, _method.lower()), _rid)

def _json_bytes(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


NEIGHBOUR_BODIES = [
    _json_bytes(value)
    for value in ({"orderID": "0x" + "ab" * 32}, ["0x" + "ab" * 32], {"market": "0x" + "cd" * 32, "asset_id": "1"}, {})
]
"""The bodies of ``DELETE /order``, ``DELETE /orders`` and ``DELETE /cancel-market-orders``, and an empty object."""

covers("clob", pointer("paths", CLOB_PATH, "delete", "requestBody"), "CLOB-CA-008", "CLOB-CA-040")


def cancel_all_bodies() -> st.SearchStrategy[bytes]:
    """Bodies for ``DELETE /cancel-all``: the neighbouring endpoints' first, then any JSON."""
    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=6,
    )
    return st.one_of(st.sampled_from(NEIGHBOUR_BODIES), values.map(_json_bytes))
