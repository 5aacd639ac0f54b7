"""Verifying the two auth schemes, as the documented servers do.

Written independently of the suite's signers: the official clients' signatures
must verify here (tests/interop), so a shared bug cannot hide.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

US_WINDOW_MS = 30_000
MAX_TIMESTAMP_DIGITS = 18
"""Longer digit strings are no timestamp (and ``int()`` refuses 4,300 digits and more)."""


class AuthError(Exception):
    """Authentication failed; the message is safe to return."""


HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


def expected_clob_signature(secret: str, timestamp: str, method: str, path: str, body: bytes = b"") -> str:
    """URL-safe base64 HMAC-SHA256, keyed by the URL-safe-base64-decoded secret, of timestamp + method + path (+ body)."""
    message = timestamp.encode() + method.encode() + path.encode()
    key = base64.urlsafe_b64decode(secret)
    return base64.urlsafe_b64encode(hmac.new(key, message + body, hashlib.sha256).digest()).decode()


def clob_signature_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def us_timestamp_ok(timestamp: str, window_ms: int | None = US_WINDOW_MS, now_ms: int | None = None) -> bool:
    """"Unix timestamp in milliseconds. Must be within 30 seconds of server time.\" (``now_ms``: server time)"""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
        return False
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    return window_ms is None or abs(now_ms - int(timestamp)) <= window_ms


def us_signature_valid(public_key: bytes, signature: str, message: str) -> bool:
    """X-PM-Signature: standard base64 Ed25519 signature of ``message`` (timestamp + method + path)."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 64:
        return False
    try:
        VerifyKey(public_key).verify(message.encode(), raw)
    except BadSignatureError:
        return False
    return True
