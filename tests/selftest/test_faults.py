"""Every check can fail: each fault of the mock makes exactly the requirements meant to catch it fail,
and the correct mock passes every one.

Each case runs the real suite, as a user would, against a ``conformance-mock``
process started with one fault, and reads the verdicts it writes.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conformance.bundled_mock import BundledMock
from conformance.catalogue import requirements

# fault → the requirements that must fail when the mock has it (and no others)
CAUGHT_BY = {
    "clob-skips-signature-check": {"CLOB-CA-008"},
    "clob-finds-account-by-address": {"CLOB-CA-005"},
    "clob-ignores-passphrase": {"CLOB-CA-006"},
    "clob-ignores-address": {"CLOB-CA-007"},
    "clob-rejects-valid-signatures": {
        "CLOB-CA-001", "CLOB-CA-003", "CLOB-CA-004", "CLOB-CA-009", "CLOB-CA-011", "CLOB-CA-012", "CLOB-CA-013",
    },
    "clob-signature-ignores-method": {"CLOB-CA-008"},
    "clob-error-body-not-json": {"CLOB-CA-010"},
    "clob-omits-empty-not-canceled": {"CLOB-CA-010"},
    "clob-truncates-canceled-list": {"CLOB-CA-002"},
    "clob-cancels-other-accounts": {"CLOB-CA-011", "CLOB-CA-012"},
    "clob-reports-without-canceling": {"CLOB-CA-001", "CLOB-CA-003", "CLOB-CA-013"},
    "clob-cancel-only-blocks-cancels": {"CLOB-CA-003"},
    "clob-disabled-still-cancels": {"CLOB-CA-004"},
    "clob-uncancelable-listed-as-canceled": {"CLOB-CA-012"},
    "clob-relists-canceled-orders": {"CLOB-CA-013"},
    "us-skips-signature-check": {"US-BC-011", "US-BC-014"},
    "us-missing-signature-skips-auth": {"US-BC-010"},
    "us-rejects-valid-signatures": {
        "US-BC-001", "US-BC-002", "US-BC-003", "US-BC-004", "US-BC-009", "US-BC-012", "US-BC-013", "US-BC-016",
    },
    "us-accepts-stale-timestamps": {"US-BC-012"},
    "us-narrow-timestamp-window": {"US-BC-012"},
    "us-signature-ignores-method": {"US-BC-011"},
    "us-signature-tolerates-trailing-slash": {"US-BC-011"},
    "us-signature-checked-against-any-key": {"US-BC-011", "US-BC-014"},
    "us-max-batch-25": {"US-BC-002"},
    "us-max-batch-10": {"US-BC-001"},
    "us-accepts-empty-batch": {"US-BC-003"},
    "us-partial-batch": {"US-BC-004"},
    "us-echo-deduplicated": {"US-BC-006"},
    "us-echo-drops-unknown-ids": {"US-BC-006"},
    "us-echo-sorted": {"US-BC-006", "US-BC-016"},
    "us-ignores-cancels": {"US-BC-007", "US-BC-009", "US-BC-016"},
    "us-cancels-foreign-orders": {"US-BC-015"},
    "us-cancels-whole-market": {"US-BC-008", "US-BC-016"},
    "us-stream-misses-cancels": {"US-BC-009"},
    "us-repeat-cancel-rejected": {"US-BC-016"},
    "us-malformed-json-500": {"US-BC-003"},
    "us-echo-as-string": {"US-BC-005"},
}


def run_suite(tmp_path, faults=(), marker=None) -> dict[str, dict]:
    """Run the conformance suite against a mock with ``faults``; return its verdicts."""
    verdicts = tmp_path / "verdicts.json"
    with BundledMock(faults) as mock:
        command = [
            sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider",
            "--hypothesis-profile", "quick", "--clob-url", mock.url, "--us-url", mock.url,
            "--verdicts", str(verdicts),
        ]
        if marker:
            command += ["-m", marker]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert verdicts.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    table = json.loads(verdicts.read_text())["requirements"]
    return {rid: entry for rid, entry in table.items() if marker is None or entry["api"] == marker}


def failing(table: dict[str, dict]) -> set[str]:
    return {rid for rid, entry in table.items() if entry["verdict"] in ("fail", "error")}


def test_every_fault_of_the_mock_is_listed_here():
    from conformance_mock.faults import FAULTS

    assert set(FAULTS) >= set(CAUGHT_BY)
    assert set(FAULTS) - set(CAUGHT_BY) <= {"no-control-plane"}


def test_every_must_requirement_is_caught_by_some_fault():
    caught = set().union(*CAUGHT_BY.values())
    musts = {rid for rid, r in requirements().items() if not r.informational}
    assert musts - caught == set()


def test_the_correct_mock_passes_every_requirement(tmp_path):
    table = run_suite(tmp_path)
    assert failing(table) == set(), {rid: table[rid]["details"] for rid in failing(table)}
    for rid, entry in table.items():
        expected = "informational" if requirements()[rid].informational else "pass"
        assert entry["verdict"] == expected, (rid, entry)


@pytest.mark.parametrize("fault", sorted(CAUGHT_BY))
def test_fault_is_caught_by_exactly_its_requirements(tmp_path, fault):
    table = run_suite(tmp_path, [fault], marker=fault.split("-")[0])
    assert failing(table) == CAUGHT_BY[fault], {rid: table[rid]["details"][:2] for rid in failing(table)}
