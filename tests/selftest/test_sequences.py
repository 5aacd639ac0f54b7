"""The model-based checks pass the correct mock, whatever sequences they draw.

``make conformance`` runs one derandomized set of sequences per machine; here a few
other seeds run at the same depth, so that a model stricter than the pages (a check
that would fail a correct server) shows up before it reaches users. The deep proof is
by hand: 20 consecutive nightly runs (see the README).
"""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import seed, settings
from hypothesis.stateful import run_state_machine_as_test

from conformance import verdict
from conformance.bundled_mock import BundledMock
from conformance.clob_cancel_all import test_sequences as clob_sequences
from conformance.exchange import ApiClient
from conformance.sequence import machine_settings
from conformance.target import ClobTarget, ControlPlane, UsTarget
from conformance.us_batched_cancel import test_sequences as us_sequences
from tests.conftest import SUITE

MACHINES = {"clob": (ClobTarget, clob_sequences.ClobSequences, clob_sequences.test_random_sequences_keep_every_promise),
            "us": (UsTarget, us_sequences.UsSequences, us_sequences.test_random_sequences_keep_every_promise)}


@pytest.fixture(scope="module")
def sandbox():
    with BundledMock() as mock:
        yield mock.url


@pytest.mark.parametrize("number", [1, 2, 3])
@pytest.mark.parametrize("api", sorted(MACHINES))
def test_the_correct_mock_passes_the_machines(sandbox, api, number):
    kind, machine, check = MACHINES[api]
    verdict.CURRENT.start(check.pytestmark[0].args)  # the machine names what its check declares
    target = kind(api, sandbox, ApiClient(sandbox), ControlPlane.discover(sandbox))
    try:
        run_state_machine_as_test(seed(number)(lambda: machine(target)),
                                  settings=settings(machine_settings(), derandomize=False))
    finally:
        target.close()


def test_a_failing_sequence_reads_as_its_steps(tmp_path):
    """The failure names the requirement and shows each step: the request, the answer, what the model expected."""
    with BundledMock(["us-open-orders-cached"]) as mock:
        command = [*SUITE, "-m", "us and sequence", "--hypothesis-profile", "ci", "--us-url", mock.url,
                   "--verdicts", str(tmp_path / "verdicts.json")]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout[-3000:]
    failure = done.stdout[done.stdout.index("US-BC-031 (must) violated"):]
    assert "Expected: GET /v1/orders/open as " in failure, failure[:3000]
    assert "Steps of the sequence (requests, answers, what the model expected):" in failure
    assert "  1. open the order stream of each account and subscribe" in failure
    assert "  2. place orders for a: a1 = " in failure
    assert "state = UsSequences()" in failure  # hypothesis' own lines, to replay it
    assert "Traceback" not in failure
