"""Batched-cancel bodies built from CancelOrderListRequest: valid, oversized, empty, and broken."""

from __future__ import annotations

import json
import uuid

from hypothesis import strategies as st

from strategies.spec import batch_key, batch_limits, entry_fields

MIN_ENTRIES, MAX_ENTRIES = batch_limits()

# Ids and slugs: plain, unicode, and odd-but-valid strings.
text_ids = st.one_of(
    st.uuids().map(str),
    st.text(min_size=1, max_size=40),
    st.sampled_from(["0", " ", "ü-ñ-漢字", "\u0000", "a" * 200]),
)
unknown_ids = st.uuids().map(lambda u: f"unknown-{u}")
slugs = st.one_of(st.sampled_from(["mock-market-1", "us-election-2028"]), st.text(min_size=1, max_size=30))


def entry(order_id: str, market_slug: str) -> dict[str, str]:
    """One CancelOrderRequestEntry, with the field names the spec requires."""
    fields = list(entry_fields())
    return dict(zip(fields, (order_id, market_slug), strict=True))


def body(entries: list[dict]) -> dict:
    return {batch_key(): entries}


def entries_of(ids: st.SearchStrategy[str], min_size: int, max_size: int) -> st.SearchStrategy[list[dict]]:
    return st.lists(st.builds(entry, ids, slugs), min_size=min_size, max_size=max_size)


def valid_bodies(ids: st.SearchStrategy[str] = unknown_ids) -> st.SearchStrategy[dict]:
    """A well-formed body of MIN..MAX entries."""
    return entries_of(ids, MIN_ENTRIES, MAX_ENTRIES).map(body)


def oversized_bodies(ids: st.SearchStrategy[str] = unknown_ids) -> st.SearchStrategy[dict]:
    """A body of MAX+1 up to a few hundred otherwise valid entries."""
    return st.integers(MAX_ENTRIES + 1, 400).flatmap(lambda n: entries_of(ids, n, n)).map(body)


# Values of every JSON type but the expected one.
_JSON_VALUES = {
    "string": st.text(max_size=10),
    "integer": st.integers(),
    "number": st.floats(allow_nan=False, allow_infinity=False),
    "boolean": st.booleans(),
    "null": st.none(),
    "array": st.lists(st.integers(), max_size=2),
    "object": st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
}


def wrong_type(expected: str) -> st.SearchStrategy[object]:
    return st.one_of(*(strategy for name, strategy in _JSON_VALUES.items() if name != expected))


def broken_entries() -> st.SearchStrategy[object]:
    """An entry that fails request-shape validation: a required field missing or mistyped, or not an object."""
    fields = entry_fields()

    def without(name: str) -> st.SearchStrategy[dict]:
        return st.builds(entry, text_ids, slugs).map(lambda e: {k: v for k, v in e.items() if k != name})

    def mistyped(name: str) -> st.SearchStrategy[dict]:
        return st.tuples(st.builds(entry, text_ids, slugs), wrong_type(fields[name])).map(
            lambda pair: {**pair[0], name: pair[1]}
        )

    return st.one_of(
        *(without(name) for name in fields),
        *(mistyped(name) for name in fields),
        wrong_type("object"),
    )


def bodies_with_one_broken_entry(valid: list[dict]) -> st.SearchStrategy[dict]:
    """``valid`` entries with one broken entry inserted somewhere: the whole batch must be rejected."""
    return st.tuples(broken_entries(), st.integers(0, len(valid))).map(
        lambda pair: body(valid[: pair[1]] + [pair[0]] + valid[pair[1] :])
    )


def malformed_bodies() -> st.SearchStrategy[object]:
    """JSON values that are not a CancelOrderListRequest: empty batch, no ``orders``, wrong top-level types."""
    key = batch_key()
    return st.one_of(
        st.just({key: []}),
        st.just({}),
        st.dictionaries(st.text(max_size=8).filter(lambda k: k != key), st.integers(), min_size=1, max_size=3),
        st.builds(lambda v: {key: v}, wrong_type("array")),
        wrong_type("object"),
    )


def raw_garbage() -> st.SearchStrategy[bytes]:
    """Request bytes that are not JSON at all (or not UTF-8)."""
    return st.one_of(
        st.just(b""),
        st.just(b"{"),
        st.just(b"\xff\xfe\x00"),
        st.binary(min_size=1, max_size=40).filter(_not_json),
        st.text(min_size=1, max_size=40).map(str.encode).filter(_not_json),
    )


def _not_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return True
    return False


def fresh_unknown_id() -> str:
    return f"unknown-{uuid.uuid4()}"
