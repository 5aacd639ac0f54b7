"""``conformance-mock`` on the command line: one readable line for a wrong option."""

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conformance.bundled_mock import BundledMock
from conformance_mock.faults import FAULTS


def test_an_unknown_fault_is_refused_in_one_line():
    done = subprocess.run([sys.executable, "-m", "conformance_mock", "--fault", "nope"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "invalid choice: 'nope'" in done.stderr.splitlines()[-1]


@pytest.mark.parametrize("option", [["--rate-limit", "0"], ["--latency", "-1"], ["--burst", "0"]])
def test_a_wire_option_out_of_range_is_refused_in_one_line(option):
    done = subprocess.run([sys.executable, "-m", "conformance_mock", *option], capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert option[0] in done.stderr.splitlines()[-1]


def test_help_lists_every_fault():
    done = subprocess.run([sys.executable, "-m", "conformance_mock", "--help"], capture_output=True, text=True)
    assert all(name in done.stdout for name in FAULTS)


def test_the_console_script_serves():
    port = BundledMock().port
    script = Path(sys.executable).with_name("conformance-mock")
    server = subprocess.Popen([str(script), "--port", str(port)], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                assert httpx.post(f"http://127.0.0.1:{port}/_conformance/reset").status_code == 204
                return
            except httpx.ConnectError:
                time.sleep(0.1)
        raise AssertionError("conformance-mock did not serve")
    finally:
        server.terminate()
        server.wait()
