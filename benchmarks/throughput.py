"""Signed batched cancels per second: conformance-mock, Prism 5.16 and a bare Starlette app, side by side.

    .venv/bin/python benchmarks/throughput.py [--duration 10] [--connections 32] [--repeat 3]

Each system gets the same requests from wrk: ``POST /v1/orders/batched/cancel``
with the same body bytes and the same three ``X-PM-*`` headers. The mock mints
``--accounts`` accounts through its control plane, each with 20 orders its
batch names and 20 it does not; wrk sends the accounts' batches in turn, so
the first round cancels every named order and later rounds repeat cancels.
The signatures cover ``timestamp + method + path`` only and are made just
before each wrk run, which is why a run must stay well under the 30 s window
(one fixed request per account, honestly signed, instead of signing in Lua).

After each mock run the order store is checked: every named order canceled
and reported exactly once on its account's order stream (``/v1/ws/private``),
every other order still open.

Prism (``@stoplight/prism-cli@5.16``, mocking the same spec) is installed on
first use with npm into ``--prism-dir``; wrk comes from Debian
(``apt-get install wrk``). The bare app is ``bare_starlette.py``: one Ed25519
verification, the body parsed, the ids echoed, on the same uvicorn settings.
Systems are interleaved per repeat and the medians printed, since the machine
is shared.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.signing import UsCredentials, UsSigner  # noqa: E402

PATH = "/v1/orders/batched/cancel"
SPEC = ROOT / "specs" / "us-orders-batched-cancel.yaml"
PRISM_VERSION = "5.16"
MARKET = "bench-market"


@dataclass
class Result:
    requests_per_s: float
    p99_ms: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(command: list[str], port: int) -> Iterator[str]:
    """Run ``command`` until it listens on ``port``; yield its base URL; stop it."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                sys.exit(f"{command[0]} exited at start: {' '.join(command)}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit(f"{command[0]} did not listen on {port}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def prism_binary(prism_dir: Path) -> str:
    binary = prism_dir / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        if not shutil.which("npm"):
            sys.exit("npm not found: Prism is installed with npm (install Node.js)")
        print(f"installing @stoplight/prism-cli@{PRISM_VERSION} into {prism_dir} ...", flush=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prism_dir),
                        f"@stoplight/prism-cli@{PRISM_VERSION}"], check=True)
    return str(binary)


def wrk_script(directory: Path, requests: list[tuple[dict[str, str], bytes]]) -> Path:
    """A wrk script sending the requests in turn, each pre-formatted in ``init``."""
    entries = ",\n".join(
        "{{{}}}".format(", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()))
        + f", {json.dumps(body.decode())}" for headers, body in requests)
    script = directory / "batched_cancel.lua"
    script.write_text(
        f"local plain = {{\n{entries}\n}}\n"
        "local requests, i = {}, 0\n"
        "function init(args)\n"
        "  for n = 1, #plain, 2 do\n"
        f"    requests[#requests + 1] = wrk.format('POST', '{PATH}', plain[n], plain[n + 1])\n"
        "  end\n"
        "end\n"
        "function request()\n"
        "  i = i % #requests + 1\n"
        "  return requests[i]\n"
        "end\n"
    )
    return script


def run_wrk(url: str, script: Path, args: argparse.Namespace) -> Result:
    done = subprocess.run(
        ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s", "--latency",
         "--timeout", "10s", "-s", str(script), url + PATH],
        capture_output=True, text=True, check=True,
    )
    out = done.stdout
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if failures or errors:
        sys.exit(f"wrk saw failures against {url}:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out).groups()
    return Result(rate, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit])


@dataclass
class Bot:
    """One account: the batch it sends (its named orders) and its other open orders."""

    key_id: str
    secret_key: str
    named: list[str]
    bystanders: list[str]

    def request(self) -> tuple[dict[str, str], bytes]:
        """The signed batched cancel, timestamped now."""
        headers = UsSigner(UsCredentials(self.key_id, self.secret_key)).headers("POST", PATH)
        headers["Content-Type"] = "application/json"
        body = {"orders": [{"orderId": order_id, "marketSlug": MARKET} for order_id in self.named]}
        return headers, json.dumps(body, separators=(",", ":")).encode()


def arrange(control: httpx.Client, accounts: int) -> list[Bot]:
    """``accounts`` accounts, each with 20 orders its batch names and 20 it does not."""
    bots = []
    for _ in range(accounts):
        account = control.post("/_conformance/accounts", json={"api": "us"}).json()
        answer = control.post("/_conformance/orders", json={
            "api": "us", "account": account["keyId"], "orders": [{"marketSlug": MARKET}] * 40})
        ids = [order["id"] for order in answer.json()["orders"]]
        bots.append(Bot(account["keyId"], account["secretKey"], ids[:20], ids[20:]))
    return bots


def check_store(control: httpx.Client, bot: Bot, reported: list[str]) -> str:
    """An empty string when the bot's orders are right after the run, else what is wrong."""
    answer = control.get("/_conformance/orders", params={"api": "us", "account": bot.key_id})
    states = {order["id"]: order["state"] for order in answer.json()["orders"]}
    problems = []
    if any(states.get(order_id) != "canceled" for order_id in bot.named):
        problems.append(f"{sum(states.get(i) != 'canceled' for i in bot.named)} named orders not canceled")
    if any(states.get(order_id) != "open" for order_id in bot.bystanders):
        problems.append(f"{sum(states.get(i) != 'open' for i in bot.bystanders)} other orders not open")
    if sorted(reported) != sorted(bot.named):
        problems.append(f"the stream reported {len(reported)} cancels ({len(reported) - len(set(reported))} "
                        f"repeated) for {len(bot.named)} orders")
    return "; ".join(problems)


