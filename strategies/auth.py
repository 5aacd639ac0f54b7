"""Auth header sets and their mutations, for both schemes.

Each mutation kind maps to the requirement a correct server satisfies by
answering 401. A kind is a function of the caller's signer and, where the kind
needs one, another account's signer; it returns a strategy of ``Mutation``s,
whose repr names the mutation and never shows a secret. A mutation may carry
the body to send with its headers (a body the signature leaves out).
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from conformance.signing import ClobSigner, UsSigner, clob_signature, us_signature
from conformance.target import CLOB_PATH, US_PATH, US_STREAM_PATH
from strategies.coverage import covers, pointer
from strategies.requests import cancel_all_bodies
from strategies.spec import security_schemes


@dataclass(frozen=True, repr=False)
class Mutation:
    requirement: str
    description: str
    headers: dict[str, str]
    body: bytes | None = None

    def __repr__(self) -> str:
        return f"Mutation({self.description!r})"


@dataclass(frozen=True)
class Kind:
    requirement: str
    build: Callable[..., st.SearchStrategy[Mutation]]
    needs_other_account: bool = False
    on_server_clock: bool = False  # judged against the server's clock: only where the suite knows it


printable = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


def other_methods(method: str) -> st.SearchStrategy[str]:
    return st.sampled_from([m for m in METHODS if m != method])


def _now_s() -> int:
    return int(time.time())


# --- CLOB L2 -----------------------------------------------------------------

CLOB_METHOD = "DELETE"
CLOB_OTHER_PATHS = st.sampled_from(["/cancel", "/orders", "/cancel-all/", "/", "/cancel-all?x=1", "/CANCEL-ALL"])
_CLOB_HEADER_REQUIREMENT = {
    "POLY_API_KEY": "CLOB-CA-005",
    "POLY_PASSPHRASE": "CLOB-CA-006",
    "POLY_ADDRESS": "CLOB-CA-007",
    "POLY_SIGNATURE": "CLOB-CA-008",
    "POLY_TIMESTAMP": "CLOB-CA-008",
}


def clob_headers(me: ClobSigner) -> dict[str, str]:
    return me.headers(CLOB_METHOD, CLOB_PATH)


def _clob_replace(me: ClobSigner, rid: str, what: str, **changes: str) -> Mutation:
    return Mutation(rid, what, {**clob_headers(me), **changes})


def _clob_signed(me: ClobSigner, rid: str, what: str, *, secret: str | None = None, method: str = CLOB_METHOD,
                 path: str = CLOB_PATH, body: str = "", signed_timestamp: str | None = None) -> Mutation:
    headers = clob_headers(me)
    timestamp = signed_timestamp if signed_timestamp is not None else headers["POLY_TIMESTAMP"]
    signature = clob_signature(secret or me.credentials.secret, timestamp, method, path, body)
    return Mutation(rid, what, {**headers, "POLY_SIGNATURE": signature})


def _random_secret() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _random_address() -> str:
    return "0x" + os.urandom(20).hex()


def _without(me: ClobSigner | UsSigner, headers: Callable, name: str, rid: str) -> st.SearchStrategy[Mutation]:
    return st.builds(lambda: Mutation(rid, f"no {name} header", {k: v for k, v in headers(me).items() if k != name}))


def _clob_missing_and_empty() -> dict[str, Kind]:
    kinds = {}
    for key, name in security_schemes("clob").items():
        rid = _CLOB_HEADER_REQUIREMENT[name]
        covers("clob", pointer("components", "securitySchemes", key), rid)
        kinds[f"missing {name}"] = Kind(rid, lambda me, name=name, rid=rid: _without(me, clob_headers, name, rid))
        kinds[f"empty {name}"] = Kind(
            rid, lambda me, name=name, rid=rid: st.builds(lambda: _clob_replace(me, rid, f"empty {name}", **{name: ""}))
        )
    return kinds


CLOB_MUTATIONS: dict[str, Kind] = {
    **_clob_missing_and_empty(),
    "unknown api key": Kind("CLOB-CA-005", lambda me: st.uuids().map(
        lambda u: _clob_replace(me, "CLOB-CA-005", f"unknown POLY_API_KEY {u}", POLY_API_KEY=str(u)))),
    "other account's api key": Kind("CLOB-CA-005", lambda me, other: st.just(None).map(
        lambda _: _clob_replace(me, "CLOB-CA-005", "another account's POLY_API_KEY", POLY_API_KEY=other.credentials.api_key)),
        needs_other_account=True),
    "wrong passphrase": Kind("CLOB-CA-006", lambda me: printable.filter(lambda p: p != me.credentials.passphrase).map(
        lambda p: _clob_replace(me, "CLOB-CA-006", "a made-up POLY_PASSPHRASE", POLY_PASSPHRASE=p))),
    "other account's passphrase": Kind("CLOB-CA-006", lambda me, other: st.just(None).map(
        lambda _: _clob_replace(me, "CLOB-CA-006", "another account's POLY_PASSPHRASE",
                                POLY_PASSPHRASE=other.credentials.passphrase)), needs_other_account=True),
    "other address": Kind("CLOB-CA-007", lambda me: st.builds(
        lambda: _clob_replace(me, "CLOB-CA-007", "a random POLY_ADDRESS", POLY_ADDRESS=_random_address()))),
    "other account's address": Kind("CLOB-CA-007", lambda me, other: st.just(None).map(
        lambda _: _clob_replace(me, "CLOB-CA-007", "another account's POLY_ADDRESS", POLY_ADDRESS=other.credentials.address)),
        needs_other_account=True),
    "signature over another method": Kind("CLOB-CA-008", lambda me: other_methods(CLOB_METHOD).map(
        lambda m: _clob_signed(me, "CLOB-CA-008", f"POLY_SIGNATURE over method {m}", method=m))),
    "signature over another path": Kind("CLOB-CA-008", lambda me: CLOB_OTHER_PATHS.map(
        lambda p: _clob_signed(me, "CLOB-CA-008", f"POLY_SIGNATURE over path {p}", path=p))),
    "signature over another timestamp": Kind("CLOB-CA-008", lambda me: st.integers(-10**6, 10**6).filter(bool).map(
        lambda d: _clob_signed(me, "CLOB-CA-008", f"POLY_SIGNATURE over POLY_TIMESTAMP {d:+d} s",
                               signed_timestamp=str(_now_s() + d)))),
    "signature over a body not sent": Kind("CLOB-CA-008", lambda me: st.sampled_from(['{"market":"x"}', "{}", " "]).map(
        lambda b: _clob_signed(me, "CLOB-CA-008", f"POLY_SIGNATURE over body {b!r}", body=b))),
    "body the signature leaves out": Kind("CLOB-CA-008", lambda me: cancel_all_bodies().map(
        lambda b: Mutation("CLOB-CA-008", f"a body {b[:40]!r} sent, POLY_SIGNATURE over no body", clob_headers(me), b))),
    "signature with another secret": Kind("CLOB-CA-008", lambda me: st.builds(
        lambda: _clob_signed(me, "CLOB-CA-008", "POLY_SIGNATURE with a random secret", secret=_random_secret()))),
    "signature with other account's secret": Kind("CLOB-CA-008", lambda me, other: st.just(None).map(
        lambda _: _clob_signed(me, "CLOB-CA-008", "POLY_SIGNATURE with another account's secret",
                               secret=other.credentials.secret)), needs_other_account=True),
    "malformed signature": Kind("CLOB-CA-008", lambda me: printable.map(
        lambda s: _clob_replace(me, "CLOB-CA-008", f"POLY_SIGNATURE {s!r}", POLY_SIGNATURE=s))),
}


# --- Polymarket US Ed25519 ---------------------------------------------------

WINDOW_MS = 30_000
MARGIN_MS = 5_000  # the suite's and the server's clocks and the network need room


@dataclass(frozen=True)
class RequestLine:
    """What a US signature covers besides the timestamp: a method and a path (and where else one could point)."""

    method: str
    path: str
    other_paths: tuple[str, ...]

    def headers(self, me: UsSigner, timestamp: str | None = None) -> dict[str, str]:
        return me.headers(self.method, self.path, timestamp=timestamp)


US_BATCH = RequestLine("POST", US_PATH, ("/v1/orders/batched", "/v1/order/x/cancel", US_PATH + "?x=1", "/"))
US_STREAM = RequestLine("GET", US_STREAM_PATH, ("/v1/ws/markets", "/v1/ws", US_STREAM_PATH + "?x=1", "/"))


def us_at_offset(me: UsSigner, rid: str, offset_ms: int, what: str | None = None, line: RequestLine = US_BATCH) -> Mutation:
    """Correctly signed headers whose timestamp is ``offset_ms`` off the server's clock (as the signer knows it)."""
    timestamp = str(me.now_ms() + offset_ms)
    return Mutation(rid, what or f"X-PM-Timestamp {offset_ms / 1000:+.1f} s off", line.headers(me, timestamp))


