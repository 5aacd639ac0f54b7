"""``conformance-mock --accounts FILE``: start with accounts and open orders, as a live server has them.

The file is JSON, with the shapes of the control plane's answers and order entries
(``specs/control-plane.yaml``), plus an optional order ``id``::

    {"clob": [{"apiKey": "…", "secret": "…", "passphrase": "…", "address": "0x…",
               "orders": [{"id": "0x…", "marketSlug": "…", "uncancelableReason": "…"}]}],
     "us":   [{"keyId": "…", "secretKey": "…", "orders": [{"marketSlug": "…"}]}]}

The credentials are the test's (or the user's) own: the mock only learns them.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import Path

from conformance_mock.store import ClobAccount, Store

ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
ORDER_FIELDS = ("id", "marketSlug", "uncancelableReason")


class AccountsFileError(ValueError):
    """The accounts file is unusable; the message says where."""


def _strings(where: str, value: object, names: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        raise AccountsFileError(f"{where} must be an object")
    for name in names:
        if not isinstance(value.get(name), str) or not value[name]:
            raise AccountsFileError(f"{where}.{name} must be a non-empty string")
    for name in optional:
        if name in value and not isinstance(value[name], str):
            raise AccountsFileError(f"{where}.{name} must be a string")
    return value


def _orders(where: str, account: dict, seen: set[str]) -> list[dict]:
    orders = account.get("orders", [])
    if not isinstance(orders, list):
        raise AccountsFileError(f"{where}.orders must be an array")
    for i, entry in enumerate(orders):
        _strings(f"{where}.orders[{i}]", entry, (), ORDER_FIELDS)
        if "id" in entry:
            if entry["id"] in seen:
                raise AccountsFileError(f"{where}.orders[{i}].id is the id of another order")
            seen.add(entry["id"])
    return orders


def _decoded(where: str, value: str, urlsafe: bool) -> bytes:
    try:
        return base64.urlsafe_b64decode(value) if urlsafe else base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise AccountsFileError(f"{where} is not {'URL-safe ' if urlsafe else ''}base64") from None


def load_accounts(path: str, store: Store) -> None:
    """Add every account of the file, and its open orders, to ``store``."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as error:
        raise AccountsFileError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise AccountsFileError(f"{path} is not JSON: {error}") from None
    if not isinstance(data, dict) or set(data) - {"clob", "us"} or not all(isinstance(v, list) for v in data.values()):
        raise AccountsFileError(f"{path} must be an object with the arrays \"clob\" and/or \"us\"")
    seen: set[str] = set()
    for i, account in enumerate(data.get("clob", [])):
        where = f"clob[{i}]"
        _strings(where, account, ("apiKey", "secret", "passphrase", "address"))
        if len(_decoded(f"{where}.secret", account["secret"], urlsafe=True)) < 32:
            raise AccountsFileError(f"{where}.secret must decode to 32 bytes or more")
        if not ADDRESS.fullmatch(account["address"]):
            raise AccountsFileError(f"{where}.address must be 0x followed by 40 hex digits")
        orders = _orders(where, account, seen)
        created = ClobAccount(account["apiKey"], account["secret"], account["passphrase"], account["address"])
        store.add_orders("clob", store.add_clob_account(created).api_key, orders)
    for i, account in enumerate(data.get("us", [])):
        where = f"us[{i}]"
        _strings(where, account, ("keyId", "secretKey"))
        if len(_decoded(f"{where}.secretKey", account["secretKey"], urlsafe=False)) not in (32, 64):
            raise AccountsFileError(f"{where}.secretKey must decode to the 32-byte seed, or seed and public key (64 bytes)")
        orders = _orders(where, account, seen)
        store.add_orders("us", store.add_us_account(account["keyId"], account["secretKey"]).key_id, orders)
