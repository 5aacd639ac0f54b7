"""Every requirement has a test, and every test names known requirements."""

import subprocess
import sys

from conformance.catalogue import requirements


def _collected_requirement_ids() -> set[str]:
    script = (
        "import pytest, sys\n"
        "ids = set()\n"
        "class Grab:\n"
        "    def pytest_collection_finish(self, session):\n"
        "        for item in session.items:\n"
        "            for marker in item.iter_markers('requirement'):\n"
        "                ids.update(marker.args)\n"
        "code = pytest.main(['--collect-only', '-q', 'conformance'], plugins=[Grab()])\n"
        "print(' '.join(sorted(ids)))\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(done.stdout.strip().splitlines()[-1].split())


def test_every_requirement_has_a_test_and_no_test_names_an_unknown_one():
    collected = _collected_requirement_ids()
    catalogue = set(requirements())
    assert catalogue - collected == set(), "requirements without a test"
    assert collected - catalogue == set(), "tests naming unknown requirements"


def test_an_unknown_requirement_id_is_a_usage_error(pytester):
    pytester.makeconftest('pytest_plugins = ["conformance.plugin"]')
    pytester.makepyfile(
        "import pytest\n@pytest.mark.requirement('US-BC-999')\ndef test_x():\n    pass\n"
    )
    result = pytester.runpytest_subprocess()
    result.stderr.fnmatch_lines(["*unknown requirement id US-BC-999*"])
    assert result.ret != 0
