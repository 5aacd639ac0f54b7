"""Schemathesis on the real specs: loading them, sending a case with httpx, validating the answer."""

from __future__ import annotations

from functools import cache

import schemathesis
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from conformance.catalogue import spec_path
from conformance.exchange import REDACTED, SHORTENED, ApiClient, Exchange
from conformance.verdict import ConformanceFailure, must

# Schemathesis redacts names containing a marker (key, secret, token, auth, session, password,
# credential) and an exact list; its default list misses the POLY_* and X-PM-* secrets, so this
# one names them with the generic credential headers.
KEYS_TO_SANITIZE = ["authorization", "proxy-authorization", "cookie", "set-cookie", *sorted({*REDACTED, *SHORTENED})]
CONFIG = schemathesis.Config.from_dict({"output": {"sanitization": {"keys-to-sanitize": KEYS_TO_SANITIZE}}})
CHECKS = [response_schema_conformance, content_type_conformance]


def fresh(api: str) -> schemathesis.BaseSchema:
    """A new schema object, for registering an auth hook on."""
    return schemathesis.openapi.from_path(spec_path(api), config=CONFIG)


@cache
def load(api: str) -> schemathesis.BaseSchema:
    return fresh(api)


def signed(api: str) -> tuple[schemathesis.BaseSchema, type]:
    """The spec with a schemathesis auth hook that signs every generated case afresh (never cached).

    The returned hook class holds the signer; a fixture sets ``hook.signer`` for the running test.
    """

    class SignEveryCase:
        signer = None

        def get(self, case, context):
            return SignEveryCase.signer

        def set(self, case, signer, context):
            case.headers = {**(case.headers or {}), **signer.headers(case.method, case.formatted_path)}

    loaded = fresh(api)
    loaded.auth(refresh_interval=None)(SignEveryCase)
    return loaded, SignEveryCase


def is_signed(case: schemathesis.Case, hook: type) -> bool:
    """Whether the auth hook signed this case: schemathesis leaves the credentials of some cases
    (negative ones, boundary ones) as it generated them, and a 401 is right for those."""
    if case.meta is not None and case.meta.generation.mode != schemathesis.GenerationMode.POSITIVE:
        return False
    signed = hook.signer.headers(case.method, case.formatted_path)
    sent = {name.lower(): value for name, value in (case.headers or {}).items()}
    return all(sent.get(name.lower()) for name in signed) and all(
        sent[name.lower()] == value for name, value in signed.items() if not name.lower().endswith(("signature", "timestamp"))
    )


def send(http: ApiClient, case: schemathesis.Case) -> Exchange:
    """Send a schemathesis case with the suite's own client (rate limit included)."""
    kwargs = case.as_transport_kwargs()
    return http.send(
        case.method, case.formatted_path, headers=kwargs["headers"], params=kwargs["params"] or None,
        json=kwargs.get("json"), content=kwargs.get("data"),
    )


def validate(rid: str, case: schemathesis.Case, exchange: Exchange) -> None:
    """Schemathesis' own response validation; a finding fails ``rid``."""
    __tracebackhide__ = True
    requirement = must(rid)
    try:
        case.validate_response(exchange.response, checks=CHECKS)
    except (AssertionError, FailureGroup) as error:
        actual = str(error).strip().splitlines()[0] + "\n    " + exchange.describe_response()
        raise ConformanceFailure(requirement, f"an answer of the documented schema for status {exchange.status}",
                                 actual, exchange.request) from None
