"""The target's clock, estimated from the ``Date`` header of its answers.

US timestamps "Must be within 30 seconds of server time": a server whose clock is a
few seconds off ours is right by its own clock. Each answer's ``Date`` (whole
seconds, RFC 9110 §6.6.1) was written while our request was in flight, so it bounds
the offset (server minus suite) to ``[Date - answered_at, Date + 1 + staleness - sent_at]``,
where staleness allows for servers that cache ``Date`` for up to a second; several
answers narrow it to their intersection. The suite then stamps US requests
in the server's time and judges the window against it. Where the answers carry no
``Date``, or their bounds disagree or stay too wide, the clock is unknown and the
window is only observed, with that reason.
"""

from __future__ import annotations

import email.utils
import math
from dataclasses import dataclass

import pytest

from conformance.exchange import Exchange

MAX_UNCERTAINTY_S = 2.0  # the window checks keep 5 s between their timestamps and the 30 s bound
DATE_STALENESS_S = 1.0  # servers may cache Date for up to a second (uvicorn, nginx): it can lag the clock


@dataclass(frozen=True)
class ServerClock:
    """The target's clock relative to the suite's: ``offset_s`` = server minus suite, within ± ``uncertainty_s``."""

    offset_s: float = 0.0
    uncertainty_s: float = math.inf
    answers: int = 0
    unknown: str | None = None  # why the offset could not be estimated well enough

    @property
    def known(self) -> bool:
        return self.unknown is None

    @property
    def offset_ms(self) -> int:
        return round(self.offset_s * 1000) if self.known else 0

    def describe(self) -> str:
        if not self.known:
            return f"unknown ({self.unknown})"
        return f"{self.offset_s:+.1f} s from the suite's (± {self.uncertainty_s:.1f} s, Date of {self.answers} answers)"

    def skip_window_unless_known(self) -> None:
        """The 30 s window is judged on the server's clock: skip the judgement where it is unknown."""
        if not self.known:
            pytest.skip(f"the 30 s window is judged on the server's clock, which is unknown: {self.unknown}")


def estimate_offset(exchanges: list[Exchange]) -> ServerClock:
    """The offset that every answer's ``Date`` allows, or the reason there is none good enough."""
    low, high = -math.inf, math.inf
    for exchange in exchanges:
        try:
            server_second = email.utils.parsedate_to_datetime(exchange.response.headers["date"]).timestamp()
        except KeyError:
            return ServerClock(answers=len(exchanges), unknown="the answers carry no Date header")
        except (TypeError, ValueError):
            return ServerClock(answers=len(exchanges), unknown="an answer's Date header is not an HTTP date")
        low = max(low, server_second - exchange.answered_at)
        high = min(high, server_second + 1 + DATE_STALENESS_S - exchange.sent_at)
    if not exchanges:
        return ServerClock(unknown="no answer to read a Date from")
    if low > high:
        return ServerClock(answers=len(exchanges), unknown="the answers' Date headers disagree with each other")
    uncertainty = (high - low) / 2
    if uncertainty > MAX_UNCERTAINTY_S:
        return ServerClock(answers=len(exchanges), unknown=f"answers too slow to read the clock within {MAX_UNCERTAINTY_S:g} s")
    return ServerClock((low + high) / 2, uncertainty, len(exchanges))
