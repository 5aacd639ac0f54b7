"""The GitHub workflows pass actionlint, and the nightly one hands the suite what it reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from conformance.target import ENV

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = Path(sys.executable).with_name("actionlint")


def test_workflows_pass_actionlint():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == ["ci.yml", "nightly.yml"]
    done = subprocess.run([str(ACTIONLINT), *map(str, files)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_nightly_runs_make_nightly_with_targets_and_accounts_from_the_repository():
    workflow = yaml.safe_load((WORKFLOWS / "nightly.yml").read_text())
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}  # YAML 1.1 reads the key `on` as True
    job = workflow["jobs"]["conformance"]
    assert job["env"]["CLOB_URL"] == "${{ vars.CLOB_URL }}" and job["env"]["US_URL"] == "${{ vars.US_URL }}"
    for name in [*ENV["clob"], *ENV["us"]]:
        assert job["env"][name] == f"${{{{ secrets.{name} }}}}"
    runs = [step.get("run", "") for step in job["steps"]]
    assert "make nightly" in runs
    publishing = job["steps"][runs.index("make nightly") + 1:]
    assert publishing and all(step.get("if") == "${{ !cancelled() }}" for step in publishing)
