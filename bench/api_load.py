"""HTTP API load benchmark: a real `ombuds serve` driven from a separate process on loopback.

    .venv/bin/python bench/api_load.py              # full run: 3 runs x 4 stages (~6 minutes)
    .venv/bin/python bench/api_load.py --quick      # 10k terms, 1 run, 3 s per stage

Stages: (1) a temporary workspace with the 100k-term lexicon of bench/text_inline.py (plus its
combinations and patterns) in a policy, and a bank holding the md5 of every benchmark JPEG;
(2) a platform key made with `ombuds key create`; (3) `ombuds serve` on 127.0.0.1, a free
port, until `/v1/health/ready`; then, `--runs` times, each stage for `--seconds`, the load
from `wrk` (see bench/http_load.py; a Python generator without wrk): `GET /v1/health/live`
(no key, no engine, no store: the ceiling of the HTTP stack, the baseline), single text
submissions, batches of `--batch-size` texts, and small banked JPEGs decided inline by their
exact hash. Reported: medians over the runs of requests/s, items/s, p50 and p99 latency,
and, because the 2 cores are shared by server, load generator and whatever else runs,
the CPU each of them used during the stage and the 1-minute load average at its end.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from rich.console import Console
from rich.table import Table

from http_load import LUA, CpuClock, CpuShare, Measured, run_python_load, run_wrk, settle
from ombuds.domain import Bank, BankEntry, Signal
from ombuds.records import Store, parse_policy_json
from ombuds.settings import Settings
from text_inline import make_workload

ACTOR = "system:bench"
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
# `--what-if-workers N`: the app under `uvicorn --workers N`, which `ombuds serve` does not
# offer (each worker would keep its own engine; see docs/benchmarks.md).
FACTORY = """
def make():
    from ombuds.interfaces.api import create_app
    from ombuds.settings import Settings
    return create_app(Settings())
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
TARGETS = {"single": 3000.0, "batch": 30000.0}


@dataclass
class Stage:
    key: str
    name: str
    path: str
    bodies: Path
    per: int  # items per request
    runs: list[Measured] = field(default_factory=list)
    cpu: list[CpuShare] = field(default_factory=list)
    load: list[float] = field(default_factory=list)

    def med(self, values: list[float]) -> float:
        return statistics.median(values)

    def items_per_s(self) -> list[float]:
        return [m.requests / m.seconds * self.per for m in self.runs]


# -- workspace and server ------------------------------------------------------------------


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
    work = make_workload(terms, 1000, 5000, seed)
    with Store.open(Settings(home=home).resolved_database_url()) as store:
        for lexicon in work.lexicons:
            store.save_lexicon(lexicon, actor=ACTOR)
        store.create_bank(Bank("bench-images", "abuse"), actor=ACTOR)
        store.add_entries(
            [
                BankEntry("bench-images", Signal("md5", hashlib.md5(data).hexdigest()), "abuse")
                for data in images
            ],
            actor=ACTOR,
        )
        store.save_policy(parse_policy_json(json.dumps(POLICY), file="policy.json"), actor=ACTOR)
    return work.messages


def write_bodies(path: Path, bodies: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies), "utf-8")
    return path


def item(content_id: str, **fields: object) -> dict[str, object]:
    return {"content_id": content_id, "attributes": {"region": "EU"}, **fields}


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


def server_command(root: Path, port: int, args: argparse.Namespace) -> list[str]:
    if args.what_if_workers:
        (root / "ombuds_bench_factory.py").write_text(FACTORY, "utf-8")
        return [
            *(sys.executable, "-m", "uvicorn", "--app-dir", str(root), "--factory"),
            *("ombuds_bench_factory:make", "--workers", str(args.what_if_workers)),
            *("--no-access-log", "--host", "127.0.0.1", "--port", str(port)),
        ]
    cli = [sys.executable, "-c", SYNC_NORMAL] if args.sqlite_synchronous == "normal" else CLI
    return [*cli, "serve", "--host", "127.0.0.1", "--port", str(port), *args.serve_arg]


def _ready(port: int) -> bool:
    import http.client

    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/v1/health/ready")
        return conn.getresponse().status == 200
    except OSError:
        return False


