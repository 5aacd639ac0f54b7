"""Random sequences and overlaps of cancel-alls, judged step by step against a model of the page.

The model: each order is open or canceled. A cancel-all let through cancels the
caller's open orders that can be canceled, lists them in ``canceled``, lists the
caller's open uncancelable orders under ``not_canceled`` with their reasons, and
touches no other account. It is let through (200) in normal and cancel-only mode;
while trading is disabled it answers 503 and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from conformance.exchange import Exchange, at_once
from conformance.results import cancel_result
from conformance.sequence import Journal, plain, run_machine
from conformance.signing import ClobSigner
from conformance.target import ClobTarget
from conformance.verdict import require
from strategies.layouts import order_layouts

ACCOUNTS = "ab"
accounts = st.integers(0, len(ACCOUNTS) - 1)
modes = st.sampled_from(("normal", "normal", "cancel-only", "disabled"))  # mostly let through
# a quarter of the orders cannot be canceled
layouts = plain(st.one_of(order_layouts(min_size=1, max_size=4), order_layouts(min_size=1, max_size=4, uncancelable=True)))


@dataclass
class Order:
    label: str
    owner: int
    reason: str | None
    state: str = "open"


@dataclass
class ClobModel:
    """What the page promises, for every order of the sequence's accounts and the trading mode."""

    orders: dict[str, Order] = field(default_factory=dict)
    mode: str = "normal"

    def place(self, owner: int, ids: list[str], layout: list[dict]) -> str:
        described = []
        for order_id, entry in zip(ids, layout, strict=True):
            label = f"{ACCOUNTS[owner]}{sum(o.owner == owner for o in self.orders.values()) + 1}"
            self.orders[order_id] = Order(label, owner, entry.get("uncancelableReason"))
            reason = f", uncancelable: {entry['uncancelableReason']}" if "uncancelableReason" in entry else ""
            described.append(f"{label} = {order_id[:10]}…{reason}")
        return "; ".join(described)

    @property
    def status(self) -> int:
        return 503 if self.mode == "disabled" else 200

    def cancel_all(self, owner: int) -> tuple[set[str], dict[str, str]]:
        """What a cancel-all of ``owner`` must cancel and report stuck now; applied when it is let through."""
        mine = {oid: o for oid, o in self.orders.items() if o.owner == owner and o.state == "open"}
        canceled = {oid for oid, o in mine.items() if o.reason is None}
        stuck = {oid: o.reason for oid, o in mine.items() if o.reason is not None}
        if self.status == 200:
            for oid in canceled:
                self.orders[oid].state = "canceled"
        return canceled, stuck

    def names(self, ids: object) -> str:
        return "[" + ", ".join(sorted(self.name(i) for i in ids)) + "]"

    def name(self, order_id: str) -> str:
        known = self.orders.get(order_id)
        return known.label if known else f"{str(order_id)[:10]}… (not an order of the sequence's accounts)"

    def stuck_names(self, stuck: dict[str, str]) -> str:
        return "{" + ", ".join(f"{self.name(oid)}: {reason}" for oid, reason in sorted(stuck.items())) + "}"


