"""HTTP API load benchmark: a real `ombuds serve` driven from a separate process on loopback.

    .venv/bin/python bench/api_load.py              # full run (~2 minutes)
    .venv/bin/python bench/api_load.py --quick      # 10k terms, 3 s per stage, a smoke test

Stages: (1) a temporary workspace with the 100k-term lexicon of bench/text_inline.py (plus its
combinations and patterns) in a policy, and a bank holding the md5 of every benchmark JPEG;
(2) a platform key made with `ombuds key create`; (3) `ombuds serve` on 127.0.0.1, a free
port, until `/v1/health/ready`; then the load, from `wrk` (Debian package) with a Lua script
that posts JSON bodies read from a file, or from a Python generator (processes, each with
keep-alive `http.client` connections) when wrk is not installed or `--python-load` is given:
(a) single text submissions `POST /v1/content`, (b) `POST /v1/content/batch` with
`--batch-size` messages per request, (c) small base64 JPEGs on `POST /v1/content`, every one
banked, so each is decided inline by its exact hash; and first `GET /v1/health/live`, which
needs no key and no engine, for the ceiling of the HTTP stack alone. Server and load
generator share the machine's cores.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.records import Store, parse_policy_json
from ombuds.settings import Settings
from text_inline import make_workload

CLI = [sys.executable, "-c", "from ombuds.interfaces.cli.app import entry; entry()"]
# `--sqlite-synchronous normal`: a what-if, not a setting of Ombuds. In WAL mode SQLite's
# default (FULL) syncs the log to disk at every commit; NORMAL syncs at checkpoints only.
SYNC_NORMAL = """
import sqlalchemy, sqlalchemy.event
@sqlalchemy.event.listens_for(sqlalchemy.engine.Engine, "connect")
def _normal(dbapi_connection, _record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
from ombuds.interfaces.cli.app import entry; entry()
"""
POLICY = {
    "format": "ombuds.policy/1",
    "name": "bench",
    "description": "",
    "scope": 'region == "EU"',
    "banks": ["bench-images"],
    "lexicons": ["bench-terms", "bench-combinations", "bench-patterns"],
    "actions": {"hate": "block", "spam": "review", "violence": "block", "abuse": "block"},
    "default_action": "review",
    "ground": "bench",
    "enabled": True,
}
LUA = """
local bodies, n, i = {}, 0, 0
function init(args)
  for line in io.lines(args[1]) do n = n + 1; bodies[n] = line end
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  if n == 0 then return end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  i = math.random(n)
end
function request()
  if n == 0 then return wrk.format("GET") end
  i = i % n + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bad": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.status + e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class Result:
    stage: str
    requests: int
    items_per_request: int
    seconds: float
    bad: int
    p50_ms: float
    p99_ms: float

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds

    @property
    def items_per_s(self) -> float:
        return self.requests_per_s * self.items_per_request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def jpeg(rng: random.Random, size: int = 64) -> bytes:
    image = Image.new("RGB", (size, size), tuple(rng.randrange(256) for _ in range(3)))
    pixels = image.load()
    assert pixels is not None
    for _ in range(40):
        pixels[rng.randrange(size), rng.randrange(size)] = (rng.randrange(256), 0, 255)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def make_workspace(home: Path, terms: int, images: list[bytes], seed: int) -> list[str]:
    """The workspace's lexicons, bank and policy; returns the workload's messages."""
    import hashlib

    work = make_workload(terms, 1000, 5000, seed)
    with Store.open(Settings(home=home).resolved_database_url()) as store:
        for lexicon in work.lexicons:
            store.save_lexicon(lexicon)
        store.create_bank(Bank("bench-images", "abuse"))
        store.add_entries(
            [
                BankEntry("bench-images", Signal("md5", hashlib.md5(data).hexdigest()), "abuse")
                for data in images
            ]
        )
        store.save_policy(parse_policy_json(json.dumps(POLICY), file="policy.json"))
    return work.messages


def write_bodies(path: Path, bodies: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies), "utf-8")
    return path


def item(content_id: str, **fields: object) -> dict[str, object]:
    return {"content_id": content_id, "attributes": {"region": "EU"}, **fields}


# -- load generators ------------------------------------------------------------------------


