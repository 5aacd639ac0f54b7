"""Bad options get one readable line; a target without a control plane is judged safely."""

from __future__ import annotations

import json
import os
import subprocess

import httpx

from conformance.bundled_mock import BundledMock
from tests.conftest import SUITE



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


def test_a_rate_limit_that_is_not_positive_is_one_line():
    done = run(["--rate-limit", "0"])
    assert done.returncode == 4
    assert "--rate-limit must be a positive number" in one_line_error(done)


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


def _live_env(url: str) -> dict[str, str]:
    """Accounts minted behind the suite's back, handed over the way a user would: in the environment."""
    clob = httpx.post(f"{url}/_conformance/accounts", json={"api": "clob"}).json()
    us = httpx.post(f"{url}/_conformance/accounts", json={"api": "us"}).json()
    return {
        "POLY_API_KEY": clob["apiKey"], "POLY_SECRET": clob["secret"], "POLY_PASSPHRASE": clob["passphrase"],
        "POLY_ADDRESS": clob["address"], "POLYMARKET_KEY_ID": us["keyId"], "POLYMARKET_SECRET_KEY": us["secretKey"],
    }


def test_live_target_runs_safe_checks_skips_the_rest_and_leaks_no_secret(tmp_path):
    with BundledMock(options=["--no-control-plane"]) as mock:
        env = _live_env(mock.url)
        results = tmp_path / "allure"
        done = run(["--clob-url", mock.url, "--us-url", mock.url, "--rate-limit", "1000",
                    "--verdicts", str(tmp_path / "v.json"), "--alluredir", str(results), "-rs"], env=env)
    assert done.returncode == 0, done.stdout[-3000:]
    table = json.loads((tmp_path / "v.json").read_text())["requirements"]
    # CLOB cancel-all could cancel real orders: not without the opt-in
    assert {e["verdict"] for rid, e in table.items() if rid.startswith("CLOB")} == {"skipped"}
    assert "pass --allow-live-cancel" in done.stdout
    # US checks that name only made-up orders run; those needing arranged orders say why they skip
    assert table["US-BC-011"]["verdict"] == "pass" and table["US-BC-002"]["verdict"] == "pass"
    assert table["US-BC-007"]["verdict"] == "skipped"
    assert "--allow-live-cancel" in " ".join(table["US-BC-007"]["details"])
    assert "second account" in " ".join(table["US-BC-015"]["details"])
    everything = done.stdout + done.stderr + (tmp_path / "v.json").read_text()
    everything += "".join(p.read_text(errors="replace") for p in results.iterdir())
    for name in ("POLY_SECRET", "POLY_PASSPHRASE", "POLYMARKET_SECRET_KEY"):
        assert env[name] not in everything, f"{name} leaked"


def test_live_cancel_opt_in_runs_the_clob_checks(tmp_path):
    with BundledMock(options=["--no-control-plane"]) as mock:
        env = _live_env(mock.url)
        done = run(["--clob-url", mock.url, "--allow-live-cancel", "--rate-limit", "1000",
                    "--verdicts", str(tmp_path / "v.json")], env=env)
    assert done.returncode == 0, done.stdout[-3000:]
    table = json.loads((tmp_path / "v.json").read_text())["requirements"]
    assert table["CLOB-CA-008"]["verdict"] == "pass" and table["CLOB-CA-009"]["verdict"] == "pass"
    assert table["CLOB-CA-001"]["verdict"] == "skipped"


def test_live_opt_in_observes_us_outcomes_through_open_orders_and_the_stream(tmp_path):
    with BundledMock(options=["--no-control-plane"]) as mock:
        env = _live_env(mock.url)
        orders = [{"marketSlug": "live-market"}] * 100  # the user's own open orders, placed beforehand
        body = {"api": "us", "account": env["POLYMARKET_KEY_ID"], "orders": orders}
        assert httpx.post(f"{mock.url}/_conformance/orders", json=body).status_code == 201
        done = run(["--us-url", mock.url, "--allow-live-cancel", "--rate-limit", "1000", "-m", "outcome or stream or batch",
                    "--verdicts", str(tmp_path / "v.json")], env=env)
    assert done.returncode == 0, done.stdout[-3000:]
    table = json.loads((tmp_path / "v.json").read_text())["requirements"]
    for rid in ("US-BC-004", "US-BC-007", "US-BC-008", "US-BC-009"):
        assert table[rid]["verdict"] == "pass", (rid, table[rid])