def reported_cancels(stream, quiet: float) -> list[str]:
    """The order ids of every cancel update the stream has sent, until it stays quiet for ``quiet`` seconds."""
    ids = []
    with contextlib.suppress(TimeoutError):
        while True:
            message = json.loads(stream.recv(timeout=quiet))
            execution = message.get("orderSubscriptionUpdate", {}).get("execution", {})
            if execution.get("type") == "EXECUTION_TYPE_CANCELED":
                ids.append(execution["order"]["id"])
    return ids


def bench_mock(args: argparse.Namespace, directory: Path) -> tuple[Result, list[Bot]]:
    port = free_port()
    command = [sys.executable, "-m", "conformance_mock", "--port", str(port), *args.mock_option]
    with serving(command, port) as url, httpx.Client(base_url=url, timeout=30) as control, \
            contextlib.ExitStack() as streams:
        bots = arrange(control, args.accounts)
        subscribed = []
        for bot in bots:
            headers = UsSigner(UsCredentials(bot.key_id, bot.secret_key)).headers("GET", "/v1/ws/private")
            stream = streams.enter_context(
                connect(url.replace("http://", "ws://") + "/v1/ws/private", additional_headers=headers, max_queue=None))
            stream.send(json.dumps({"subscribe": {"requestId": "bench", "subscriptionType": "SUBSCRIPTION_TYPE_ORDER"}}))
            stream.recv(timeout=30)  # the snapshot
            subscribed.append(stream)
        result = run_wrk(url, wrk_script(directory, [bot.request() for bot in bots]), args)
        problems = [f"account {n}: {problem}" for n, (bot, stream) in enumerate(zip(bots, subscribed))
                    if (problem := check_store(control, bot, reported_cancels(stream, 2.0 if n == 0 else 0.1)))]
        if problems:
            sys.exit("the mock's order store is wrong after the run:\n" + "\n".join(problems))
    return result, bots


def bench_other(command: list[str], port: int, bots: list[Bot], args: argparse.Namespace, directory: Path) -> Result:
    with serving(command, port) as url:
        return run_wrk(url, wrk_script(directory, [bot.request() for bot in bots]), args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (keep it under 30)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--accounts", type=int, default=50, help="accounts, each sending its own batch of 20")
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"],
                        help="uvicorn's HTTP parser for the mock and the bare app (auto: httptools when installed)")
    parser.add_argument("--mock-option", action="append", default=[], help="extra conformance-mock option")
    parser.add_argument("--prism-dir", type=Path, default=Path.home() / ".cache" / "conformance-bench" / "prism")
    args = parser.parse_args()
    if args.duration >= 25:
        parser.error("--duration must stay under 25 s: one signature is valid for 30 s")
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")
    prism = prism_binary(args.prism_dir)
    args.mock_option += ["--http", args.http]
    results: dict[str, list[Result]] = {"conformance-mock": [], "prism": [], "bare starlette": []}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for run in range(args.repeat):
            mock, bots = bench_mock(args, directory)
            results["conformance-mock"].append(mock)
            port = free_port()
            results["prism"].append(bench_other(
                [prism, "mock", str(SPEC), "--port", str(port), "--verboseLevel", "error"], port, bots, args, directory))
            port, keys = free_port(), directory / "keys.json"
            keys.write_text(json.dumps({bot.key_id: base64.b64decode(bot.secret_key)[32:].hex() for bot in bots}))
            results["bare starlette"].append(bench_other(
                [sys.executable, str(ROOT / "benchmarks" / "bare_starlette.py"), "--port", str(port),
                 "--keys", str(keys), "--http", args.http], port, bots, args, directory))
            print(f"run {run + 1}: " + ", ".join(f"{name} {r[-1].requests_per_s:.0f} req/s" for name, r in results.items()),
                  flush=True)
    medians = {name: Result(statistics.median(r.requests_per_s for r in runs), statistics.median(r.p99_ms for r in runs))
               for name, runs in results.items()}
    print(f"\n{args.repeat} runs of {args.duration} s, wrk -t{args.threads} -c{args.connections}, "
          f"uvicorn --http {args.http}, medians:")
    for name, result in medians.items():
        print(f"  {name:18} {result.requests_per_s:8.0f} req/s   p99 {result.p99_ms:7.2f} ms")
    def ratios(other: str) -> tuple[float, float]:
        """The ratio of the medians, and the median of the ratios within each repeat (load drifts between them)."""
        mine, theirs = results["conformance-mock"], results[other]
        return (medians["conformance-mock"].requests_per_s / medians[other].requests_per_s,
                statistics.median(m.requests_per_s / o.requests_per_s for m, o in zip(mine, theirs)))

    prism, bare = ratios("prism"), ratios("bare starlette")
    print(f"  mock / prism          {prism[0]:5.2f}x  (per run, median {prism[1]:.2f}x; goal >= 2)")
    print(f"  mock / bare starlette {bare[0]:5.0%}   (per run, median {bare[1]:.0%}; goal >= 80%)")
    print("  order store after every mock run: every named order canceled and reported once on the stream, "
          "every other order open")


if __name__ == "__main__":
    main()
