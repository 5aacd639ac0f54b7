"""The suite in live mode, as a user runs it against staging: a mock without control plane that holds
accounts with resting orders (``conformance-mock --no-control-plane --accounts FILE``), credentials in
the environment, ``--allow-live-cancel``. Outcomes are judged through the APIs' own order lists."""

from __future__ import annotations

import json
import os
import subprocess
from contextlib import closing

from conformance import live
from conformance.exchange import ApiClient
from conformance.signing import ClobCredentials, UsCredentials
from tests.conftest import SUITE, accounts_env, live_accounts, live_mock

ORDER_USING_US = ("US-BC-004", "US-BC-006", "US-BC-007", "US-BC-008", "US-BC-009", "US-BC-015", "US-BC-016")
OBSERVED_CLOB = ("CLOB-CA-001", "CLOB-CA-002", "CLOB-CA-011", "CLOB-CA-012", "CLOB-CA-013")


def run_live(tmp_path, accounts, *args, faults=()) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    """The suite against a live-mode mock holding ``accounts``; its output and verdicts."""
    verdicts = tmp_path / "verdicts.json"
    with live_mock(tmp_path, accounts, faults, ["--orders-page-size", "4"]) as mock:
        command = [*SUITE, "--clob-url", mock.url, "--us-url", mock.url, "--rate-limit", "1000",
                   "--verdicts", str(verdicts), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                              env={**os.environ, **accounts_env(accounts)})
    table = json.loads(verdicts.read_text())["requirements"] if verdicts.exists() else {}
    return done, table


def test_a_live_run_with_30_us_orders_judges_every_outcome_and_cancels_only_what_it_names(tmp_path):
    accounts = live_accounts(us_orders=30)
    done, table = run_live(tmp_path, accounts, "--allow-live-cancel")
    assert done.returncode == 0, done.stdout[-4000:]
    assert done.stdout.startswith("live plan ("), done.stdout[:500]
    for rid in (*OBSERVED_CLOB, *ORDER_USING_US):
        assert table[rid]["verdict"] == "pass", (rid, table[rid])
    assert any("test_observed_outcome.py" in test for test in table["CLOB-CA-001"]["tests"])
    assert "skips test_" not in done.stdout and "skipped for lack of orders" not in done.stdout
    assert "one cancel-all, observed through /data/orders, cancels all 7" in done.stdout
    assert "clob: 6 of the account's 7 open orders no longer open; 0 of the second account's 3" in done.stdout
    summary = next(line for line in done.stdout.splitlines() if line.startswith("us: canceled"))
    assert "of the account's 30 open orders; canceled 0 of the second account's 5 open orders" in summary
    assert "closed without being named" not in summary


def test_with_5_orders_the_plan_says_what_it_can_judge_and_the_rest_skips_with_the_count_it_needs(tmp_path):
    done, table = run_live(tmp_path, live_accounts(us_orders=5), "--allow-live-cancel", "-m", "us")
    assert done.returncode == 0, done.stdout[-4000:]
    plan = [line.strip() for line in done.stdout.splitlines() if line.startswith("  runs ") or line.startswith("  skips ")]
    runs = [line for line in plan if line.startswith("runs ")]
    assert any("test_the_order_stream_reports_every_cancel" in line for line in runs), plan
    assert any("test_an_unnamed_order_in_a_named_market_stays_open" in line for line in runs), plan
    assert "a full run needs 26 open orders on the account, 2 of them in one market" in done.stdout
    skips = [line for line in plan if line.startswith("skips ")]
    assert skips and all("needs " in line and "of the account's 5 left" in line for line in skips), skips
    assert table["US-BC-009"]["verdict"] == "pass"
    assert table["US-BC-016"]["verdict"] == "skipped"
    # US-BC-007's own check skips; the unnamed-order check, which runs, judges it too
    assert table["US-BC-007"]["verdict"] == "pass"
    assert "needs 6 open orders" in " ".join(table["US-BC-007"]["details"])
    assert "us: skipped for lack of orders: test_outcome.py::test_named_orders_are_canceled" in done.stdout


def test_the_preflight_prints_the_plan_and_cancels_nothing(tmp_path):
    accounts = live_accounts(us_orders=30)
    with live_mock(tmp_path, accounts) as mock:
        command = [*SUITE, "--clob-url", mock.url, "--us-url", mock.url, "--rate-limit", "1000",
                   "--allow-live-cancel", "--live-preflight", "--verdicts", str(tmp_path / "verdicts.json")]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                              env={**os.environ, **accounts_env(accounts)})
        with closing(ApiClient(mock.url)) as http:  # every order still open, read back through the APIs' own lists
            for clob in accounts["clob"]:
                creds = ClobCredentials(clob["apiKey"], clob["secret"], clob["passphrase"], clob["address"])
                assert set(live.clob_open_orders(http, creds)) == {o["id"] for o in clob["orders"]}
            for us in accounts["us"]:
                creds = UsCredentials(us["keyId"], us["secretKey"])
                assert set(live.us_open_orders(http, creds)) == {o["id"] for o in us["orders"]}
    assert done.returncode == 0, done.stdout[-4000:]
    assert done.stdout.startswith("live plan (preflight: nothing is canceled, with --allow-live-cancel):")
    assert "account: credentials accepted; 30 open orders (live-alpha 10, live-beta 10, live-gamma 10)" in done.stdout
    assert "preflight: nothing was canceled; a run with these options would" in done.stdout
    assert "clob: skip CLOB-CA-003, -004, -017, -020, -021, -022, -040, -041, -042, -043: needs arranged state" in done.stdout
    assert "us: skip US-BC-030, -031, -032, -055, -056: needs arranged state" in done.stdout  # the sequences too
    judged = next(line for line in done.stdout.splitlines() if line.startswith("  us: judge "))
    assert all(rid.removeprefix("US-BC") in judged for rid in ORDER_USING_US), judged
    assert not (tmp_path / "verdicts.json").exists()


def test_without_a_second_account_the_isolation_checks_say_what_to_export(tmp_path):
    accounts = {api: found[:1] for api, found in live_accounts(us_orders=30).items()}
    done, table = run_live(tmp_path, accounts, "--allow-live-cancel", "-m", "isolation or outcome")
    assert done.returncode == 0, done.stdout[-4000:]
    assert "no second account: the isolation checks skip (export POLY_API_KEY_2, POLY_SECRET_2" in done.stdout
    assert table["CLOB-CA-011"]["verdict"] == "skipped" and table["US-BC-015"]["verdict"] == "skipped"
    assert "export POLYMARKET_KEY_ID_2, POLYMARKET_SECRET_KEY_2" in " ".join(table["US-BC-015"]["details"])
    assert table["CLOB-CA-001"]["verdict"] == "pass" and table["US-BC-007"]["verdict"] == "pass"
