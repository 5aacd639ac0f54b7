"""How a check speaks: ``require`` fails a must, ``inform`` records what the pages leave open.

A failure reads Requirement / Spec / Expected / Actual / Sent, so that a server
author can fix the server from the message alone.

A check names only requirements its test declares with ``@pytest.mark.requirement``:
the markers select tests (``-m``), label the report and list what a test judges
before it runs, so an id used but not declared would escape all three. Naming one
is a bug of the suite (``UndeclaredRequirement``), found the first time the check runs.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import httpx

from conformance.catalogue import Requirement, requirements
from conformance.exchange import Exchange, describe_request


class ConformanceFailure(AssertionError):
    """A must-requirement is violated."""

    def __init__(self, requirement: Requirement, expected: str, actual: str, request: httpx.Request | None) -> None:
        self.requirement = requirement
        self.expected = expected
        self.actual = actual
        parts = [
            f"{requirement.id} ({requirement.level}) violated: {requirement.check}",
            f"Spec:     \"{requirement.sentence}\"",
            f"Expected: {expected}",
            f"Actual:   {actual}",
        ]
        if request is not None:
            parts.append("Sent:\n" + textwrap.indent(describe_request(request), "    "))
        super().__init__("\n".join(parts))

    @property
    def summary(self) -> str:
        """One line: what came back, against what was expected."""
        return f"{self.actual.splitlines()[0]} (expected {self.expected})"


class UndeclaredRequirement(Exception):
    """A check named a requirement its test does not declare: a bug of the suite."""


@dataclass
class Notes:
    """The running test: the requirements it declares and its informational observations."""

    declared: tuple[str, ...] | None = None  # None outside a test
    items: list[tuple[str, str]] = field(default_factory=list)

    def start(self, declared: tuple[str, ...]) -> None:
        self.declared = declared
        self.items.clear()

    def add(self, rid: str, observation: str) -> None:
        if (rid, observation) not in self.items:
            self.items.append((rid, observation))


CURRENT = Notes()


def _lookup(rid: str, level: str) -> Requirement:
    requirement = requirements()[rid]
    if requirement.level != level:
        raise ValueError(f"{rid} is {requirement.level}, not {level}")
    if CURRENT.declared is not None and rid not in CURRENT.declared:
        raise UndeclaredRequirement(
            f"a check names {rid}, which its test does not declare ({', '.join(CURRENT.declared) or 'none'}): "
            f"add it to the test's @pytest.mark.requirement"
        )
    return requirement


def must(rid: str) -> Requirement:
    """Must-requirement ``rid``, declared by the running test (for checks that raise their own failure)."""
    return _lookup(rid, "must")


def require(rid: str, condition: bool, *, expected: str, exchange: Exchange | None = None, actual: str | None = None) -> None:
    """Fail ``rid`` unless ``condition`` holds; ``actual`` defaults to the exchange's response."""
    __tracebackhide__ = True
    requirement = must(rid)
    if condition:
        return
    if actual is None:
        actual = exchange.describe_response() if exchange is not None else "not so"
    raise ConformanceFailure(requirement, expected, actual, exchange.request if exchange is not None else None)


def inform(rid: str, observation: str) -> None:
    """Record what the target does where the pages are silent: reported, never failed."""
    _lookup(rid, "informational")
    CURRENT.add(rid, observation)
