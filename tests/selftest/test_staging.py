"""Staging-grade runs: a correct server that is slow, rate-limited or skewed passes; a run that is
stopped from outside still writes its verdicts. (Hanging and resetting servers are faults:
``test_faults.py`` runs them.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess

from conformance.bundled_mock import BundledMock
from tests.conftest import SUITE
from tests.selftest.test_faults import failing, readable, run_suite

STAGING_LIKE = ["--latency", "0.02", "--rate-limit", "15", "--burst", "5", "--clock-offset", "4"]


def test_a_slow_rate_limited_server_4_seconds_ahead_passes(tmp_path):
    """The checks that cancel twice and compare state, and the timestamp window, through 429s and a skewed clock."""
    run = run_suite(tmp_path, mock_options=STAGING_LIKE, marker="auth or idempotency or outcome", args=["-k", "not mutated"])
    judged = {rid: e for rid, e in run.table.items() if e["verdict"] != "not run"}
    assert failing(judged) == set() and {e["verdict"] for e in judged.values()} <= {"pass", "informational"}, judged
    traffic = run.document["traffic"]
    assert traffic["clob"]["rate_limited"] + traffic["us"]["rate_limited"] > 0, traffic
    assert traffic["us"]["clock"].startswith(("+3.", "+4.", "+5.")), traffic["us"]["clock"]
    readable(run)


def test_a_server_4_seconds_behind_passes_the_window_and_a_20_second_window_still_fails(tmp_path):
    behind, window_checks = ["--clock-offset", "-4"], ["-k", "timestamp"]
    correct = run_suite(tmp_path, mock_options=behind, marker="us", args=window_checks).table
    assert correct["US-BC-012"]["verdict"] == "pass" and failing(correct) == set(), correct["US-BC-012"]
    narrow = run_suite(tmp_path, ["us-twenty-second-window"], mock_options=behind, marker="us", args=window_checks).table
    assert failing(narrow) == {"US-BC-012"}, {rid: narrow[rid]["failures"] for rid in failing(narrow)}


def test_a_server_without_a_date_header_passes_with_the_window_unjudged(tmp_path):
    """RFC 9110 lets a server without a clock leave out Date: then the window, REST and handshake, is not judged."""
    run = run_suite(tmp_path, mock_options=["--no-date"], marker="us and (auth or stream)", args=["-k", "mutated or timestamp"])
    table = run.table
    assert failing(table) == set(), {rid: table[rid]["failures"] for rid in failing(table)}
    for rid in ("US-BC-012", "US-BC-042"):  # the window's cases skip, the rest of the matrix is judged
        assert table[rid]["verdict"] == "pass", table[rid]
        assert "the 30 s window is judged on the server's clock, which is unknown" in table[rid]["details"][0]
    readable(run)


def test_a_terminated_run_writes_the_verdicts_so_far(tmp_path):
    """A CI job's timeout sends SIGTERM: what was judged is written, the rest reads `not run`."""
    verdicts = tmp_path / "verdicts.json"
    with BundledMock(options=["--latency", "0.05"]) as mock:
        command = [*SUITE, "-vv", "--clob-url", mock.url, "--us-url", mock.url, "--verdicts", str(verdicts)]
        suite = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 env={**os.environ, "PYTHONUNBUFFERED": "1"})
        output = ""
        while output.count(" PASSED") < 3 and (line := suite.stdout.readline()):
            output += line
        suite.send_signal(signal.SIGTERM)
        output += suite.communicate(timeout=120)[0]
    assert suite.returncode == 2, output[-3000:]
    document = json.loads(verdicts.read_text())
    assert document["interrupted"]
    found = {entry["verdict"] for entry in document["requirements"].values()}
    assert {"pass", "not run"} <= found, found
    assert "Traceback" not in output
