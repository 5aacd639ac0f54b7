"""What the batched-cancel operation does not declare changes nothing: other methods cancel nothing; other
content types are reported."""

import json

import pytest

from conformance import live
from conformance.signing import UsSigner
from conformance.target import US_PATH
from conformance.verdict import inform, require
from strategies.batches import body, entry, sample_body
from strategies.layouts import MARKETS
from strategies.requests import other_methods


@pytest.mark.requirement("US-BC-053", "US-BC-054")
@pytest.mark.orders(1, cancels=0)
@pytest.mark.parametrize("path,method", other_methods("us"), ids=lambda value: value)
def test_other_methods_cancel_nothing(us, path, method):
    """"paths: /v1/orders/batched/cancel: post" — a batch sent with another method cancels none of its orders."""
    if isinstance(us.http, live.PreflightClient):
        pytest.skip(live.PREFLIGHT_RUNS)  # even a GET here names real orders: it is not a read
    me = us.account()
    orders = us.add_orders(me, [{"marketSlug": MARKETS[0]}])
    batch = body([entry(o["id"], o["marketSlug"]) for o in orders])
    exchange = us.http.send(method, path, json=batch, auth=UsSigner(me))
    inform("US-BC-054", f"{method} {path} with a valid batch answered {exchange.status}")
    canceled = [oid for oid, state in us.states(me, [o["id"] for o in orders]).items() if state != "open"]
    require("US-BC-053", not canceled, expected=f"no order canceled by {method} {path}",
            actual=f"canceled: {canceled[:5]}", exchange=exchange)


@pytest.mark.requirement("US-BC-057")
def test_other_content_types_are_reported(us):
    """"requestBody content: application/json": what other content types answer is the target's own."""
    signer = UsSigner(us.account())
    raw = json.dumps(sample_body()).encode()
    for name, headers in (("text/plain", {"Content-Type": "text/plain"}), ("no Content-Type", {})):
        exchange = us.http.send("POST", US_PATH, content=raw, headers=headers, auth=signer)
        inform("US-BC-057", f"a valid batch sent with {name} answered {exchange.status}")