def run_wrk(
    url: str, bodies: Path, token: str, seconds: int, connections: int, threads: int, lua: Path
) -> tuple[int, float, int, float, float]:
    out = subprocess.run(
        [
            *("wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s"),
            *("-s", str(lua), url, "--", str(bodies), token),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    r = json.loads(line.removeprefix("RESULT "))
    return (
        r["requests"],
        r["duration_us"] / 1e6,
        r["bad"],
        r["p50_us"] / 1000,
        r["p99_us"] / 1000,
    )


def _python_worker(
    args: tuple[str, int, str, str, list[str], float, int],
) -> tuple[list[float], int]:
    import http.client
    import threading

    host, port, path, token, bodies, seconds, connections = args
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(offset: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine: list[float] = []
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        i = offset
        while time.monotonic() < deadline:
            start = time.perf_counter()
            if bodies:
                conn.request("POST", path, bodies[i % len(bodies)].encode(), headers)
                i += 1
            else:
                conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                with lock:
                    bad[0] += 1
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=loop, args=(k * 7919,)) for k in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies, bad[0]


def run_python_load(
    port: int, path: str, bodies: Path, token: str, seconds: int, connections: int, processes: int
) -> tuple[int, float, int, float, float]:
    lines = bodies.read_text("utf-8").splitlines()
    per = max(1, connections // processes)
    jobs = [("127.0.0.1", port, path, token, lines, float(seconds), per)] * processes
    start = time.monotonic()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map(_python_worker, jobs)
    elapsed = time.monotonic() - start
    latencies = sorted(x for lat, _ in parts for x in lat)
    bad = sum(b for _, b in parts)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return len(latencies), min(elapsed, float(seconds)), bad, pct(0.50), pct(0.99)


# -- the server -------------------------------------------------------------------------------


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDS_")}
    env.update(OMBUDS_HOME=str(home), OMBUDS_OCR="false", PYTHONUNBUFFERED="1")
    return env


def create_key(home: Path) -> str:
    out = subprocess.run(
        [*CLI, "key", "create", "bench-load", "--role", "platform"],
        env=server_env(home),
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def start_server(
    home: Path, port: int, log: Path, extra: list[str], sync_normal: bool
) -> subprocess.Popen[bytes]:
    cli = [sys.executable, "-c", SYNC_NORMAL] if sync_normal else CLI
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [*cli, "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
            env=server_env(home),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    import http.client

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"ombuds serve exited:\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/v1/health/ready")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.25)
    proc.kill()
    raise SystemExit("ombuds serve not ready within 300 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k terms, 3 s per stage")
    parser.add_argument("--terms", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15, help="duration of each stage")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--python-load", action="store_true", help="never use wrk")
    parser.add_argument(
        "--sqlite-synchronous",
        choices=("default", "normal"),
        default="default",
        help="what-if: the server's SQLite syncs its log at checkpoints only",
    )
    parser.add_argument(
        "--stages",
        default="live,single,batch,image",
        help="which of live (no auth, no engine: the HTTP stack alone), single, batch, image",
    )
    parser.add_argument("--serve-arg", action="append", default=[], help="passed to serve")
    args = parser.parse_args()
    if args.quick:
        args.terms, args.seconds = 10_000, 3
    console = Console()
    use_wrk = shutil.which("wrk") is not None and not args.python_load
    console.print(
        f"[bold]HTTP API load[/]: {args.terms:,} terms, {args.seconds} s per stage, "
        f"{args.connections} connections, load from {'wrk' if use_wrk else 'Python'}, "
        f"SQLite synchronous={args.sqlite_synchronous}; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    rng = random.Random(args.seed)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="ombuds-api-load-") as tmp:
        root = Path(tmp)
        home = root / "ws"
        images = [jpeg(rng) for _ in range(args.images)]
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("workspace (lexicon, bank, policy)", total=None)
            start = time.perf_counter()
            messages = make_workspace(home, args.terms, images, args.seed)
            progress.remove_task(task)
        console.print(f"workspace ready in {time.perf_counter() - start:.1f} s")
        token = create_key(home)
        port = free_port()
        start = time.perf_counter()
        proc = start_server(
            home, port, root / "serve.log", args.serve_arg, args.sqlite_synchronous == "normal"
        )
        console.print(f"ombuds serve ready on port {port} in {time.perf_counter() - start:.1f} s")
        lua = root / "post.lua"
        lua.write_text(LUA, "utf-8")
        singles = [item(f"m{i}", text=m) for i, m in enumerate(messages)]
        batches = [
            {
                "items": [
                    item(f"b{k}-{j}", text=rng.choice(messages)) for j in range(args.batch_size)
                ]
            }
            for k in range(20)
        ]
        import base64

        pictures = [
            item(f"i{i}", kind="image", data_base64=base64.b64encode(d).decode())
            for i, d in enumerate(images)
        ]
        stages: list[tuple[str, str, str, list[dict[str, object]], int]] = [
            ("live", "GET /v1/health/live", "/v1/health/live", [], 1),
            ("single", "single text", "/v1/content", singles, 1),
            ("batch", f"batch of {args.batch_size}", "/v1/content/batch", batches, args.batch_size),
            ("image", "image, exact hash", "/v1/content", pictures, 1),
        ]
        stages = [s for s in stages if s[0] in args.stages.split(",")]
        try:
            for _key, name, path, bodies, per in stages:
                file = write_bodies(root / f"{len(results)}.jsonl", bodies)
                console.print(f"stage [bold]{name}[/]: {args.seconds} s ...")
                if use_wrk:
                    measured = run_wrk(
                        f"http://127.0.0.1:{port}{path}",
                        file,
                        token,
                        args.seconds,
                        args.connections,
                        1,
                        lua,
                    )
                else:
                    measured = run_python_load(
                        port, path, file, token, args.seconds, args.connections, 1
                    )
                results.append(Result(name, measured[0], per, *measured[1:]))
        finally:
            stop_server(proc)
    table = Table(title="ombuds serve under load (loopback, server and load on the same cores)")
    for column in ("stage", "requests/s", "items/s", "p50 ms", "p99 ms", "non-200/errors"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for r in results:
        table.add_row(
            r.stage,
            f"{r.requests_per_s:,.0f}",
            f"{r.items_per_s:,.0f}",
            f"{r.p50_ms:.2f}",
            f"{r.p99_ms:.2f}",
            str(r.bad),
        )
    console.print(table)
    targets = {"single text": 3000.0, f"batch of {args.batch_size}": 30000.0}
    for r in results:
        if r.stage in targets:
            met = r.items_per_s >= targets[r.stage]
            verdict = "[green]met[/]" if met else "[red]missed[/]"
            console.print(f"target {r.stage}: >= {targets[r.stage]:,.0f} items/s: {verdict}")


if __name__ == "__main__":
    main()
