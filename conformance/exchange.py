"""One HTTP client for every request the suite sends, and what it shows of an exchange.

Secrets never leave this module: signatures and passphrases are redacted and key
ids shortened wherever an exchange is described (failure messages, reports).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

REDACTED = {"poly_signature", "poly_passphrase", "x-pm-signature", "poly_secret", "polymarket_secret_key"}
SHORTENED = {"poly_api_key", "x-pm-access-key"}
BODY_LIMIT = 600


def redact_header(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered in REDACTED:
        return "<redacted>"
    if lowered in SHORTENED:
        return value[:4] + "…" if len(value) > 4 else "<redacted>"
    return value


def _clip(text: str) -> str:
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + f"… ({len(text)} characters)"


@dataclass
class Exchange:
    """A request the suite sent and what came back."""

    request: httpx.Request
    response: httpx.Response

    @property
    def status(self) -> int:
        return self.response.status_code

    def json(self) -> object:
        """The response body as JSON, or None when it is not JSON."""
        try:
            return self.response.json()
        except ValueError:
            return None

    def describe_request(self) -> str:
        lines = [f"{self.request.method} {self.request.url}"]
        for name, value in self.request.headers.items():
            if name.lower().startswith(("poly_", "x-pm-", "content-type")):
                lines.append(f"{name}: {redact_header(name, value)}")
        body = self.request.content.decode(errors="replace")
        if body:
            lines.append(_clip(body))
        return "\n".join(lines)

    def describe_response(self) -> str:
        content_type = self.response.headers.get("content-type", "no content type")
        body = self.response.text
        return f"{self.status} ({content_type}) {_clip(body) if body else '<empty body>'}"


class ApiClient:
    """httpx with a request-rate cap, so a real account stays under its rate limits."""

    def __init__(self, base_url: str, max_per_second: float | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self._interval = 1.0 / max_per_second if max_per_second else 0.0
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def _wait_for_slot(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self._interval
        time.sleep(max(0.0, slot - now))

    def send(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | None = None,
        params: dict[str, str] | None = None,
    ) -> Exchange:
        self._wait_for_slot()
        response = self._http.request(
            method, path, json=json, content=content, headers=headers, auth=auth, params=params
        )
        return Exchange(response.request, response)

    def close(self) -> None:
        self._http.close()
