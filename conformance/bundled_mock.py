"""Run the bundled mock as a real server process on a free loopback port.

The suite talks to it like to any other server: over HTTP, by URL. It never
imports the mock; it starts ``python -m conformance_mock`` and waits for the
port to answer.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

STARTUP_SECONDS = 20.0


class MockStartError(RuntimeError):
    """The bundled mock did not come up."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BundledMock:
    """A ``conformance-mock`` process; ``faults`` and ``options`` are for the project's own self-tests."""

    def __init__(self, faults: Sequence[str] = (), options: Sequence[str] = ()) -> None:
        self.faults = tuple(faults)
        self.options = tuple(options)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> BundledMock:
        command = [sys.executable, "-m", "conformance_mock", "--host", "127.0.0.1", "--port", str(self.port)]
        for fault in self.faults:
            command += ["--fault", fault]
        command += self.options
        self._log = tempfile.TemporaryFile()
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self._log)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._log.seek(0)
                error = self._log.read().decode(errors="replace").strip().splitlines()
                raise MockStartError(f"the bundled mock exited at start: {error[-1] if error else 'no output'}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise MockStartError(f"the bundled mock did not listen on port {self.port} within {STARTUP_SECONDS:.0f} s")

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process:
            self._log.close()

    def __enter__(self) -> BundledMock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
