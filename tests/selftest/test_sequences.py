"""The model-based checks pass the correct mock, whatever sequences they draw.

``make conformance`` runs one derandomized set of sequences per machine; here a few
other seeds run at the same depth, so that a model stricter than the pages (a check
that would fail a correct server) shows up before it reaches users. The deep proof is
by hand: 20 consecutive nightly runs (see the README).
"""

from __future__ import annotations

import pytest
from hypothesis import seed, settings
from hypothesis.stateful import run_state_machine_as_test

from conformance.bundled_mock import BundledMock
from conformance.clob_cancel_all.test_sequences import ClobSequences
from conformance.exchange import ApiClient
from conformance.sequence import machine_settings
from conformance.target import ClobTarget, ControlPlane, UsTarget
from conformance.us_batched_cancel.test_sequences import UsSequences

MACHINES = {"clob": (ClobTarget, ClobSequences), "us": (UsTarget, UsSequences)}


@pytest.fixture(scope="module")
def sandbox():
    with BundledMock() as mock:
        yield mock.url


@pytest.mark.parametrize("number", [1, 2, 3])
@pytest.mark.parametrize("api", sorted(MACHINES))
def test_the_correct_mock_passes_the_machines(sandbox, api, number):
    kind, machine = MACHINES[api]
    target = kind(api, sandbox, ApiClient(sandbox), ControlPlane.discover(sandbox))
    try:
        run_state_machine_as_test(seed(number)(lambda: machine(target)),
                                  settings=settings(machine_settings(), derandomize=False))
    finally:
        target.close()
