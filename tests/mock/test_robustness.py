"""Any input, a clear 4xx: raw bytes and headers on every route, with and without valid auth.

Every answer is below 500; every 4xx carries ``{"error": "<message>"}``; a well-framed request leaves the
connection usable for the next one; a malformed one is answered before the connection ends; and no refused
request changes an order, while an accepted cancel applies in full (checked through the control plane).
"""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from conformance.bundled_mock import BundledMock
from conformance.signing import ClobCredentials, ClobSigner, UsCredentials, UsSigner
from tests.conftest import add_orders, mint, states
from tests.mock.wire import STREAM, Answer, Request, Wire

US_CANCEL, US_OPEN, CLOB_CANCEL, CLOB_OPEN = "/v1/orders/batched/cancel", "/v1/orders/open", "/cancel-all", "/data/orders"
ROUTES = [
    ("DELETE", CLOB_CANCEL), ("GET", CLOB_OPEN), ("POST", US_CANCEL), ("GET", US_OPEN), ("GET", STREAM),
    ("POST", "/_conformance/accounts"), ("POST", "/_conformance/orders"), ("GET", "/_conformance/orders"),
    ("PUT", "/_conformance/trading-mode"), ("GET", "/_conformance/reset"), ("GET", "/no/such/route"),
]
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))

# --- what is sent -------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
# JSON text no parser should follow: nesting past any limit, numbers past Python's, constants JSON lacks
hostile_json = st.one_of(
    st.builds(lambda opener, depth: opener * depth, st.sampled_from(["[", '{"a":', '[{"a":']),
              st.sampled_from([33, 1000, 100_000])),
    st.integers(4_301, 6_000).map(lambda digits: "1" * digits),
    st.sampled_from(["NaN", "-Infinity", "1e400", '"\\ud800"', '"\\udfff"']),
)


@st.composite
def replaced_somewhere(draw, template: object, replacement: st.SearchStrategy) -> object:
    """``template`` with one node, at any depth (the whole of it included), replaced by a drawn value."""
    if not isinstance(template, (list, dict)) or not template or draw(st.booleans()):
        return draw(replacement)
    if isinstance(template, list):
        i = draw(st.integers(0, len(template) - 1))
        return [*template[:i], draw(replaced_somewhere(template[i], replacement)), *template[i + 1:]]
    key = draw(st.sampled_from(sorted(template)))
    return {**template, key: draw(replaced_somewhere(template[key], replacement))}


def bodies_like(template: object) -> st.SearchStrategy[bytes]:
    """Bodies near ``template``: wrong types at every level, hostile JSON inside it, bytes that are not UTF-8."""
    as_text = json.dumps(template)
    return st.one_of(
        st.just(as_text.encode()),
        replaced_somewhere(template, json_values).map(lambda v: json.dumps(v).encode()),
        st.builds(lambda v, hostile: json.dumps(v).replace('"\\u0001"', hostile).encode(),
                  replaced_somewhere(template, st.just("\x01")), hostile_json),
        st.builds(lambda at, byte: as_text.encode()[:at] + byte + as_text.encode()[at:],
                  st.integers(0, len(as_text)), st.sampled_from([b"\x80", b"\xc0", b"\xed\xa0\x80", b"\xff"])),
        st.binary(max_size=200),
    )


def templates(route: str) -> object:
    return {
        US_CANCEL: {"orders": [{"orderId": "o-1", "marketSlug": "m"}, {"orderId": "o-2", "marketSlug": "m"}]},
        "/_conformance/accounts": {"api": "us"},
        "/_conformance/orders": {"api": "us", "account": "nobody", "orders": [{"marketSlug": "m"}]},
        "/_conformance/trading-mode": {"api": "us", "mode": "normal"},
    }.get(route, {})


CONTROLS = bytes([*range(0x20), 0x7F]).replace(b"\t", b"")
header_values = st.one_of(  # field values as RFC 9110 allows them (no control bytes), otherwise anything
    st.binary(max_size=60).map(lambda v: v.translate(None, CONTROLS).strip()),
    st.sampled_from([b"1" * 5000, b"\xff\xfe" * 100, b"a" * 20_000, b"-1", b"1.5e12", b"=" * 88]),
)
header_names = st.one_of(
    st.sampled_from([b"x-pm-access-key", b"x-pm-timestamp", b"x-pm-signature", b"poly_api_key", b"poly_signature",
                     b"poly_timestamp", b"poly_address", b"poly_passphrase", b"content-type", b"x-other"]),
    st.from_regex(rb"\A[a-z][a-z0-9-]{0,20}\Z").filter(  # any name but those that frame the request
        lambda name: name not in (b"content-length", b"transfer-encoding", b"connection", b"upgrade", b"expect")),
)
methods = st.sampled_from([b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"HEAD", b"OPTIONS", b"FOO"])


# --- fixtures -----------------------------------------------------------------


@pytest.fixture(scope="module", params=["httptools", "h11"])
def target(request):
    """A mock of these tests' own (they switch trading modes) on each HTTP parser, its control client and one
    account per API."""
    with BundledMock(options=["--http", request.param]) as mock, httpx.Client(base_url=mock.url, timeout=10) as control:
        us, clob = mint(control, "us"), mint(control, "clob")
        yield mock, control, us, clob


