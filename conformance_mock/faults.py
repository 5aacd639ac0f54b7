"""Faults the mock can be started with, each a realistic server bug, for the project's self-tests only.

Every fault names what it breaks; ``tests/selftest/test_faults.py`` shows which
requirement of the suite catches it.
"""

FAULTS: dict[str, str] = {
    # CLOB DELETE /cancel-all
    "clob-skips-signature-check": "any POLY_SIGNATURE is accepted (key, passphrase and address are still checked)",
    "clob-finds-account-by-address": "the account is looked up by POLY_ADDRESS; POLY_API_KEY is not checked",
    "clob-ignores-passphrase": "POLY_PASSPHRASE is not checked",
    "clob-ignores-address": "POLY_ADDRESS is not checked",
    "clob-rejects-valid-signatures": "the expected HMAC leaves the path out, so correct signatures fail",
    "clob-signature-ignores-method": "the method is not bound: an HMAC made for any HTTP method is accepted",
    "clob-error-body-not-json": "401 answers are text/plain, not an ErrorResponse",
    "clob-omits-empty-not-canceled": "the 200 body leaves out not_canceled when it is empty",
    "clob-truncates-canceled-list": "canceled lists at most 3 ids, however many orders were canceled",
    "clob-cancels-other-accounts": "cancel-all cancels and lists the open orders of every account",
    "clob-reports-without-canceling": "the caller's open orders are listed in canceled but left open",
    "clob-cancel-only-blocks-cancels": "cancel-only mode answers 503 like disabled",
    "clob-disabled-still-cancels": "disabled mode behaves as normal",
    "clob-uncancelable-listed-as-canceled": "uncancelable orders are listed in canceled (and stay open)",
    "clob-relists-canceled-orders": "every cancel-all lists all the caller's orders ever canceled",
    # US POST /v1/orders/batched/cancel
    "us-skips-signature-check": "any X-PM-Signature is accepted",
    "us-missing-signature-skips-auth": "a request without X-PM-Signature is let through as the key's account",
    "us-rejects-valid-signatures": "the signed message is expected to hold the full URL, so correct signatures fail",
    "us-accepts-stale-timestamps": "there is no timestamp window",
    "us-narrow-timestamp-window": "the timestamp window is 5 s instead of 30 s",
    "us-signature-ignores-method": "the method is not bound: a signature made for any HTTP method is accepted",
    "us-signature-tolerates-trailing-slash": "a signature over the path with a trailing slash is accepted too",
    "us-signature-checked-against-any-key": "the signature is tried against every account's key; the request acts as the one that verifies",
    "us-max-batch-25": "batches of up to 25 entries are accepted",
    "us-max-batch-10": "batches of more than 10 entries are rejected",
    "us-accepts-empty-batch": "an empty orders array answers 200",
    "us-partial-batch": "invalid entries are skipped; the valid ones are canceled and echoed",
    "us-echo-deduplicated": "canceledOrderIds drops duplicates",
    "us-echo-drops-unknown-ids": "canceledOrderIds lists only the caller's own orders",
    "us-echo-sorted": "canceledOrderIds is sorted",
    "us-ignores-cancels": "the echo is right but nothing is canceled",
    "us-cancels-foreign-orders": "named orders of other accounts are canceled too",
    "us-cancels-whole-market": "every open order of the caller in a named market is canceled",
    "us-stream-misses-cancels": "orders are canceled but the order stream reports nothing",
    "us-repeat-cancel-rejected": "a batch naming an already-canceled order answers 400",
    "us-malformed-json-500": "a body that is not JSON answers 500",
    "us-echo-as-string": "canceledOrderIds is one comma-joined string",
    # control plane
    "no-control-plane": "POST /_conformance/reset answers 404, so the mock looks like a live server",
}


def check(faults: frozenset[str]) -> frozenset[str]:
    unknown = sorted(faults - FAULTS.keys())
    if unknown:
        raise ValueError(f"unknown fault {', '.join(unknown)}; known: {', '.join(FAULTS)}")
    return faults
