"""Every check can fail: each fault of the mock makes exactly the requirements meant to catch it fail,
and the correct mock passes every one.

Each case runs the real suite, as a user would, against a ``conformance-mock``
process started with one fault, and reads the verdicts it writes.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from conformance.bundled_mock import BundledMock
from conformance.catalogue import requirements
from conformance_mock.faults import FAULTS
from tests.conftest import SUITE

# fault → the requirements that must fail when the mock has it (and no others)
CAUGHT_BY = {name: fault.caught_by for name, fault in FAULTS.items()}


def run_suite(tmp_path, faults=(), marker=None, options=()) -> dict[str, dict]:
    """Run the conformance suite against a mock with ``faults`` (and ``options``); return its verdicts."""
    verdicts = tmp_path / "verdicts.json"
    with BundledMock(faults, options) as mock:
        command = [*SUITE, "--clob-url", mock.url, "--us-url", mock.url, "--verdicts", str(verdicts)]
        if marker:
            command += ["-m", marker]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert verdicts.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    table = json.loads(verdicts.read_text())["requirements"]
    return {rid: entry for rid, entry in table.items() if marker is None or marker in (entry["api"], entry["area"])}


def failing(table: dict[str, dict]) -> set[str]:
    return {rid for rid, entry in table.items() if entry["verdict"] in ("fail", "error")}


def test_every_fault_names_the_requirements_that_catch_it():
    for name, fault in FAULTS.items():
        assert fault.caught_by, f"{name} names no requirement"
        assert fault.caught_by <= set(requirements()), f"{name} names an unknown requirement"
        assert fault.__doc__, f"{name} has no description"


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


def test_a_busy_order_stream_passes(tmp_path):
    """Split snapshots, heartbeats, NEW updates, updates late and reordered: all the protocol allows, all correct."""
    table = run_suite(tmp_path, marker="stream", options=["--stream-style", "busy"])
    assert table and {entry["verdict"] for entry in table.values()} <= {"pass", "informational"}, {
        rid: (entry["verdict"], entry["details"][:2]) for rid, entry in table.items()}


@pytest.mark.parametrize("fault", sorted(CAUGHT_BY))
def test_fault_is_caught_by_exactly_its_requirements(tmp_path, fault):
    table = run_suite(tmp_path, [fault], marker=fault.split("-")[0])
    assert failing(table) == CAUGHT_BY[fault], {rid: table[rid]["details"][:2] for rid in failing(table)}
