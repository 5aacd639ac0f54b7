"""One HTTP client for every request the suite sends, and what it shows of an exchange.

Secrets never leave this module: signatures and passphrases are redacted and key
ids shortened wherever an exchange is described (failure messages, reports).

Staging servers are slow, rate-limited and sometimes silent. The client therefore
- paces its requests (``max_per_second``),
- answers a rate limit by waiting and resending: a 429, or a 503 carrying
  ``Retry-After`` when the request is not about trading status, is never handed to
  a check (both mean the server did not act on the request, RFC 6585 §4 and
  RFC 9110 §15.6.4, so the resent request is the one and only one the check judges;
  a request whose timestamp the check fixed is resent only while it is still fresh),
- turns a request without an answer (timeout, refused, reset) into ``NoAnswer``,
  one readable line with the redacted request, and
- counts all of it per API (``Traffic``) for the run's summary.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import TypeVar

import httpx

REDACTED = {"poly_signature", "poly_passphrase", "x-pm-signature", "poly_secret", "polymarket_secret_key"}
SHORTENED = {"poly_api_key", "x-pm-access-key"}
BODY_LIMIT = 600
T = TypeVar("T")

RETRY_AFTER_CAP = 30.0  # seconds: the most the suite waits on one Retry-After
MAX_RETRIES = 5  # rate-limited answers to one request before the check is given up
BACKOFF_START = 1.0  # seconds, doubled per retry, when a rate limit names no Retry-After
# A check that builds its own auth headers fixes their timestamp: resent after a long wait, the request
# would probe another timestamp than the check meant (the US window leaves 5 s of margin).
TIMESTAMP_HEADERS = {"poly_timestamp", "x-pm-timestamp"}
FIXED_TIMESTAMP_SLACK = 2.0  # seconds such a request may wait for its resend


def redact_header(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered in REDACTED:
        return "<redacted>"
    if lowered in SHORTENED:
        return value[:4] + "…" if len(value) > 4 else "<redacted>"
    return value


def _clip(text: str) -> str:
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + f"… ({len(text)} characters)"


def describe_request(request: httpx.Request) -> str:
    """The request as a server author needs it: method, URL, the auth and content headers (redacted), the body."""
    lines = [f"{request.method} {request.url}"]
    for name, value in request.headers.items():
        if name.lower().startswith(("poly_", "x-pm-", "content-type")):
            lines.append(f"{name}: {redact_header(name, value)}")
    body = request.content.decode(errors="replace")
    if body:
        lines.append(_clip(body))
    return "\n".join(lines)


@dataclass
class Exchange:
    """A request the suite sent and what came back (after any rate-limit retries)."""

    request: httpx.Request
    response: httpx.Response
    sent_at: float = 0.0  # wall clock (time.time()) when the answered request left
    answered_at: float = 0.0  # wall clock when its answer arrived
    rate_limited: int = 0  # rate-limited answers before this one (each followed by a resend)

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
        return describe_request(self.request)

    def describe_response(self) -> str:
        content_type = self.response.headers.get("content-type", "no content type")
        body = self.response.text
        return f"{self.status} ({content_type}) {_clip(body) if body else '<empty body>'}"


class TransportFailure(BaseException):
    """The target gave no answer a check can judge.

    A ``BaseException``, like pytest's own outcomes: hypothesis neither shrinks nor
    replays it, and no library's ``except Exception`` swallows it, so a silent server
    costs one timeout per check. The plugin turns it into the check's verdict.
    """

    def __init__(self, what: str, request: httpx.Request | None) -> None:
        super().__init__(what)
        self.what = what
        self.request = request

    def describe(self) -> str:
        sent = describe_request(self.request) if self.request is not None else "<request not built>"
        return f"{self.what}\nSent:\n" + "\n".join("    " + line for line in sent.splitlines())


class NoAnswer(TransportFailure):
    """No answer: a timeout, a refused or reset connection. A fail of the requirement being judged."""


class StillRateLimited(TransportFailure):
    """Every resend was rate-limited too: nothing can be judged, the check is skipped."""


def what_happened(error: httpx.TransportError, timeout: float) -> str:
    """One readable line for a transport error: no exception type, no library internals."""
    if isinstance(error, httpx.ConnectTimeout):
        return f"no connection within {timeout:g} s"
    if isinstance(error, httpx.TimeoutException):
        return f"no answer within {timeout:g} s"
    if isinstance(error, httpx.ConnectError):
        return "connection refused" if "refused" in str(error).lower() else "could not connect to the server"
    if isinstance(error, (httpx.ReadError, httpx.WriteError)):
        return "connection reset by the server" if "reset" in str(error).lower() else "the connection broke mid-request"
    if isinstance(error, httpx.RemoteProtocolError):
        return "the server closed the connection without a complete answer"
    return "the request failed on the way (no HTTP answer)"


def _request_of(error: httpx.TransportError) -> httpx.Request | None:
    try:
        return error.request
    except RuntimeError:  # raised before a request was bound to the error
        return None


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks to wait (delta-seconds or an HTTP date), or None."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    try:  # an HTTP date is in the server's clock: measure from the server's Date
        now = email.utils.parsedate_to_datetime(response.headers["date"]).timestamp()
    except (KeyError, TypeError, ValueError):
        now = time.time()
    return max(0.0, when - now)


@dataclass
class Traffic:
    """What one API's client sent and met, for the run's summary."""

    requests: int = 0  # requests sent, resends included
    rate_limited: int = 0  # 429 (or 503 with Retry-After) answers
    retries: int = 0  # resends after a rate limit
    no_answer: int = 0  # timeouts, refused and reset connections
    seconds: float = 0.0  # time spent in requests: pacing, waits and answers

    def add(self, other: dict) -> None:
        for name, value in other.items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict:
        return {**asdict(self), "seconds": round(self.seconds, 1)}


class ApiClient:
    """httpx with a request timeout, a pace, rate-limit retries and transport failures as ``NoAnswer``."""

    def __init__(self, base_url: str, max_per_second: float | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self._interval = 1.0 / max_per_second if max_per_second else 0.0
        self._next_slot = 0.0
        self._lock = threading.Lock()
        self.traffic = Traffic()

    def _wait_for_slot(self) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self._interval
        time.sleep(max(0.0, slot - now))

    def _hold_off(self, seconds: float) -> None:
        """Send nothing more (from any thread) for ``seconds``: the server asked for a pause."""
        with self._lock:
            self._next_slot = max(self._next_slot, time.monotonic() + seconds)

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
        retry_unavailable: bool = True,
    ) -> Exchange:
        """Send and return the first answer that is not a rate limit.

        ``retry_unavailable=False`` when a 503 is what the check is about (trading status).
        """
        started = time.monotonic()
        fixed_timestamp = auth is None and any(name.lower() in TIMESTAMP_HEADERS for name in headers or {})
        try:
            for attempt in range(MAX_RETRIES + 1):
                self._wait_for_slot()
                sent_at = time.time()
                self._count(requests=1)
                try:
                    response = self._http.request(
                        method, path, json=json, content=content, headers=headers, auth=auth, params=params
                    )
                except httpx.TransportError as error:
                    self._count(no_answer=1)
                    raise NoAnswer(what_happened(error, self.timeout), _request_of(error)) from None
                wait = self._rate_limit_wait(response, attempt, retry_unavailable)
                if wait is None:
                    return Exchange(response.request, response, sent_at, time.time(), attempt)
                self._count(rate_limited=1)
                if fixed_timestamp and time.monotonic() - started + wait > FIXED_TIMESTAMP_SLACK:
                    raise StillRateLimited(
                        f"rate-limited ({response.status_code}, wait {wait:.0f} s): its fixed timestamp would be "
                        f"stale when resent", response.request,
                    )
                if attempt < MAX_RETRIES:
                    self._count(retries=1)
                    self._hold_off(wait)
            raise StillRateLimited(
                f"still rate-limited ({response.status_code}) after {MAX_RETRIES} resends over "
                f"{time.monotonic() - started:.0f} s; lower --rate-limit", response.request,
            )
        finally:
            self._count(seconds=time.monotonic() - started)

    def _count(self, **increments: float) -> None:
        with self._lock:
            self.traffic.add(increments)

    @staticmethod
    def _rate_limit_wait(response: httpx.Response, attempt: int, retry_unavailable: bool) -> float | None:
        """How long to wait before resending, or None when the answer is for the check to judge."""
        asked = retry_after(response)
        if response.status_code == 429 or (response.status_code == 503 and retry_unavailable and asked is not None):
            return min(asked, RETRY_AFTER_CAP) if asked is not None else BACKOFF_START * 2**attempt
        return None

    def close(self) -> None:
        self._http.close()


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run ``calls`` in threads released together, so that their requests overlap on the server."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))
