"""One signer per auth scheme, each an ``httpx.Auth`` that sees the exact bytes sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Generator
from dataclasses import dataclass

import httpx
from nacl.signing import SigningKey


@dataclass(frozen=True, repr=False)
class ClobCredentials:
    """L2 credentials of one CLOB account. ``repr`` never shows them."""

    api_key: str
    secret: str  # URL-safe base64
    passphrase: str
    address: str

    def __repr__(self) -> str:
        return "ClobCredentials(<redacted>)"


@dataclass(frozen=True, repr=False)
class UsCredentials:
    """Ed25519 credentials of one Polymarket US account. ``repr`` never shows them."""

    key_id: str
    secret_key: str  # standard base64 of the 32-byte seed (+ optionally the 32-byte public key)
    clock_offset_ms: int = 0  # the server's clock minus ours: requests are stamped in the server's time

    def __repr__(self) -> str:
        return "UsCredentials(<redacted>)"


def clob_signature(secret: str, timestamp: str, method: str, path: str, body: bytes | str = b"") -> str:
    """POLY_SIGNATURE: URL-safe base64 HMAC-SHA256, keyed by the decoded secret, of timestamp + method + path (+ body)."""
    if isinstance(body, bytes):
        body = body.decode()
    message = f"{timestamp}{method}{path}{body}"
    digest = hmac.new(base64.urlsafe_b64decode(secret), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


def us_signature(secret_key: str, timestamp: str, method: str, path: str) -> str:
    """X-PM-Signature: "Base64-encoded Ed25519 signature of `timestamp + method + path`"."""
    seed = base64.b64decode(secret_key)[:32]
    signed = SigningKey(seed).sign(f"{timestamp}{method}{path}".encode())
    return base64.b64encode(signed.signature).decode()


class ClobSigner(httpx.Auth):
    """Adds the five ``POLY_*`` L2 headers; the timestamp is Unix seconds."""

    requires_request_body = True

    def __init__(self, credentials: ClobCredentials) -> None:
        self.credentials = credentials

    def headers(self, method: str, path: str, body: bytes = b"", timestamp: str | None = None) -> dict[str, str]:
        timestamp = timestamp if timestamp is not None else str(int(time.time()))
        creds = self.credentials
        return {
            "POLY_ADDRESS": creds.address,
            "POLY_SIGNATURE": clob_signature(creds.secret, timestamp, method, path, body),
            "POLY_TIMESTAMP": timestamp,
            "POLY_API_KEY": creds.api_key,
            "POLY_PASSPHRASE": creds.passphrase,
        }

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.headers(request.method, request.url.path, request.content))
        yield request


class UsSigner(httpx.Auth):
    """Adds the three ``X-PM-*`` headers; the timestamp is Unix milliseconds."""

    def __init__(self, credentials: UsCredentials) -> None:
        self.credentials = credentials

    def now_ms(self) -> int:
        """The server's time in milliseconds, as far as the suite knows it."""
        return int(time.time() * 1000) + self.credentials.clock_offset_ms

    def headers(self, method: str, path: str, timestamp: str | None = None) -> dict[str, str]:
        timestamp = timestamp if timestamp is not None else str(self.now_ms())
        return {
            "X-PM-Access-Key": self.credentials.key_id,
            "X-PM-Timestamp": timestamp,
            "X-PM-Signature": us_signature(self.credentials.secret_key, timestamp, method, path),
        }

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.headers(request.method, request.url.path))
        yield request
