"""``conformance-mock --no-control-plane --accounts FILE``: a mock that looks like a live server and holds
the accounts and open orders a test wrote; and its ``GET /data/orders``."""

import subprocess
import sys
from contextlib import closing

import httpx
import pytest

from conformance import live
from conformance.exchange import ApiClient
from conformance.signing import ClobCredentials, ClobSigner
from tests.conftest import live_mock, new_account, orders_in_markets


@pytest.fixture
def clob_account():
    return new_account("clob", [*orders_in_markets(5, "0xe"), {"id": "0xe-matched", "marketSlug": "m", "uncancelableReason": "Order already matched"}])


@pytest.fixture
def served(tmp_path, clob_account):
    """A live-mode mock with one CLOB and one US account, pages of 2 orders."""
    us_account = new_account("us", orders_in_markets(3, "us-"))
    with live_mock(tmp_path, {"clob": [clob_account], "us": [us_account]}, options=["--orders-page-size", "2"]) as mock:
        yield mock.url


def _creds(account) -> ClobCredentials:
    return ClobCredentials(account["apiKey"], account["secret"], account["passphrase"], account["address"])


@pytest.mark.parametrize(("method", "path"), [("POST", "/_conformance/reset"), ("POST", "/_conformance/accounts"),
                                              ("GET", "/_conformance/orders"), ("PUT", "/_conformance/trading-mode")])
def test_there_is_no_control_plane(served, method, path):
    answer = httpx.request(method, served + path, json={"api": "us"})
    assert answer.status_code == 404 and "error" in answer.json()


def test_the_accounts_of_the_file_own_their_orders(served, clob_account):
    with closing(ApiClient(served)) as http:
        assert list(live.clob_open_orders(http, _creds(clob_account))) == [o["id"] for o in clob_account["orders"]]


def test_data_orders_pages_until_the_end_cursor(served, clob_account):
    signer = ClobSigner(_creds(clob_account))
    first = httpx.get(served + "/data/orders", params={"next_cursor": "MA=="}, auth=signer).json()
    assert (first["limit"], first["count"], first["next_cursor"]) == (2, 2, "Mg==")
    last = httpx.get(served + "/data/orders", params={"next_cursor": "NA=="}, auth=signer).json()
    assert (last["count"], last["next_cursor"]) == (2, "LTE=")


@pytest.mark.parametrize(("params", "status"), [({"next_cursor": "not a cursor"}, 400), ({"next_cursor": "LTE="}, 400)])
def test_data_orders_refuses_a_cursor_it_never_returned(served, clob_account, params, status):
    answer = httpx.get(served + "/data/orders", params=params, auth=ClobSigner(_creds(clob_account)))
    assert answer.status_code == status and "error" in answer.json()


def test_data_orders_needs_l2_auth(served):
    answer = httpx.get(served + "/data/orders")
    assert answer.status_code == 401 and "error" in answer.json()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "is not JSON"),
        ('{"clob": {}}', 'must be an object with the arrays "clob" and/or "us"'),
        ('{"us": [{"keyId": "k"}]}', "us[0].secretKey must be a non-empty string"),
        ('{"us": [{"keyId": "k", "secretKey": "AAAA"}]}', "us[0].secretKey must decode to the 32-byte seed"),
        ('{"clob": [{"apiKey": "k", "secret": "c2VjcmV0", "passphrase": "p", "address": "0x1"}]}',
         "clob[0].secret must decode to 32 bytes or more"),
        ('{"us": [{"keyId": "k", "secretKey": "' + "A" * 43 + "=" + '", "orders": [{"id": "x"}, {"id": "x"}]}]}',
         "us[0].orders[1].id is the id of another order"),
        ('{"us": [{"keyId": "k", "secretKey": "' + "A" * 43 + "=" + '", "orders": [{"marketSlug": 3}]}]}',
         "us[0].orders[0].marketSlug must be a string"),
    ],
)
def test_a_bad_accounts_file_is_one_line(tmp_path, content, message):
    path = tmp_path / "accounts.json"
    path.write_text(content)
    done = subprocess.run([sys.executable, "-m", "conformance_mock", "--accounts", str(path)], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert message in done.stderr.splitlines()[-1], done.stderr


def test_a_missing_accounts_file_is_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "conformance_mock", "--accounts", str(tmp_path / "none.json")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "cannot read" in done.stderr.splitlines()[-1]

