"""`pip install .` (not editable) makes a pytest plugin that judges a server from any directory."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, command))}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done


def install(work: Path) -> Path:
    """The python of a fresh venv holding the suite's wheel; its dependencies are this venv's, so no index is needed."""
    source = work / "source"  # a copy, so that the build leaves nothing in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "reports", "build", "*.egg-info", "tests", "benchmarks", "docs"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", work / "dist", source])
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    Path(site, "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next((work / "dist").glob("*.whl"))
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel])
    return python


def test_every_package_of_the_checkout_is_shipped():
    declared = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = set(find_packages(ROOT, include=["conformance*", "strategies*", "conformance_mock*"]))
    assert found <= declared, f"add {sorted(found - declared)} to [tool.setuptools] packages in pyproject.toml"


def test_the_installed_suite_judges_the_bundled_mock_from_any_directory(tmp_path, subtests):
    """One test (one install) with a subtest per promise."""
    python = install(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    with subtests.test("the package carries its specs and catalogue"):
        done = run([python, "-c", "from conformance.catalogue import CATALOGUE, spec_path; "
                    "print(CATALOGUE); print(spec_path('clob')); print(spec_path('us'))"], cwd=elsewhere)
        for line in done.stdout.splitlines():
            assert line.startswith(str(tmp_path / "venv")) and Path(line).is_file(), line

    with subtests.test("pytest --pyargs conformance runs the suite through the pytest11 entry point"):
        done = run([python, "-m", "pytest", "--pyargs", "conformance", "--assert=plain",
                    "--hypothesis-profile=quick", "--verdicts=verdicts.json"], cwd=elsewhere)
        assert "plugins: polymarket-cancel-conformance-" in done.stdout
        assert " passed" in done.stdout.splitlines()[-1]
        table = json.loads((elsewhere / "verdicts.json").read_text())["requirements"]
        assert {entry["verdict"] for entry in table.values()} <= {"pass", "informational"}, "a requirement not judged"
