"""How a check speaks: ``require`` fails a must, ``inform`` records what the pages leave open.

A failure reads Requirement / Spec / Expected / Actual / Sent, so that a server
author can fix the server from the message alone.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from conformance.catalogue import Requirement, requirements
from conformance.exchange import Exchange


class ConformanceFailure(AssertionError):
    """A must-requirement is violated."""

    def __init__(self, requirement: Requirement, expected: str, actual: str, exchange: Exchange | None) -> None:
        self.requirement = requirement
        parts = [
            f"{requirement.id} ({requirement.level}) violated: {requirement.check}",
            f"Spec:     \"{requirement.sentence}\"",
            f"Expected: {expected}",
            f"Actual:   {actual}",
        ]
        if exchange is not None:
            parts.append("Sent:\n" + textwrap.indent(exchange.describe_request(), "    "))
        super().__init__("\n".join(parts))


def _lookup(rid: str, level: str) -> Requirement:
    requirement = requirements()[rid]
    if requirement.level != level:
        raise ValueError(f"{rid} is {requirement.level}, not {level}")
    return requirement


def require(rid: str, condition: bool, *, expected: str, exchange: Exchange | None = None, actual: str | None = None) -> None:
    """Fail ``rid`` unless ``condition`` holds; ``actual`` defaults to the exchange's response."""
    __tracebackhide__ = True
    if condition:
        return
    requirement = _lookup(rid, "must")
    if actual is None:
        actual = exchange.describe_response() if exchange is not None else "not so"
    raise ConformanceFailure(requirement, expected, actual, exchange)


@dataclass
class Notes:
    """Informational observations of the running test, collected by the plugin."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, rid: str, observation: str) -> None:
        if (rid, observation) not in self.items:
            self.items.append((rid, observation))


CURRENT = Notes()


def inform(rid: str, observation: str) -> None:
    """Record what the target does where the pages are silent: reported, never failed."""
    _lookup(rid, "informational")
    CURRENT.add(rid, observation)
