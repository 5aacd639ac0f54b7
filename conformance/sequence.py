"""What the model-based checks share: their depth per profile, and the journal.

A machine (hypothesis' ``RuleBasedStateMachine``) keeps a small model of what the
pages promise, drives the target through random sequences of requests, and judges
every answer and every state against the model with ``require``. When a sequence
breaks a promise, hypothesis shrinks it; the failure then carries the journal of
the shortest sequence found, one line per step: the request, the answer, and what
the model expected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from hypothesis import Phase, settings
from hypothesis.errors import FlakyStrategyDefinition
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test
from hypothesis.strategies import SearchStrategy

from conformance.verdict import ConformanceFailure

T = TypeVar("T")


def machine_settings() -> settings:
    """The active profile, scaled for sequences: quick runs a few short ones, nightly many long ones."""
    profile = settings.default
    return settings(
        profile,
        max_examples=max(2, profile.max_examples // 2 - 1),
        stateful_step_count=min(50, 3 + profile.max_examples),
        phases=[phase for phase in profile.phases if phase != Phase.explain],  # the journal explains better
    )


def plain(strategy: SearchStrategy[T]) -> SearchStrategy[T]:
    """``strategy``'s values as plain JSON data, so that a failing sequence prints them as such
    (hypothesis prints a built value as the call that built it)."""
    return strategy.map(lambda value: json.loads(json.dumps(value)))


def run_machine(factory: Callable[[], RuleBasedStateMachine]) -> None:
    """Run a machine (with a ``journal``) at the active profile's depth.

    A failure that depends on timing (requests at once) may not come back when hypothesis
    replays its sequence; hypothesis then reports its own confusion, and this reports the
    failure the sequence first met instead.
    """
    machines = []

    def tracked() -> RuleBasedStateMachine:
        machines.append(factory())
        return machines[-1]

    try:
        run_state_machine_as_test(tracked, settings=machine_settings())
    except FlakyStrategyDefinition as flaky:
        failure = next((m.journal.failure for m in machines if m.journal.failure is not None), None)
        if failure is None:
            raise
        failure.add_note("This sequence failed once, but not when hypothesis ran it again: the outcome depends on timing.")
        raise failure from flaky


class Journal:
    """The steps of one sequence as readable lines; a failure inside a step carries them all."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.steps = 0
        self.failed = False
        self.failure: ConformanceFailure | None = None

    def record(self, line: str) -> None:
        """A numbered step."""
        self.steps += 1
        self.lines.append(f"{self.steps:>3}. {line}")

    def detail(self, text: str) -> None:
        """A line under the current step: an answer, what the model expected."""
        self.lines.append(f"       {text}")

    @contextmanager
    def judging(self) -> Iterator[None]:
        """A failure inside carries the journal as a note."""
        try:
            yield
        except BaseException as error:
            if isinstance(error, ConformanceFailure) and not self.failed:
                error.add_note(self.render())
                self.failure = error
            self.failed = True
            raise

    @contextmanager
    def step(self, line: str) -> Iterator[None]:
        """A numbered step and the judging of it."""
        self.record(line)
        with self.judging():
            yield

    def render(self) -> str:
        return "\n".join(["Steps of the sequence (requests, answers, what the model expected):", *self.lines])