def signed(route: str, method: str, body: bytes, us: dict, clob: dict) -> list[tuple[bytes, bytes]]:
    """The valid auth headers for ``route`` (none for the control plane)."""
    if route in (CLOB_CANCEL, CLOB_OPEN):
        credentials = ClobCredentials(clob["apiKey"], clob["secret"], clob["passphrase"], clob["address"])
        try:
            headers = ClobSigner(credentials).headers(method, route, body)
        except UnicodeDecodeError:  # the suite signs text; a body that is not UTF-8 cannot be signed by it
            return []
    elif route in (US_CANCEL, US_OPEN, STREAM):
        headers = UsSigner(UsCredentials(us["keyId"], us["secretKey"])).headers(method, route)
    else:
        return []
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


def assert_clear_answer(answer: Answer | str, method: bytes) -> None:
    assert not isinstance(answer, str), f"no answer: {answer}"
    assert answer.status < 500, (answer.status, answer.body[:200])
    if 400 <= answer.status < 500 and method != b"HEAD":
        error = json.loads(answer.body)["error"]
        assert isinstance(error, str) and error


# --- the properties -----------------------------------------------------------


@SETTINGS
@given(data=st.data(), route=st.sampled_from(ROUTES), auth=st.sampled_from(["valid", "broken", "none"]),
       extra=st.lists(st.tuples(header_names, header_values), max_size=4),
       content_type=st.sampled_from([b"application/json", b"text/plain", b"", b"\xff/\xfe"]),
       query=st.sampled_from(["", "?api=us&account=x", "?api=%ff%fe&account=%00", "?slugs=" + "a" * 5000, "?%%%&&==",
                              "?next_cursor=" + "1" * 5000, "?next_cursor=%ff%fe"]))
