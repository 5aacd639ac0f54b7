"""Bad options get one readable line; a target without a control plane is judged safely."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conformance.bundled_mock import BundledMock
from tests.conftest import SUITE, accounts_env, live_mock, new_account, orders_in_markets


def run(args, env=None, cwd=None):
    return subprocess.run(SUITE + args, capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})})


def one_line_error(done) -> str:
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert "Traceback" not in done.stdout + done.stderr
    return "\n".join(lines)


def test_a_url_that_is_not_a_url_is_one_line():
    done = run(["--clob-url", "clob.example"])
    assert done.returncode == 4
    assert "--clob-url 'clob.example' is not an http(s) URL" in one_line_error(done)


@pytest.mark.parametrize("option", ["--rate-limit", "--request-timeout"])
def test_a_rate_or_timeout_that_is_not_positive_is_one_line(option):
    done = run([option, "0"])
    assert done.returncode == 4
    assert f"{option} must be a positive number" in one_line_error(done)


def test_an_unreachable_target_is_one_line(tmp_path):
    done = run(["--us-url", "http://127.0.0.1:9", "--verdicts", str(tmp_path / "v.json")])
    assert done.returncode == 4
    assert "cannot reach http://127.0.0.1:9" in one_line_error(done)


def test_missing_credentials_on_a_live_target_say_which_variables(tmp_path):
    env = {name: "" for name in ("POLY_API_KEY", "POLY_SECRET", "POLY_PASSPHRASE", "POLY_ADDRESS")}
    with BundledMock(options=["--no-control-plane"]) as mock:
        done = run(["--clob-url", mock.url, "--verdicts", str(tmp_path / "v.json")], env=env)
    assert done.returncode == 4
    assert "export POLY_API_KEY, POLY_SECRET, POLY_PASSPHRASE, POLY_ADDRESS" in one_line_error(done)


def test_live_target_runs_safe_checks_skips_the_rest_and_leaks_no_secret(tmp_path):
    accounts = {"clob": [new_account("clob", orders_in_markets(3, "0xc"))], "us": [new_account("us", orders_in_markets(3, "u-"))]}
    env = accounts_env(accounts)
    results = tmp_path / "allure"
    with live_mock(tmp_path, accounts) as mock:
        done = run(["--clob-url", mock.url, "--us-url", mock.url, "--rate-limit", "1000",
                    "--verdicts", str(tmp_path / "v.json"), "--alluredir", str(results), "-rs"], env=env)
    assert done.returncode == 0, done.stdout[-3000:]
    table = json.loads((tmp_path / "v.json").read_text())["requirements"]
    # CLOB cancel-all could cancel real orders: not without the opt-in
    assert {e["verdict"] for rid, e in table.items() if rid.startswith("CLOB")} == {"skipped"}
    assert "pass --allow-live-cancel" in done.stdout
    # US checks that name only made-up orders run; those needing the account's orders say why they skip
    assert table["US-BC-011"]["verdict"] == "pass" and table["US-BC-002"]["verdict"] == "pass"
    assert table["US-BC-007"]["verdict"] == "skipped"
    assert "--allow-live-cancel" in " ".join(table["US-BC-007"]["details"])
    assert "second account" in " ".join(table["US-BC-015"]["details"])
    everything = done.stdout + done.stderr + (tmp_path / "v.json").read_text()
    everything += "".join(p.read_text(errors="replace") for p in results.iterdir())
    for name in ("POLY_SECRET", "POLY_PASSPHRASE", "POLYMARKET_SECRET_KEY"):
        assert env[name] not in everything, f"{name} leaked"


def test_a_second_account_given_in_part_is_one_line(tmp_path):
    accounts = {"us": [new_account("us", [])]}
    env = {**accounts_env(accounts), "POLYMARKET_KEY_ID_2": "only-the-key"}
    with live_mock(tmp_path, accounts) as mock:
        done = run(["--us-url", mock.url, "--verdicts", str(tmp_path / "v.json")], env=env)
    assert done.returncode == 4
    assert "POLYMARKET_SECRET_KEY_2 is not set: export POLYMARKET_KEY_ID_2, POLYMARKET_SECRET_KEY_2" in one_line_error(done)
