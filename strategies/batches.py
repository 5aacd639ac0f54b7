"""Batched-cancel bodies, generated from CancelOrderListRequest: on both sides of each of its constraints.

Every constraint of the request body is declared (``strategies.coverage``) with
the requirement that judges its cases: an input the schema refuses is a 400
(US-BC-003; past ``maxItems`` US-BC-002; inside one entry also US-BC-004), one it
allows must be accepted (US-BC-001), an extra property is reported (US-BC-019).
"""

from __future__ import annotations

import json
import uuid

from hypothesis import strategies as st

from conformance.target import US_PATH
from strategies.constraints import INSIDE, OPEN, OUTSIDE, Case, random_cases, sample, schema_cases
from strategies.coverage import covers, pointer
from strategies.spec import batch_key, batch_limits, document, entry_fields

MIN_ENTRIES, MAX_ENTRIES = batch_limits()

REQUEST_BODY = pointer("paths", US_PATH, "post", "requestBody")
_request = document("us")["paths"][US_PATH]["post"]["requestBody"]
(MEDIA_TYPE,) = _request["content"]
SCHEMA_AT = f"{REQUEST_BODY}/content/{MEDIA_TYPE.replace('/', '~1')}/schema"
_schema = _request["content"][MEDIA_TYPE]["schema"]

BOUNDARY: list[Case] = list(schema_cases("us", _schema, SCHEMA_AT))
"""The boundary cases of every constraint of the request body, in schema order."""


def judged_by(case: Case) -> tuple[str, ...]:
    """The requirements that judge a case."""
    if case.side == OPEN:
        return ("US-BC-019",)
    if case.side == INSIDE:
        return ("US-BC-001",)
    if case.pointer.endswith("/maxItems"):
        return ("US-BC-002",)
    return ("US-BC-003", "US-BC-004") if case.in_item else ("US-BC-003",)


for _case in BOUNDARY:
    covers("us", _case.pointer, *judged_by(_case))
if _request.get("required"):
    covers("us", f"{REQUEST_BODY}/required", "US-BC-003")  # raw_garbage: no body at all
covers("us", f"{REQUEST_BODY}/content/{MEDIA_TYPE.replace('/', '~1')}", "US-BC-057")


def boundary(side: str, *, rid: str | None = None) -> list[Case]:
    """The boundary cases on ``side`` (judged by ``rid``, when given)."""
    return [case for case in BOUNDARY if case.side == side and (rid is None or rid in judged_by(case))]


def cases(side: str, *, rid: str | None = None) -> st.SearchStrategy[Case]:
    """Boundary and drawn cases on ``side`` (judged by ``rid``, when given)."""
    pinned = boundary(side, rid=rid)
    drawn = random_cases("us", _schema, SCHEMA_AT,
                         lambda case: case.side == side and (rid is None or rid in judged_by(case)))
    return st.one_of(st.sampled_from(pinned), drawn) if pinned else drawn


def sample_body() -> dict:
    """A valid body naming made-up orders (fresh ids: safe to send to any account)."""
    return sample("us", _schema, SCHEMA_AT)


def with_broken_entry(valid: list[dict], case: Case, position: int) -> dict:
    """``valid`` entries with one more, broken by an in-entry ``case``, at ``position``."""
    position = min(position, len(valid))
    filler = sample_body()[batch_key()][0]
    return case.apply(body(valid[:position] + [filler] + valid[position:]), index=position)


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


def malformed_bodies() -> st.SearchStrategy[object]:
    """Bodies the schema refuses, of every kind: each constraint's boundary and drawn cases."""
    return cases(OUTSIDE).map(lambda case: case.apply(sample_body()))


def raw_garbage() -> st.SearchStrategy[bytes]:
    """Request bytes that are not JSON at all (or not UTF-8), starting with no body at all."""
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
