"""Load generators for bench/api_load.py, each in processes of its own.

`wrk` (Debian package `wrk`, C, one thread) posts JSON bodies read from a file in turn
through a Lua script, and reports requests, non-2xx/socket errors and latency percentiles.
Without wrk, a Python generator (keep-alive `http.client` connections on threads, in
spawned processes) does the same at a higher CPU cost, which it takes from the server.
`CpuClock` says who used the cores meanwhile: the server, the generator, anything else.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Measured:
    requests: int
    seconds: float
    bad: int  # non-2xx answers and socket errors
    p50_ms: float
    p99_ms: float


def run_wrk(
    url: str, bodies: Path, token: str, seconds: int, connections: int, lua: Path
) -> Measured:
    out = subprocess.run(
        [
            *("wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s"),
            *("-s", str(lua), url, "--", str(bodies), token),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    r = json.loads(line.removeprefix("RESULT "))
    return Measured(
        r["requests"], r["duration_us"] / 1e6, r["bad"], r["p50_us"] / 1000, r["p99_us"] / 1000
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
    port: int, path: str, bodies: Path, token: str, seconds: int, connections: int
) -> Measured:
    lines = bodies.read_text("utf-8").splitlines()
    jobs = [("127.0.0.1", port, path, token, lines, float(seconds), connections)]
    start = time.monotonic()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        parts = pool.map(_python_worker, jobs)
    elapsed = time.monotonic() - start
    latencies = sorted(x for lat, _ in parts for x in lat)
    bad = sum(b for _, b in parts)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Measured(len(latencies), min(elapsed, float(seconds)), bad, pct(0.50), pct(0.99))


# -- who used the cores while a stage ran ---------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuShare:
    """CPU used during a stage, in % of one core: the server (with its worker processes),
    the load generator, everything else in this VM, and time the hypervisor gave to others
    (steal)."""

    server: float
    load: float
    others: float
    steal: float
    # Of `server`, the server process alone (its event loop and request handling), without
    # its helpers (the decision writer, deferred workers): which of them is the limit.
    request: float = 0.0


def _machine_ticks() -> tuple[int, int]:
    """(busy, steal) ticks of all cores since boot."""
    with open("/proc/stat") as f:
        t = [int(x) for x in f.readline().split()[1:]]
    return t[0] + t[1] + t[2] + t[5] + t[6], t[7]


def _own_ticks(pid: int) -> int:
    """CPU ticks of one process (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(rest[11]) + int(rest[12])


def _tree_ticks(root: int) -> int:
    """CPU ticks of a process and every living descendant (workers of the deferred tier)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                rest = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        parents[int(entry)] = int(rest[1])
        ticks[int(entry)] = int(rest[11]) + int(rest[12])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += ticks.get(pid, 0)
        todo.extend(p for p, parent in parents.items() if parent == pid)
    return total


def _children_cpu() -> float:
    """CPU seconds of waited-for children: the load generator once it has exited."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuClock:
    def __init__(self, server_pid: int) -> None:
        self._server_pid = server_pid
        self._machine = _machine_ticks()
        self._server = _tree_ticks(server_pid)
        self._request = _own_ticks(server_pid)
        self._load = _children_cpu()

    def stop(self, seconds: float) -> CpuShare:
        busy, steal = (b - a for a, b in zip(self._machine, _machine_ticks(), strict=True))
        server = (_tree_ticks(self._server_pid) - self._server) / TICK
        request = (_own_ticks(self._server_pid) - self._request) / TICK
        load = _children_cpu() - self._load
        others = max(0.0, busy / TICK - server - load)
        return CpuShare(
            *(100 * x / seconds for x in (server, load, others, steal / TICK, request)),
        )


def settle(server_pid: int, timeout: float = 300.0) -> float:
    """Wait until the server is idle (requests a load generator left behind are answered):
    under 10 % of a core over half a second. Returns the seconds waited."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        before = _tree_ticks(server_pid)
        time.sleep(0.5)
        if (_tree_ticks(server_pid) - before) / TICK < 0.05:
            break
    return time.monotonic() - start