class ClobSequences(RuleBasedStateMachine):
    """Two accounts, their orders and the trading mode, driven at random and judged after every step."""

    def __init__(self, clob: ClobTarget) -> None:
        super().__init__()
        self.clob, self.control = clob, clob.arranged()
        self.model, self.journal = ClobModel(), Journal()
        self.accounts = [clob.account() for _ in ACCOUNTS]
        self.signers = [ClobSigner(account) for account in self.accounts]

    @initialize(first=layouts, second=layouts)
    def place_orders_for_both_accounts(self, first: list[dict], second: list[dict]) -> None:
        """Every sequence starts with orders, whichever rules hypothesis leaves out of it."""
        self.place_orders(0, first)
        self.place_orders(1, second)

    @rule(who=accounts, layout=layouts)
    def place_orders(self, who: int, layout: list[dict]) -> None:
        ids = self.clob.add_orders(self.accounts[who], layout)
        self.journal.record(f"place orders for {ACCOUNTS[who]}: {self.model.place(who, ids, layout)}")

    def _switch_mode(self, mode: str) -> None:
        if mode != self.model.mode:
            self.control.set_trading_mode("clob", mode)
            self.model.mode = mode
            self.journal.record(f"switch the trading mode to {mode}")

    @rule(who=accounts, mode=modes)
    def cancel_all(self, who: int, mode: str) -> None:
        """A cancel-all in ``mode`` (switched to first when it is not the mode already)."""
        self._switch_mode(mode)
        with self.journal.step(f"DELETE /cancel-all as {ACCOUNTS[who]} ({mode} mode)"):
            expected = self.model.cancel_all(who)
            self._judge({who: expected}, [who], [self.clob.cancel_all(self.signers[who])])

    @rule(calls=st.tuples(st.integers(1, 2), st.integers(1, 2)), layout=layouts, mode=modes)
    def cancel_alls_at_once(self, calls: tuple[int, int], layout: list[dict], mode: str) -> None:
        """``calls[i]`` cancel-alls of account i, all at once, in ``mode``, after placing ``layout`` for each account."""
        callers = [who for who, count in enumerate(calls) for _ in range(count)]
        for who in sorted(set(callers)):
            self.place_orders(who, layout)
        self._switch_mode(mode)
        names = ", ".join(ACCOUNTS[who] for who in callers)
        with self.journal.step(f"{len(callers)} DELETE /cancel-all at once, as {names} ({mode} mode)"):
            expected = {who: self.model.cancel_all(who) for who in sorted(set(callers))}
            self._judge(expected, callers, at_once([partial(self.clob.cancel_all, self.signers[who]) for who in callers]))

    def _judge(self, expected: dict[int, tuple[set[str], dict[str, str]]], callers: list[int],
               exchanges: list[Exchange]) -> None:
        """Cancel-alls sent together: their statuses, then the control plane, then what each account's answers list."""
        model, status = self.model, self.model.status
        for who, (canceled, stuck) in expected.items():
            change = (f"canceled {model.names(canceled)}, not_canceled {model.stuck_names(stuck)}" if status == 200
                      else "nothing changes")
            self.journal.detail(f"model for {ACCOUNTS[who]}: {status}, {change}")
        for who, exchange in zip(callers, exchanges, strict=True):
            self.journal.detail(f"answer to {ACCOUNTS[who]}: {exchange.status} {exchange.response.text[:300]}")
            require("CLOB-CA-022", exchange.status == status, expected=f"{status} in {model.mode} mode", exchange=exchange)
        self._judge_states(expected)  # what happened, before what the answers say of it
        if status != 200:
            return
        for who, (canceled, stuck) in expected.items():
            self._judge_listings([e for w, e in zip(callers, exchanges) if w == who], canceled, stuck)

    def _judge_listings(self, exchanges: list[Exchange], canceled: set[str], stuck: dict[str, str]) -> None:
        """One account's answers: each lists only what the calls canceled, and every stuck order; together, all."""
        model, listed = self.model, []
        for exchange in exchanges:
            result = cancel_result(exchange)
            listed += result.canceled
            require("CLOB-CA-021", len(set(result.canceled)) == len(result.canceled) and set(result.canceled) <= canceled,
                    expected=f"canceled lists only orders of {model.names(canceled)}, each once",
                    actual=f"canceled lists {model.names(result.canceled)}", exchange=exchange)
            require("CLOB-CA-021", result.not_canceled == stuck,
                    expected=f"not_canceled is {model.stuck_names(stuck)}",
                    actual=f"not_canceled is {model.stuck_names(result.not_canceled)}", exchange=exchange)
        together = " (the calls together)" if len(exchanges) > 1 else ""
        require("CLOB-CA-021", set(listed) == canceled, expected=f"canceled lists {model.names(canceled)}{together}",
                actual=f"canceled lists {model.names(listed)}{together}", exchange=exchanges[-1])

    def _judge_states(self, accounts: Iterable[int]) -> None:
        """The control plane's states of ``accounts`` against the model (the others' are judged when they act,
        and at the end: a state that should not have changed stays wrong until then)."""
        for who in accounts:
            truth = self.control.order_states("clob", self.accounts[who].api_key)
            wrong = [f"{o.label} is {truth.get(oid, 'missing')}, the model says {o.state}"
                     for oid, o in self.model.orders.items() if o.owner == who and truth.get(oid) != o.state]
            require("CLOB-CA-020", not wrong, expected=f"the orders of {ACCOUNTS[who]} as the model says",
                    actual="; ".join(wrong))

    def teardown(self) -> None:
        try:
            if not self.journal.failed:
                with self.journal.step("at the end: the orders of every account"):
                    self._judge_states(range(len(ACCOUNTS)))
        finally:
            if self.model.mode != "normal":
                self.control.set_trading_mode("clob", "normal")


@pytest.mark.requirement("CLOB-CA-020", "CLOB-CA-021", "CLOB-CA-022", "CLOB-CA-010")
def test_random_sequences_keep_every_promise(clob):
    """"Cancels all open orders for the authenticated user. Works even in cancel-only mode." — at every step."""
    clob.arranged()
    run_machine(lambda: ClobSequences(clob))
