"""Throw malformed requests at a fresh conformance-mock and count how they were answered.

    .venv/bin/python benchmarks/fuzz_mock.py [--requests 10000] [--seed N] [--mock-option=--http=httptools]

Every route gets requests written byte by byte on raw sockets (so nothing is
refused on the client's side): JSON nested 100,000 deep, 5,000-digit numbers
and headers, bytes that are not UTF-8, wrong JSON types at every level,
NaN and lone surrogates, broken and missing auth headers, bad framing,
unknown methods, oversized headers and bodies, garbage WebSocket handshakes
and garbage messages on an open order stream. About 60% carry valid auth.

Printed: answers per status class, answers >= 500 (the documented CLOB 503
while trading is disabled aside), dropped connections (closed or silent
before a complete answer), 4xx answers without a JSON ``error``, and whether
the order store still holds exactly what the accepted requests did (every
200 cancel applied in full, every refused one not at all). Exits 1 if any of
these is off.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.bundled_mock import BundledMock  # noqa: E402
from conformance.signing import clob_signature, us_signature  # noqa: E402
from tests.mock.wire import STREAM, TIMEOUT, Answer, Request, Wire  # noqa: E402

US_CANCEL, US_OPEN, CLOB_CANCEL, CLOB_OPEN = "/v1/orders/batched/cancel", "/v1/orders/open", "/cancel-all", "/data/orders"
BIG = "1" * 5000


# --- What the store should hold ------------------------------------------------


@dataclass
class Order:
    api: str
    account: str
    cancelable: bool
    state: str = "open"


@dataclass
class Model:
    """The orders as the accepted requests left them, the accounts, and the trading modes."""

    orders: dict[str, Order] = field(default_factory=dict)
    us: dict[str, str] = field(default_factory=dict)  # keyId -> secretKey
    clob: dict[str, dict] = field(default_factory=dict)  # apiKey -> account
    modes: dict[str, str] = field(default_factory=lambda: {"clob": "normal", "us": "normal"})
    mismatches: list[str] = field(default_factory=list)

    def add(self, api: str, account: str, created: list[dict], entries: list[dict]) -> None:
        for order, entry in zip(created, entries):
            self.orders[order["id"]] = Order(api, account, "uncancelableReason" not in entry)

    def cancel(self, ids: list[str]) -> None:
        for order_id in ids:
            self.orders[order_id].state = "canceled"

    def open_of(self, api: str, account: str) -> set[str]:
        return {i for i, o in self.orders.items() if o.api == api and o.account == account and o.state == "open"}


def arrange(control: httpx.Client, model: Model) -> None:
    """Fresh open orders for every account (some uncancelable), and normal trading."""
    for api, accounts in (("us", model.us), ("clob", model.clob)):
        for account in accounts:
            entries = [{"marketSlug": "fuzz-a"}, {"marketSlug": "fuzz-b"}, {}, {"uncancelableReason": "Order already matched"}]
            answer = control.post("/_conformance/orders", json={"api": api, "account": account, "orders": entries})
            model.add(api, account, answer.json()["orders"], entries)
        control.put("/_conformance/trading-mode", json={"api": api, "mode": "normal"})
        model.modes[api] = "normal"


def check_store(control: httpx.Client, model: Model) -> list[str]:
    problems = []
    for api, accounts in (("us", model.us), ("clob", model.clob)):
        for account in accounts:
            truth = {o["id"]: o["state"] for o in
                     control.get("/_conformance/orders", params={"api": api, "account": account}).json()["orders"]}
            expected = {i: o.state for i, o in model.orders.items() if o.api == api and o.account == account}
            for order_id in truth.keys() | expected.keys():
                if truth.get(order_id) != expected.get(order_id):
                    problems.append(f"{api} order {order_id[:12]}: {truth.get(order_id, 'missing')} in the store, "
                                    f"{expected.get(order_id, 'absent')} expected")
    return problems


# --- Requests -----------------------------------------------------------------


class Fuzzer:
    def __init__(self, rng: random.Random, model: Model) -> None:
        self.rng, self.model = rng, model

    # values

    def scalar(self) -> object:
        rng = self.rng
        return rng.choice([
            None, True, False, 0, -1, 2**63, 1.5, -0.0, 1e308, "", "x", "é✓", "\x00", "a" * 3000,
            rng.randint(-10**6, 10**6), str(rng.random()), "0x" + self.rng.randbytes(32).hex(), "disabled",
        ])

    def value(self, depth: int = 0) -> object:
        roll = self.rng.random()
        if depth > 3 or roll < 0.6:
            return self.scalar()
        if roll < 0.8:
            return [self.value(depth + 1) for _ in range(self.rng.randint(0, 3))]
        return {self.rng.choice(["orders", "orderId", "api", "account", "mode", "k"]): self.value(depth + 1)
                for _ in range(self.rng.randint(0, 3))}

    def replace_somewhere(self, template: object, replacement: object) -> object:
        """``template`` with one node, at any depth (the whole of it included), replaced."""
        if not isinstance(template, (list, dict)) or not template or self.rng.random() < 0.25:
            return replacement
        if isinstance(template, list):
            i = self.rng.randrange(len(template))
            return [*template[:i], self.replace_somewhere(template[i], replacement), *template[i + 1:]]
        key = self.rng.choice(list(template))
        return {**template, key: self.replace_somewhere(template[key], replacement)}

    # bodies

    def template(self, path: str, account: str | None) -> object:
        rng, model = self.rng, self.model
        if path == US_CANCEL:
            pool = list(model.open_of("us", account or "")) + [str(i) for i in model.orders][:50] + ["no-such-order"]
            return {"orders": [{"orderId": rng.choice(pool), "marketSlug": rng.choice(["fuzz-a", "fuzz-b"])}
                               for _ in range(rng.choice([0, 1, 2, 5, 20, 21]))]}
        if path == "/_conformance/orders":
            api = rng.choice(["us", "clob"])
            accounts = list(model.us if api == "us" else model.clob)
            return {"api": api, "account": rng.choice(accounts + ["nobody"]),
                    "orders": [rng.choice([{}, {"marketSlug": "fuzz-a"}, {"uncancelableReason": "x"}])
                               for _ in range(rng.randint(0, 3))]}
        if path == "/_conformance/trading-mode":
            return {"api": rng.choice(["us", "clob"]), "mode": rng.choice(["normal", "cancel-only", "cancel-only"])}
        if path == "/_conformance/accounts":
            return {"api": rng.choice(["us", "clob"]), **({"address": "0x" + self.rng.randbytes(20).hex()} if rng.random() < .3 else {})}
        return {}

    def body(self, path: str, account: str | None) -> tuple[bytes, str]:
        rng = self.rng
        template = self.template(path, account)
        kind = rng.choices(["valid", "types", "deep", "number", "utf8", "constants", "junk", "huge"],
                           [30, 22, 10, 10, 10, 6, 11, 1])[0]
        if kind == "valid":
            return json.dumps(template).encode(), kind
        if kind == "types":
            return json.dumps(self.replace_somewhere(template, self.value())).encode(), kind
        if kind == "deep":
            depth = rng.choice([33, 100, 1000, 100_000])
            opener = rng.choice(["[", '{"a":', '{"orders":', '[{"orderId":'])
            text = opener * depth + rng.choice(["", "1", '"x"']) + ("]" * depth if opener == "[" and rng.random() < .5 else "")
            return json.dumps(self.replace_somewhere(template, "\x01")).replace('"\\u0001"', text).encode(), kind
        if kind == "number":
            number = rng.choice([BIG, "-" + BIG, "1e400", "-1e400", "0." + BIG, "1" * 4300, "1e-400"])
            return json.dumps(self.replace_somewhere(template, "\x01")).replace('"\\u0001"', number).encode(), kind
        if kind == "utf8":
            raw = bytearray(json.dumps(template, ensure_ascii=False).encode())
            for _ in range(rng.randint(1, 4)):
                raw.insert(rng.randrange(len(raw) + 1), rng.choice([0x80, 0xC0, 0xED, 0xFF, 0xFE]))
            return bytes(raw), kind
        if kind == "constants":
            token = rng.choice(["NaN", "Infinity", "-Infinity", '"\\ud800"', '"\\udfff x"', '"\\u0000"'])
            return json.dumps(self.replace_somewhere(template, "\x01")).replace('"\\u0001"', token).encode(), kind
        if kind == "junk":
            return rng.choice([b"", b"{", b"}", b"null", b"[]", self.rng.randbytes(rng.randint(1, 2000)),
                               "\u2028{}".encode(), b"\xef\xbb\xbf{}", b'{"a":1}{"b":2}']), kind
        return b"[" + b"0," * (600 * 1024) + b"0]", kind

    # headers

    def us_auth(self, method: str, path: str) -> tuple[list[tuple[bytes, bytes]], str | None, bool]:
        rng, model = self.rng, self.model
        key_id = rng.choice(list(model.us))
        timestamp = str(int(time.time() * 1000))
        signature = us_signature(model.us[key_id], timestamp, method, path)
        headers = {b"x-pm-access-key": key_id.encode(), b"x-pm-timestamp": timestamp.encode(),
                   b"x-pm-signature": signature.encode()}
        valid = rng.random() < 0.6
        if not valid:
            name = rng.choice(list(headers))
            headers[name] = rng.choice([
                b"", BIG.encode(), b"\xff\xfe\x80", b"a" * 5000, b"-1", b"1.5e12", base64.b64encode(self.rng.randbytes(64)),
                str(int(time.time() * 1000) - 60_000).encode(), b"=" * 88, rng.choice(list(model.us)).encode(),
                "١٢٣".encode(), b"0" * 13,
            ])
            if rng.random() < 0.2:
                del headers[name]
        return list(headers.items()), key_id, valid

    def clob_auth(self, method: str, path: str, body: bytes) -> tuple[list[tuple[bytes, bytes]], str | None, bool]:
        rng = self.rng
        api_key = rng.choice(list(self.model.clob))
        account = self.model.clob[api_key]
        timestamp = str(int(time.time()))
        try:
            signature = clob_signature(account["secret"], timestamp, method, path, body)
        except UnicodeDecodeError:  # the suite's signer signs text; a server signs the bytes
            signature = ""
        headers = {b"poly_address": account["address"].encode(), b"poly_signature": signature.encode(),
                   b"poly_timestamp": timestamp.encode(), b"poly_api_key": api_key.encode(),
                   b"poly_passphrase": account["passphrase"].encode()}
        valid = rng.random() < 0.6 and bool(signature)
        if not valid:
            name = rng.choice(list(headers))
            headers[name] = rng.choice([b"", BIG.encode(), b"\xff\xfe\x80", b"a" * 5000, b"=", b"0x" + b"0" * 40])
        return list(headers.items()), api_key, valid

    def request(self) -> tuple[Request, dict]:
        """A request and what the model needs to know of it."""
        rng = self.rng
        route = rng.choices(
            [("DELETE", CLOB_CANCEL), ("GET", CLOB_OPEN), ("POST", US_CANCEL), ("GET", US_OPEN),
             ("POST", "/_conformance/accounts"), ("POST", "/_conformance/orders"), ("GET", "/_conformance/orders"),
             ("PUT", "/_conformance/trading-mode"), ("GET", STREAM), ("GET", "/_conformance/reset"),
             ("GET", "/no/such/route")],
            [18, 6, 28, 8, 5, 8, 6, 5, 8, 2, 2])[0]
        method, path = route
        if rng.random() < 0.08:
            method = rng.choice(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "FOO", "post"])
            if path == "/_conformance/reset" and method == "POST":
                method = "PUT"  # a reset would wipe the accounts the fuzz runs on
        target = path
        if path == CLOB_OPEN:
            target += rng.choice(["", "?next_cursor=MA==", "?next_cursor=" + BIG, "?next_cursor=%ff", "?next_cursor=LTE=",
                                  "?next_cursor=" + base64.b64encode(BIG.encode()).decode(), "?market=fuzz-a&id=x"])
        if path in (US_OPEN, "/_conformance/orders") and method == "GET":
            target += "?" + rng.choice([
                f"api=us&account={rng.choice(list(self.model.us))}", f"api=clob&account={rng.choice(list(self.model.clob))}",
                "api=us", "account=x", "api=" + BIG, "api=%ff%fe&account=%00", "slugs=fuzz-a,,fuzz-b&slugs=" + "a" * 5000,
                "api=us&account=" + quote("é✓"), "%%%&&==", "",
            ])
        body, kind = self.body(path, None) if method not in ("GET", "HEAD") or rng.random() < 0.1 else (b"", "none")
        headers: list[tuple[bytes, bytes]] = [(b"host", b"127.0.0.1")]
        content_type = rng.choices([b"application/json", b"text/plain", b"application/json; charset=latin-1", b"",
                                    b"\xff/\xfe", b"application/json" + b" " * 3000], [80, 5, 5, 4, 3, 3])[0]
        headers.append((b"content-type", content_type))
        account, valid = None, False
        if path in (US_CANCEL, US_OPEN, STREAM):
            auth, account, valid = self.us_auth(method, path)
            if path == US_CANCEL and kind in ("valid", "types"):  # name the signer's own orders
                template = self.template(path, account)
                body = json.dumps(template if kind == "valid" else self.replace_somewhere(template, self.value())).encode()
            headers += auth
        elif path in (CLOB_CANCEL, CLOB_OPEN):
            auth, account, valid = self.clob_auth(method, path, body)
            headers += auth
        if path == STREAM:
            headers += [(b"connection", b"upgrade"), (b"upgrade", b"websocket")] + rng.choice([
                [(b"sec-websocket-key", base64.b64encode(self.rng.randbytes(16))), (b"sec-websocket-version", b"13")],
                [(b"sec-websocket-version", b"13")],
                [(b"sec-websocket-key", b"short"), (b"sec-websocket-version", b"13")],
                [(b"sec-websocket-key", base64.b64encode(self.rng.randbytes(16))), (b"sec-websocket-version", b"99")],
            ])
        framing, one_shot = "length", False
        roll = rng.random()
        if roll < 0.05:
            headers.append((b"x-big-" + str(rng.randrange(100)).encode(), rng.choice([BIG.encode(), b"\x80\xff" * 2500])))
        elif roll < 0.07:
            headers += [(b"x-pad-%d" % n, b"p" * 1000) for n in range(rng.choice([17, 40, 200]))]  # past 16 KiB
        elif roll < 0.10:
            headers.append(rng.choice([(b"content-length", BIG.encode()), (b"content-length", b"abc"),
                                       (b"content-length", b"-1"), (b"bad header name", b"x"), (b"x-ctl", b"a\x01b")]))
            framing, one_shot = "raw", True
        elif roll < 0.13:
            framing = "chunked"
        elif roll < 0.15:
            method = rng.choice(["G@T", "", "GET GET", "\x80", "A" * 5000])
            one_shot = True
        elif roll < 0.17:
            target = rng.choice(["*", "http://elsewhere.invalid/x", "/v1/%", "/" + "a" * 10000, "//", "/\x80", path + "#x"])
            one_shot = True
        request = Request(method.encode("latin-1"), target.encode("latin-1"), headers, body, framing, one_shot)
        return request, {"method": method, "path": path, "target": target, "account": account, "valid": valid,
                         "kind": kind}


# --- Running ------------------------------------------------------------------


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    not_json: list[str] = field(default_factory=list)
    auth: Counter = field(default_factory=Counter)


def record(tally: Tally, model: Model, request: Request, facts: dict, answer: Answer | str) -> None:
    what = f"{facts['method'][:10]} {facts['target'][:60]} ({facts['kind']} body)"
    if facts["account"] is not None:
        tally.auth["valid" if facts["valid"] else "broken"] += 1
    if isinstance(answer, str):
        tally.dropped.append(f"{what}: {answer}")
        return
    disabled_503 = answer.status == 503 and facts["path"] == CLOB_CANCEL and model.modes["clob"] == "disabled"
    tally.statuses["101" if answer.status == 101 else "503 (trading disabled)" if disabled_503
                   else f"{answer.status // 100}xx"] += 1
    if answer.status >= 500 and not disabled_503:
        tally.server_errors.append(f"{what}: {answer.status} {answer.body[:100]!r}")
    if 400 <= answer.status < 500 and facts["method"] != "HEAD":
        try:
            assert isinstance(json.loads(answer.body)["error"], str)
        except (ValueError, KeyError, TypeError, AssertionError):
            tally.not_json.append(f"{what}: {answer.status} {answer.body[:80]!r}")
    try:
        apply(model, request, facts, answer)
    except (ValueError, KeyError, TypeError):
        model.mismatches.append(f"{what}: answered {answer.status}, but it is no valid request")


def apply(model: Model, request: Request, facts: dict, answer: Answer) -> None:
    """What an accepted request did to the store, in the model; anything refused did nothing."""
    if answer.status not in (200, 201, 204) or facts["method"] != facts["method"].upper():
        return
    path, method = facts["path"], facts["method"]
    try:
        sent = json.loads(request.body) if request.body else None
    except (ValueError, RecursionError):
        sent = None
    if path == US_CANCEL and method == "POST":
        named = {e["orderId"] for e in sent["orders"]}
        mine = model.open_of("us", facts["account"])
        model.cancel([i for i in named & mine if model.orders[i].cancelable])
    elif path == CLOB_CANCEL and method == "DELETE":
        reached = model.open_of("clob", facts["account"])
        canceled = set(json.loads(answer.body)["canceled"])
        expected = {i for i in reached if model.orders[i].cancelable}
        if canceled != expected:
            model.mismatches.append(f"cancel-all listed {len(canceled)} orders, {len(expected)} expected")
        model.cancel(list(expected))
    elif path == "/_conformance/orders" and method == "POST" and sent["account"] in (model.us | model.clob):
        model.add(sent["api"], sent["account"], json.loads(answer.body)["orders"], sent["orders"])
    elif path == "/_conformance/trading-mode" and method == "PUT":
        model.modes[sent["api"]] = sent["mode"]


def open_stream(url: str, model: Model):
    """An order stream of the first US account (messages it sends pile up unread: ``max_queue=None``)."""
    key_id = next(iter(model.us))
    timestamp = str(int(time.time() * 1000))
    headers = {"X-PM-Access-Key": key_id, "X-PM-Timestamp": timestamp,
               "X-PM-Signature": us_signature(model.us[key_id], timestamp, "GET", STREAM)}
    return connect(url.replace("http://", "ws://") + STREAM, additional_headers=headers, max_queue=None)


def stream_message(rng: random.Random, fuzzer: Fuzzer) -> bytes | str:
    """A message for an open order stream: mostly malformed."""
    subscribe = {"subscribe": {"requestId": "r1", "subscriptionType": "SUBSCRIPTION_TYPE_ORDER",
                               "marketSlugs": ["fuzz-a"]}}
    roll = rng.random()
    if roll < 0.15:
        return json.dumps(subscribe)
    if roll < 0.45:
        return json.dumps(fuzzer.replace_somewhere(subscribe, fuzzer.value()))
    if roll < 0.55:
        return rng.choice(["[", '{"subscribe":']) * rng.choice([100, 100_000])
    if roll < 0.65:
        return json.dumps(fuzzer.replace_somewhere(subscribe, "\x01")).replace('"\\u0001"', rng.choice([BIG, "NaN", '"\\ud800"', "1e400"]))
    if roll < 0.75:
        return rng.randbytes(rng.randint(1, 200))
    return rng.choice(["", "null", "{}", '{"unsubscribe": {"requestId": "r1"}}', '{"unsubscribe": 5}', "x" * 5000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None, help="default: random (printed, to replay)")
    parser.add_argument("--mock-option", action="append", default=[], help="extra conformance-mock option")
    parser.add_argument("--show", type=int, default=5, help="examples printed per problem")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    rng = random.Random(seed)
    tally, model = Tally(), Model()
    started = time.monotonic()
    with BundledMock(options=args.mock_option) as mock, httpx.Client(base_url=mock.url, timeout=30) as control:
        for api in ("us", "us", "us", "clob", "clob", "clob"):
            account = control.post("/_conformance/accounts", json={"api": api}).json()
            if api == "us":
                model.us[account["keyId"]] = account["secretKey"]
            else:
                model.clob[account["apiKey"]] = account
        arrange(control, model)
        fuzzer, wire = Fuzzer(rng, model), Wire(mock.port)
        streams = contextlib.ExitStack()
        stream = streams.enter_context(open_stream(mock.url, model))
        for n in range(args.requests):
            if n and n % 500 == 0:
                arrange(control, model)
            if rng.random() < 0.05:
                message = stream_message(rng, fuzzer)
                try:
                    stream.send(message)
                    answered = stream.ping().wait(TIMEOUT)
                except ConnectionClosed:
                    answered = False
                if answered:
                    tally.statuses["stream message"] += 1
                elif stream.close_code == 1009:  # the WebSocket answer to a message past the size limit
                    tally.statuses["stream 1009 (message too big)"] += 1
                else:
                    tally.dropped.append(f"order stream after {str(message)[:60]!r}: closed {stream.close_code}")
                if not answered:
                    stream = streams.enter_context(open_stream(mock.url, model))
                continue
            request, facts = fuzzer.request()
            record(tally, model, request, facts, wire.exchange(request))
        streams.close()
        wire.close()
        store_problems = model.mismatches + check_store(control, model)
    elapsed = time.monotonic() - started
    print(f"{args.requests} requests in {elapsed:.0f} s (seed {seed}): "
          + ", ".join(f"{count} {name}" for name, count in sorted(tally.statuses.items())))
    print(f"auth on the two APIs: {tally.auth['valid']} valid, {tally.auth['broken']} broken")
    for title, problems in (("answers >= 500", tally.server_errors), ("dropped connections", tally.dropped),
                            ("4xx without a JSON error", tally.not_json), ("order store mismatches", store_problems)):
        print(f"{title}: {len(problems)}")
        for example in problems[:args.show]:
            print(f"    {example}")
    sys.exit(1 if tally.server_errors or tally.dropped or tally.not_json or store_problems else 0)


if __name__ == "__main__":
    main()