def _random_seed_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def us_mutations(line: RequestLine, requirement: str | None = None) -> dict[str, Kind]:
    """Every way to get the three X-PM-* headers wrong for ``line``, each with the requirement a 401 satisfies
    (``requirement``, when given, for all of them: the order stream's handshake is one requirement)."""

    def rid(default: str) -> str:
        return requirement or default

    def replace(me: UsSigner, r: str, what: str, **changes: str) -> Mutation:
        return Mutation(r, what, {**line.headers(me), **{k.replace("_", "-"): v for k, v in changes.items()}})

    def signed(me: UsSigner, r: str, what: str, *, secret_key: str | None = None, method: str = line.method,
               path: str = line.path, suffix: str = "", signed_timestamp: str | None = None) -> Mutation:
        headers = line.headers(me)
        timestamp = signed_timestamp if signed_timestamp is not None else headers["X-PM-Timestamp"]
        signature = us_signature(secret_key or me.credentials.secret_key, timestamp, method, path + suffix)
        return Mutation(r, what, {**headers, "X-PM-Signature": signature})

    def stale_or_future(sign: int) -> Callable[[UsSigner], st.SearchStrategy[Mutation]]:
        offsets = st.integers(WINDOW_MS + MARGIN_MS, 7_200_000).map(lambda ms: sign * ms)
        return lambda me: offsets.map(lambda ms: us_at_offset(me, rid("US-BC-012"), ms, line=line))

    kinds: dict[str, Kind] = {}
    for key, name in security_schemes("us").items():
        covers("us", pointer("components", "securitySchemes", key), rid("US-BC-010"))
        kinds[f"missing {name}"] = Kind(rid("US-BC-010"), lambda me, name=name: st.builds(
            lambda: Mutation(rid("US-BC-010"), f"no {name} header", {k: v for k, v in line.headers(me).items() if k != name})))
        kinds[f"empty {name}"] = Kind(rid("US-BC-010"), lambda me, name=name: st.builds(
            lambda: Mutation(rid("US-BC-010"), f"empty {name}", {**line.headers(me), name: ""})))
    return kinds | {
        "unknown key id": Kind(rid("US-BC-014"), lambda me: st.uuids().map(
            lambda u: replace(me, rid("US-BC-014"), f"unknown X-PM-Access-Key {u}", X_PM_Access_Key=str(u)))),
        "key id not a uuid": Kind(rid("US-BC-014"), lambda me: printable.map(
            lambda k: replace(me, rid("US-BC-014"), f"X-PM-Access-Key {k!r}", X_PM_Access_Key=k))),
        "other account's key id": Kind(rid("US-BC-014"), lambda me, other: st.just(None).map(
            lambda _: replace(me, rid("US-BC-014"), "another account's X-PM-Access-Key, the caller's signature",
                              X_PM_Access_Key=other.credentials.key_id)), needs_other_account=True),
        "stale timestamp": Kind(rid("US-BC-012"), stale_or_future(-1), on_server_clock=True),
        "future timestamp": Kind(rid("US-BC-012"), stale_or_future(+1), on_server_clock=True),
        "timestamp in seconds": Kind(rid("US-BC-012"), lambda me: st.integers(-5, 5).map(
            lambda d: Mutation(rid("US-BC-012"), "X-PM-Timestamp in seconds", line.headers(me, str(me.now_ms() // 1000 + d))))),
        "timestamp not a number": Kind(rid("US-BC-012"), lambda me: st.sampled_from(["now", "1.7e12", "0x1", "12 34"]).map(
            lambda t: Mutation(rid("US-BC-012"), f"X-PM-Timestamp {t!r}", line.headers(me, t)))),
        "signature over another method": Kind(rid("US-BC-011"), lambda me: other_methods(line.method).map(
            lambda m: signed(me, rid("US-BC-011"), f"X-PM-Signature over method {m}", method=m))),
        "signature over another path": Kind(rid("US-BC-011"), lambda me: st.sampled_from(line.other_paths).map(
            lambda p: signed(me, rid("US-BC-011"), f"X-PM-Signature over path {p}", path=p))),
        "signature over the path with a trailing slash": Kind(rid("US-BC-011"), lambda me: st.builds(
            lambda: signed(me, rid("US-BC-011"), "X-PM-Signature over the path with a trailing slash", suffix="/"))),
        "signature over another timestamp": Kind(rid("US-BC-011"), lambda me: st.integers(-20_000, 20_000).filter(bool).map(
            lambda d: signed(me, rid("US-BC-011"), f"X-PM-Signature over X-PM-Timestamp {d:+d} ms",
                             signed_timestamp=str(me.now_ms() + d)))),
        "signature over path and body": Kind(rid("US-BC-011"), lambda me: st.just('{"orders":[]}').map(
            lambda b: signed(me, rid("US-BC-011"), "X-PM-Signature over timestamp + method + path + body", suffix=b))),
        "signature with another key": Kind(rid("US-BC-011"), lambda me: st.builds(
            lambda: signed(me, rid("US-BC-011"), "X-PM-Signature with a random key", secret_key=_random_seed_key()))),
        "signature with other account's key": Kind(rid("US-BC-011"), lambda me, other: st.just(None).map(
            lambda _: signed(me, rid("US-BC-011"), "X-PM-Signature with another account's key",
                             secret_key=other.credentials.secret_key)), needs_other_account=True),
        "signature not base64": Kind(rid("US-BC-011"), lambda me: printable.filter(lambda s: not _is_b64(s)).map(
            lambda s: replace(me, rid("US-BC-011"), f"X-PM-Signature {s!r}", X_PM_Signature=s))),
        "signature of wrong length": Kind(rid("US-BC-011"), lambda me: st.sampled_from([1, 32, 63, 65, 128]).map(
            lambda n: replace(me, rid("US-BC-011"), f"X-PM-Signature of {n} bytes",
                              X_PM_Signature=base64.b64encode(os.urandom(n)).decode()))),
    }


US_MUTATIONS = us_mutations(US_BATCH)
US_STREAM_MUTATIONS = us_mutations(US_STREAM, requirement="US-BC-042")
"""The same matrix, applied to the order stream's handshake."""


def _is_b64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except ValueError:
        return False
    return True


def draw_mutation(kinds: dict[str, Kind], name: str, data: st.DataObject, me, other=None) -> Mutation:
    kind = kinds[name]
    strategy = kind.build(me, other) if kind.needs_other_account else kind.build(me)
    return data.draw(strategy, label=name)

