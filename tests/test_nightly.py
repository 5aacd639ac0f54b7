"""The nightly run, through the driver `make nightly` and the workflow call: twice, with history between."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.bundled_mock import BundledMock

ROOT = Path(__file__).resolve().parent.parent
ALLURE = ROOT / "node_modules" / ".bin" / "allure"


def nightly(reports: Path, **targets: str) -> subprocess.CompletedProcess:
    """``python -m conformance.nightly`` as ``make nightly`` runs it, with the quick profile."""
    env = {name: value for name, value in os.environ.items() if name not in ("CLOB_URL", "US_URL")}
    return subprocess.run(
        [sys.executable, "-m", "conformance.nightly", "--reports", str(reports), "--profile", "quick", "--", "-q"],
        cwd=ROOT, env={**env, **targets}, capture_output=True, text=True, timeout=600,
    )


def test_two_nights(tmp_path, subtests):
    """A night against the correct mock, then one against a mock whose echo is a string (a regression
    that every generated example shows, so hypothesis saves some). One test with a subtest per promise:
    xdist would build a shared fixture once per worker (its loadgroup is broken on pytest 9.2)."""
    reports = tmp_path / "reports"
    first = nightly(reports)
    first_summary = (reports / "summary.md").read_text()
    with BundledMock(faults=["us-echo-as-string"]) as mock:
        second = nightly(reports, CLOB_URL=mock.url, US_URL=mock.url)
    summary = (reports / "summary.md").read_text()

    with subtests.test("a clean night exits 0 and is the baseline"):
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
        assert "this run is the baseline" in first_summary and "No failure." in first_summary

    with subtests.test("the next night names what changed and fails on a must"):
        assert second.returncode == 1, second.stdout[-3000:]
        assert "Since the previous run (20" in summary
        assert "- new failure: `US-BC-005` (pass → fail)" in summary
        assert "- **fail** `US-BC-005` (must): " in summary
        clob = summary.split("## Polymarket US")[0]
        assert "No failure." in clob and "- nothing changed" in clob

    with subtests.test("history grows and keeps the failing examples"):
        history = reports / "history"
        assert len(list((history / "verdicts").glob("*.json"))) == 2
        assert any(path.is_file() for path in (history / "hypothesis").rglob("*")), "no example saved by hypothesis"
        if ALLURE.exists():
            assert len((history / "allure-history.jsonl").read_text().splitlines()) == 2

    with subtests.test("junit.xml has one testcase per check, with its requirements"):
        cases = list(ET.parse(reports / "junit.xml").getroot().iter("testcase"))
        verdicts = json.loads((reports / "verdicts.json").read_text())["requirements"]
        assert len(cases) == len({test for entry in verdicts.values() for test in entry["tests"]})
        requirements = {
            case.get("name"): {p.get("value") for p in case.iter("property") if p.get("name") == "requirement"}
            for case in cases
        }
        assert all(requirements.values()), "a testcase without a requirement property"
        failed = {case.get("name") for case in cases if case.find("failure") is not None}
        assert "test_echo_keeps_order_duplicates_and_unknown_ids" in failed
        assert requirements["test_echo_keeps_order_duplicates_and_unknown_ids"] == {"US-BC-006", "US-BC-001", "US-BC-005"}

    with subtests.test("the HTML report is one file with its data inside"):
        if not ALLURE.exists():
            pytest.skip("no node_modules/.bin/allure: npm was not found when make set up")
        folder = reports / "allure-report"
        assert [path.name for path in folder.glob("**/*.html")] == ["index.html"]
        assert not [path for path in folder.iterdir() if path.is_dir()], "the report has folders to fetch"
        html = (folder / "index.html").read_text()
        # Allure's single-file report embeds every data file as base64 next to its name
        embedded = re.findall(r'"data/test-results/[^"]+\.json","([A-Za-z0-9+/=]+)"', html)
        names = {json.loads(base64.b64decode(blob))["name"] for blob in embedded}
        assert "test_echo_keeps_order_duplicates_and_unknown_ids" in names