def start_server(home: Path, port: int, log: Path, command: list[str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        proc = subprocess.Popen(command, env=server_env(home), stdout=sink, stderr=sys.stderr)
    deadline, streak = time.monotonic() + 600, 0
    # Several workers answer in turn: ready only when many answers in a row say so.
    while time.monotonic() < deadline and streak < 20:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text()}")
        streak = streak + 1 if _ready(port) else 0
        time.sleep(0.05 if streak else 0.25)
    if streak < 20:
        stop_server(proc)
        raise SystemExit("the server was not ready within 600 s")
    return proc


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- stages ----------------------------------------------------------------------------------


def make_stages(
    root: Path, messages: list[str], images: list[bytes], args: argparse.Namespace
) -> list[Stage]:
    rng = random.Random(args.seed)
    singles = [item(f"m{i}", text=m) for i, m in enumerate(messages)]
    batches = [
        {"items": [item(f"b{k}-{j}", text=rng.choice(messages)) for j in range(args.batch_size)]}
        for k in range(20)
    ]
    pictures = [
        item(f"i{i}", kind="image", data_base64=base64.b64encode(d).decode())
        for i, d in enumerate(images)
    ]
    stages = [
        Stage("live", "GET /v1/health/live (baseline)", "/v1/health/live", root / "live", 1),
        Stage("single", "single text", "/v1/content", root / "single", 1),
        Stage(
            "batch",
            f"batch of {args.batch_size}",
            "/v1/content/batch",
            root / "batch",
            args.batch_size,
        ),
        Stage("image", "image, exact hash", "/v1/content", root / "image", 1),
    ]
    bodies = {"live": [], "single": singles, "batch": batches, "image": pictures}
    for stage in stages:
        write_bodies(stage.bodies, bodies[stage.key])  # type: ignore[arg-type]
    return [s for s in stages if s.key in args.stages.split(",")]


def measure(
    stage: Stage,
    proc: subprocess.Popen[bytes],
    port: int,
    token: str,
    lua: Path,
    args: argparse.Namespace,
) -> None:
    settle(proc.pid)
    connections = args.batch_connections if stage.key == "batch" else args.connections
    clock = CpuClock(proc.pid)
    if args.use_wrk:
        url = f"http://127.0.0.1:{port}{stage.path}"
        m = run_wrk(url, stage.bodies, token, args.seconds, connections, lua)
    else:
        m = run_python_load(port, stage.path, stage.bodies, token, args.seconds, connections)
    stage.runs.append(m)
    stage.cpu.append(clock.stop(m.seconds))
    stage.load.append(os.getloadavg()[0])


def report(console: Console, stages: list[Stage], args: argparse.Namespace) -> None:
    table = Table(title=f"ombuds serve under load: medians of {args.runs} run(s)")
    columns = (
        "stage",
        "requests/s",
        "items/s",
        "items/s range",
        "p50 ms",
        "p99 ms",
        "bad",
        "CPU % server (request process) / load / others / steal",
        "load avg",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "stage" else "right")
    for s in stages:
        items = s.items_per_s()
        cpu = [
            statistics.median(getattr(c, k) for c in s.cpu)
            for k in ("server", "request", "load", "others", "steal")
        ]
        table.add_row(
            s.name,
            f"{s.med([m.requests / m.seconds for m in s.runs]):,.0f}",
            f"{s.med(items):,.0f}",
            f"{min(items):,.0f}-{max(items):,.0f}",
            f"{s.med([m.p50_ms for m in s.runs]):.1f}",
            f"{s.med([m.p99_ms for m in s.runs]):.1f}",
            str(sum(m.bad for m in s.runs)),
            f"{cpu[0]:.0f} ({cpu[1]:.0f}) / " + " / ".join(f"{x:.0f}" for x in cpu[2:]),
            f"{s.med(s.load):.2f}",
        )
    console.print(table)
    for s in stages:
        if s.key in TARGETS:
            got, want = s.med(s.items_per_s()), TARGETS[s.key]
            verdict = (
                "[green]met[/]" if got >= want else f"[red]missed ({want / got:.1f}x short)[/]"
            )
            console.print(f"target {s.name}: >= {want:,.0f} items/s: {verdict}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k terms, 1 run, 3 s per stage")
    parser.add_argument("--terms", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of every stage (medians)")
    parser.add_argument("--seconds", type=int, default=15, help="duration of each stage")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--batch-connections", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--python-load", action="store_true", help="never use wrk")
    parser.add_argument(
        "--stages",
        default="live,single,batch,image",
        help="live (the HTTP stack alone), single, batch, image",
    )
    parser.add_argument("--serve-arg", action="append", default=[], help="passed to serve")
    parser.add_argument(
        "--sqlite-synchronous",
        choices=("default", "normal"),
        default="default",
        help="what-if: SQLite syncs its log at checkpoints only",
    )
    parser.add_argument(
        "--what-if-workers",
        type=int,
        default=0,
        metavar="N",
        help="what-if: the app under uvicorn --workers N",
    )
    args = parser.parse_args()
    if args.quick:
        args.terms, args.seconds, args.runs = 10_000, 3, 1
    args.use_wrk = shutil.which("wrk") is not None and not args.python_load
    return args


def describe_machine() -> str:
    model = ""
    with open("/proc/cpuinfo") as f:
        model = next(
            (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), ""
        )
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}"


def main() -> None:
    args = parse_args()
    console = Console(width=170)
    console.print(
        f"[bold]HTTP API load[/]: {args.terms:,} terms, {args.runs} x {args.seconds} s per stage, "
        f"{args.connections} connections, load from {'wrk' if args.use_wrk else 'Python'}; "
        f"{describe_machine()}; load average {os.getloadavg()[0]:.2f} at the start"
    )
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="ombuds-api-load-") as tmp:
        root = Path(tmp)
        home = root / "ws"
        images = [jpeg(rng) for _ in range(args.images)]
        start = time.perf_counter()
        messages = make_workspace(home, args.terms, images, args.seed)
        console.print(f"workspace ready in {time.perf_counter() - start:.1f} s")
        token = create_key(home)
        port = free_port()
        start = time.perf_counter()
        proc = start_server(home, port, root / "serve.log", server_command(root, port, args))
        console.print(f"server ready on port {port} in {time.perf_counter() - start:.1f} s")
        lua = root / "post.lua"
        lua.write_text(LUA, "utf-8")
        stages = make_stages(root, messages, images, args)
        try:
            for run in range(args.runs):
                for stage in stages:
                    console.print(f"run {run + 1}/{args.runs}: [bold]{stage.name}[/] ...")
                    measure(stage, proc, port, token, lua, args)
        finally:
            stop_server(proc)
    report(console, stages, args)


if __name__ == "__main__":
    main()
