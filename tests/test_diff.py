"""conformance-diff: what changed between two verdicts.json, and a matrix of many."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conformance.diff import Change, changes

DIFF = Path(sys.executable).with_name("conformance-diff")  # the console script


def verdicts(path: Path, url: str = "http://staging.example", **table: tuple[str, str]) -> Path:
    """A verdicts.json with requirement id → (level, verdict); ids written with underscores."""
    document = {
        "targets": {"clob": url, "us": None},
        "requirements": {
            rid.replace("_", "-"): {"api": "clob", "level": level, "area": "outcome", "verdict": verdict,
                                    "details": [], "tests": []}
            for rid, (level, verdict) in table.items()
        },
    }
    path.write_text(json.dumps(document))
    return path


def diff(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(DIFF), *map(str, paths)], capture_output=True, text=True, timeout=60)


NIGHT = {"CLOB_CA_001": ("must", "pass"), "CLOB_CA_002": ("must", "pass"), "CLOB_CA_015": ("informational", "informational")}


def test_identical_files_exit_0(tmp_path):
    done = diff(verdicts(tmp_path / "a.json", **NIGHT), verdicts(tmp_path / "b.json", **NIGHT))
    assert done.returncode == 0
    assert "No requirement changed" in done.stdout


def test_a_must_that_passed_and_now_fails_exits_1_naming_it(tmp_path):
    old = verdicts(tmp_path / "old.json", **NIGHT)
    new = verdicts(tmp_path / "new.json", **{**NIGHT, "CLOB_CA_002": ("must", "fail")})
    done = diff(old, new)
    assert done.returncode == 1
    assert "| CLOB-CA-002 | must | pass | fail | new failure |" in done.stdout
    assert "passed and now fail: CLOB-CA-002" in done.stdout


def test_other_changes_are_listed_without_failing(tmp_path):
    old = verdicts(tmp_path / "old.json", **{**NIGHT, "CLOB_CA_002": ("must", "fail")})
    new = verdicts(tmp_path / "new.json", **{**NIGHT, "CLOB_CA_001": ("must", "blocked"),
                                             "CLOB_CA_015": ("informational", "error")})
    done = diff(old, new)
    assert done.returncode == 0, done.stdout
    assert "| CLOB-CA-001 | must | pass | blocked | changed |" in done.stdout  # a verdict name this tool does not know
    assert "| CLOB-CA-002 | must | fail | pass | fixed |" in done.stdout
    assert "| CLOB-CA-015 | informational | informational | error | new failure |" in done.stdout


def test_change_kinds():
    def kind(old, new):
        return Change("R", "must", "clob", old, new).kind

    assert kind("pass", "error") == "new failure"
    assert kind("fail", "informational") == "fixed"
    assert kind("pass", "skipped") == "newly skipped"
    assert kind("fail", "error") == "changed"
    old = {"requirements": {"A": {"verdict": "pass"}}}
    new = {"requirements": {"B": {"verdict": "pass", "level": "must"}}}
    assert [(c.rid, c.old, c.new) for c in changes(old, new)] == [("B", "—", "pass"), ("A", "pass", "—")]


def test_more_files_make_a_markdown_matrix(tmp_path):
    runs = [
        verdicts(tmp_path / "mock.json", "http://127.0.0.1:8000", **NIGHT),
        verdicts(tmp_path / "staging.json", "https://staging.example", **{**NIGHT, "CLOB_CA_002": ("must", "fail")}),
        verdicts(tmp_path / "sandbox.json", "https://sandbox.example", CLOB_CA_001=("must", "skipped")),
    ]
    done = diff(*runs)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == "| requirement | level | mock | staging | sandbox |"
    assert "| CLOB-CA-001 | must | pass | pass | skipped |" in lines
    assert "| CLOB-CA-002 | must | pass | **fail** | — |" in lines
    assert "- staging: clob https://staging.example" in lines


def test_a_file_that_is_not_verdicts_is_one_line(tmp_path):
    (tmp_path / "junk.json").write_text("{}")
    for args in ([tmp_path / "missing.json", tmp_path / "junk.json"], [tmp_path / "junk.json", tmp_path / "junk.json"]):
        done = diff(*args)
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
        assert done.stderr.startswith("conformance-diff: ")