def test_a_well_framed_request_gets_a_clear_answer_and_leaves_the_connection_usable(
        target, data, route, auth, extra, content_type, query):
    mock, control, us, clob = target
    method, path = route
    method = data.draw(st.one_of(st.just(method.encode()), methods), label="method")
    assume(not (path == "/_conformance/reset" and method == b"POST"))  # it would wipe the accounts used here
    body = data.draw(bodies_like(templates(path)) if method not in (b"GET", b"HEAD") else st.just(b""), label="body")
    headers = [(b"host", b"127.0.0.1"), (b"content-type", content_type)]
    if auth != "none":
        headers += signed(path, method.decode(), body, us, clob)
        if auth == "broken" and len(headers) > 2:
            i = data.draw(st.integers(2, len(headers) - 1), label="broken header")
            headers[i] = (headers[i][0], data.draw(header_values, label="broken value"))
    if path == STREAM:
        headers += [(b"connection", b"upgrade"), (b"upgrade", b"websocket"), (b"sec-websocket-version", b"13"),
                    (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ==")]
    wire = Wire(mock.port)
    try:
        answer = wire.exchange(Request(method, (path + query).encode(), headers + extra, body))
        assert_clear_answer(answer, method)
        if path == STREAM:  # the WebSocket protocol has the connection now: it closes it after a refusal
            return
        if answer.closes:  # a header block past the parser's limit, or a method httptools' parser does not know
            assert answer.status == 431 or (answer.status == 400 and method == b"FOO"), answer
            return
        follow_up = wire.exchange(Request(b"GET", f"/_conformance/orders?api=us&account={us['keyId']}".encode(),
                                          [(b"host", b"127.0.0.1")]))
        assert not isinstance(follow_up, str) and follow_up.status == 200, follow_up
        assert wire.opened == 1, "the connection did not survive the request"
    finally:
        wire.close()
        for api in ("clob", "us"):
            control.put("/_conformance/trading-mode", json={"api": api, "mode": "normal"})


@SETTINGS
@given(garbage=st.one_of(
    st.binary(max_size=300),
    st.builds(lambda line, rest: line + rest, st.sampled_from([b"GET / HTTP/1.1\r\n", b"POST /cancel-all HTTP/1.1\r\n",
                                                               b"G@T / HTTP/1.1\r\n", b"GET /\x80 HTTP/1.1\r\n"]),
              st.binary(max_size=300)),
    st.sampled_from([b"POST /_conformance/accounts HTTP/1.1\r\ncontent-length: " + b"9" * 5000,
                     b"POST /_conformance/accounts HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
                     b"GET / HTTP/1.1\r\nbad header\r\n", b"GET / HTTP/1.1\r\nx-a: a\x01b\r\n",
                     b"PRI * HTTP/2.0\r\n\r\nSM\r\n"]),
))
def test_unparseable_http_is_answered_before_the_connection_ends(target, garbage):
    mock, *_ = target
    wire = Wire(mock.port)
    try:
        answer = wire.exchange(Request(b"", b"", [], garbage.replace(b"\r\n\r\n", b"\r\n") + b"\r\n\r\n",
                                       framing="raw", one_shot=True))
    finally:
        wire.close()
    assert_clear_answer(answer, b"GET")


@SETTINGS
@given(body=bodies_like(templates(US_CANCEL)) | st.builds(
    lambda entries: json.dumps({"orders": entries}).encode(),
    st.lists(st.fixed_dictionaries({"orderId": st.sampled_from(["MINE-0", "MINE-1", "THEIRS", "nope"]) | st.text(max_size=8),
                                    "marketSlug": st.just("m") | json_values}), max_size=22)))
def test_a_signed_batch_cancels_its_named_orders_in_full_or_not_at_all(target, body):
    mock, control, _, _ = target
    mine, theirs = mint(control, "us"), mint(control, "us")
    my_orders = [o["id"] for o in add_orders(control, "us", mine["keyId"], [{}, {}, {"uncancelableReason": "busy"}])]
    their_order = add_orders(control, "us", theirs["keyId"], [{}])[0]["id"]
    names = {"MINE-0": my_orders[0], "MINE-1": my_orders[2], "THEIRS": their_order}
    for placeholder, order_id in names.items():
        body = body.replace(f'"{placeholder}"'.encode(), f'"{order_id}"'.encode())
    answer = httpx.post(mock.url + US_CANCEL, content=body, headers={"content-type": "application/json"},
                        auth=UsSigner(UsCredentials(mine["keyId"], mine["secretKey"])))
    assert answer.status_code in (200, 400, 413), answer.text
    canceled = set()
    if answer.status_code == 200:
        named = {entry["orderId"] for entry in json.loads(body)["orders"]}
        canceled = named & {my_orders[0], my_orders[1]}  # the caller's own, cancelable ones
    else:
        assert isinstance(answer.json()["error"], str)
    assert states(control, "us", mine["keyId"]) == {o: "canceled" if o in canceled else "open" for o in my_orders}
    assert states(control, "us", theirs["keyId"]) == {their_order: "open"}


@SETTINGS
@given(broken=st.one_of(st.none(), st.tuples(st.sampled_from(["POLY_API_KEY", "POLY_ADDRESS", "POLY_SIGNATURE",
                                                              "POLY_PASSPHRASE", "POLY_TIMESTAMP"]),
                                             header_values.map(lambda v: v.decode("latin-1")))),
       body=st.binary(max_size=100) | hostile_json.map(str.encode))
def test_cancel_all_cancels_everything_it_lists_or_nothing(target, broken, body):
    mock, control, _, _ = target
    account = mint(control, "clob")
    orders = [o["id"] for o in add_orders(control, "clob", account["apiKey"], [{}, {}, {"uncancelableReason": "busy"}])]
    credentials = ClobCredentials(account["apiKey"], account["secret"], account["passphrase"], account["address"])
    try:
        headers = ClobSigner(credentials).headers("DELETE", CLOB_CANCEL, body)
    except UnicodeDecodeError:
        headers = ClobSigner(credentials).headers("DELETE", CLOB_CANCEL, b"")
    if broken:
        name, value = broken
        headers[name] = value
    wire = Wire(mock.port)
    try:
        answer = wire.exchange(Request(b"DELETE", CLOB_CANCEL.encode(),
                                       [(b"host", b"x"), *((k.encode(), v.encode("latin-1")) for k, v in headers.items())],
                                       body))
    finally:
        wire.close()
    assert_clear_answer(answer, b"DELETE")
    truth = states(control, "clob", account["apiKey"])
    if answer.status == 200:
        assert set(json.loads(answer.body)["canceled"]) == set(orders[:2])
        assert truth == {orders[0]: "canceled", orders[1]: "canceled", orders[2]: "open"}
    else:
        assert truth == dict.fromkeys(orders, "open")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(message=st.one_of(
    st.text(max_size=200), st.binary(max_size=200), hostile_json,
    replaced_somewhere({"subscribe": {"requestId": "r", "subscriptionType": "SUBSCRIPTION_TYPE_ORDER",
                                      "marketSlugs": ["m"]}}, json_values).map(json.dumps),
))
def test_the_order_stream_answers_garbage_and_stays_open(target, message):
    mock, _, us, _ = target
    headers = UsSigner(UsCredentials(us["keyId"], us["secretKey"])).headers("GET", STREAM)
    with connect(mock.url.replace("http://", "ws://") + STREAM, additional_headers=headers, max_queue=None) as stream:
        stream.send(message)
        assert stream.ping().wait(10), f"the stream closed ({stream.close_code}) after {str(message)[:80]!r}"


def test_a_body_past_the_limit_gets_413_and_the_connection_stays(target):
    mock, _, us, _ = target
    wire = Wire(mock.port)
    try:
        too_big = wire.exchange(Request(b"POST", b"/_conformance/orders", [(b"host", b"x")], b"x" * (2 * 1024 * 1024)))
        assert isinstance(too_big, Answer) and too_big.status == 413, too_big
        declared = wire.exchange(Request(b"POST", b"/_conformance/orders",
                                         [(b"host", b"x"), (b"content-length", b"9" * 12)], framing="raw"))
        assert isinstance(declared, Answer) and declared.status == 413, declared
    finally:
        wire.close()
