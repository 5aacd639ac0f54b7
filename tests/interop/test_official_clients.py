"""The official clients, used as a user's bot would use them, work against the mock: proof its auth is right."""

import asyncio

import httpx
import pytest
from eth_account import Account
from polymarket_us import PolymarketUS
from polymarket_us.errors import AuthenticationError
from py_clob_client.client import ClobClient
from py_clob_client.clob_types import ApiCreds, OpenOrderParams
from py_clob_client.exceptions import PolyApiException

from conformance.bundled_mock import BundledMock
from tests.conftest import add_orders, live_mock, mint, new_account, orders_in_markets, states

OPEN_ORDER_FIELDS = {"id", "status", "owner", "maker_address", "market", "asset_id", "side", "original_size",
                     "size_matched", "price", "outcome", "expiration", "order_type", "associate_trades", "created_at"}


@pytest.fixture
def us_account(control):
    return mint(control, "us")


def test_polymarket_us_cancel_many_and_list(control, mock_url, us_account):
    orders = add_orders(control, "us", us_account["keyId"], [{"marketSlug": "m1"}, {"marketSlug": "m2"}, {}])
    client = PolymarketUS(key_id=us_account["keyId"], secret_key=us_account["secretKey"], api_base_url=mock_url)
    assert {o["id"] for o in client.orders.list()["orders"]} == {o["id"] for o in orders}
    named = [{"orderId": o["id"], "marketSlug": o["marketSlug"]} for o in orders[:2]]
    answer = client.orders.cancel_many({"orders": named})
    assert answer["canceledOrderIds"] == [o["id"] for o in orders[:2]]
    assert [o["id"] for o in client.orders.list()["orders"]] == [orders[2]["id"]]
    assert states(control, "us", us_account["keyId"])[orders[0]["id"]] == "canceled"


def test_polymarket_us_with_a_wrong_key_is_refused(control, mock_url, us_account):
    stranger = mint(control, "us")
    client = PolymarketUS(key_id=us_account["keyId"], secret_key=stranger["secretKey"], api_base_url=mock_url)
    with pytest.raises(AuthenticationError):
        client.orders.list()


def _watch_cancels_with_the_official_client(control, url, account):
    orders = add_orders(control, "us", account["keyId"], [{"marketSlug": "m1"}, {"marketSlug": "m1"}])
    client = PolymarketUS(key_id=account["keyId"], secret_key=account["secretKey"], api_base_url=url)

    async def run():
        snapshot, updates = asyncio.Event(), []
        done = asyncio.Event()
        stream = client.ws.private()
        stream.on("order_snapshot", lambda message: message["orderSubscriptionSnapshot"]["eof"] and snapshot.set())

        def on_update(message):
            execution = message["orderSubscriptionUpdate"]["execution"]
            if execution["type"] == "EXECUTION_TYPE_CANCELED":
                updates.append(execution)
            if len(updates) == 2:
                done.set()

        stream.on("order_update", on_update)
        await stream.connect()
        await stream.subscribe_orders("interop")
        await asyncio.wait_for(snapshot.wait(), 5)
        await asyncio.to_thread(
            client.orders.cancel_many, {"orders": [{"orderId": o["id"], "marketSlug": "m1"} for o in orders]}
        )
        await asyncio.wait_for(done.wait(), 5)
        await stream.close()
        return updates

    updates = asyncio.run(run())
    assert {u["order"]["id"] for u in updates} == {o["id"] for o in orders}


def test_polymarket_us_private_websocket_sees_snapshot_and_cancels(control, mock_url, us_account):
    _watch_cancels_with_the_official_client(control, mock_url, us_account)


def test_polymarket_us_private_websocket_on_a_busy_stream():
    """Split snapshots, heartbeats, NEW updates, late updates: the official client reads them all."""
    with BundledMock(options=["--stream-style", "busy"]) as mock, httpx.Client(base_url=mock.url) as control:
        _watch_cancels_with_the_official_client(control, mock.url, mint(control, "us"))


def _clob_client(url, wallet, account, secret=None):
    creds = ApiCreds(account["apiKey"], secret or account["secret"], account["passphrase"])
    return ClobClient(url, chain_id=137, key=wallet.key.hex(), creds=creds)


def test_py_clob_client_cancel_all(control, mock_url):
    wallet = Account.create()
    account = mint(control, "clob", address=wallet.address)
    orders = add_orders(control, "clob", account["apiKey"], [{}, {}, {"uncancelableReason": "Order already matched"}])
    answer = _clob_client(mock_url, wallet, account).cancel_all()
    assert sorted(answer["canceled"]) == sorted(o["id"] for o in orders[:2])
    assert answer["not_canceled"] == {orders[2]["id"]: "Order already matched"}


def test_py_clob_client_with_a_wrong_secret_gets_401(control, mock_url):
    wallet = Account.create()
    account = mint(control, "clob", address=wallet.address)
    other = mint(control, "clob")
    with pytest.raises(PolyApiException) as refused:
        _clob_client(mock_url, wallet, account, secret=other["secret"]).cancel_all()
    assert refused.value.status_code == 401


def test_py_clob_client_get_orders_pages_through_the_open_orders_of_a_live_mode_mock(tmp_path):
    wallet = Account.create()
    account = new_account("clob", orders_in_markets(7, "0xd"), address=wallet.address)
    with live_mock(tmp_path, {"clob": [account]}, options=["--orders-page-size", "3"]) as mock:
        client = _clob_client(mock.url, wallet, account)
        orders = client.get_orders()
        assert [o["id"] for o in orders] == [o["id"] for o in account["orders"]]
        assert all(set(order) == OPEN_ORDER_FIELDS for order in orders)
        in_beta = client.get_orders(OpenOrderParams(market="live-beta"))
        assert [o["id"] for o in in_beta] == [o["id"] for o in account["orders"] if o["marketSlug"] == "live-beta"]
        assert len(client.cancel_all()["canceled"]) == 7
        assert client.get_orders() == []
