"""Job-status polling: the Serve ingress against the same FastAPI app under bare uvicorn.

    python benchmarks/bench_api.py [--clients 100] [--seconds 10]

One run, one machine, one database (DATABASE_URL, else a fresh SQLite file), one job whose
status every client polls with its access token (so each request verifies an RS256 token and
reads the user and the job). Two loads, each against bare uvicorn (one process) and then Serve
(proxy + one ingress replica):

* saturation — 100 clients, each sending its next request as soon as the last is answered:
  requests per second is the throughput; latency is mostly time spent queueing.
* polling    — 100 clients each asking once a second, as a status page does: the latency a
  user sees when the service is not overloaded. `p99_ms` in the JSON line is Serve's here.

Serve runs twice, each in a fresh Ray: with the HAProxy ingress and throughput-optimized mode
(RAY_SERVE_ENABLE_HA_PROXY=1, RAY_SERVE_THROUGHPUT_OPTIMIZED=1: what `make serve` uses; the
headline numbers) and with the default Python proxy (for comparison).

Prints a summary, then one JSON line: status_rps_serve, status_rps_bare, serve_ratio, p99_ms
(Serve while polling), and a few more status_* numbers. Rate limiting is off: the 100 clients
share one IP.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass
class Result:
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{base} did not become healthy")


def seed(base: str) -> tuple[str, dict[str, str]]:
    """A user, a project and a queued job to poll; returns (status path, auth header)."""
    with httpx.Client(base_url=base, timeout=30) as http:
        account = {"email": "bench@studio.test", "password": "benchmark password"}
        http.post("/api/v1/auth/register", json=account)
        token = http.post("/api/v1/auth/login", json=account).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        project = http.post("/api/v1/projects", json={"name": "bench"}, headers=headers).json()
        job = http.post(
            "/api/v1/generate/script",
            json={"project_id": project["id"], "script": "Dawn."},
            headers=headers,
        ).json()
    return f"/api/v1/jobs/{job['job_id']}/status", headers


async def load(
    base: str, path: str, headers: dict, clients: int, seconds: float, interval: float | None
) -> Result:
    """`clients` concurrent pollers for `seconds` (after a warm-up); every `interval` s if set.

    Each poller is its own client with one keep-alive connection, as 100 browsers would be
    (one shared httpx pool of 100 connections costs more CPU than the server under test). The
    load generator's own garbage collector is off while it measures: here one process plays 100
    browsers, and one full pass in it (tens of ms after a saturation load) stalled all 100 at
    once, which the p99 then counted as the server's latency.
    """
    latencies: list[float] = []
    errors = 0
    sessions = [
        httpx.AsyncClient(
            base_url=base, headers=headers, timeout=30, limits=httpx.Limits(max_connections=1)
        )
        for _ in range(clients)
    ]
    gc.collect()
    gc.disable()
    try:
        await asyncio.gather(*(http.get(path) for http in sessions))  # open the connections
        start = time.perf_counter()
        stop = start + seconds

        async def poller(i: int, http: httpx.AsyncClient) -> None:
            nonlocal errors
            next_at = start + (interval * i / clients if interval else 0.0)
            while True:
                if interval:
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                    next_at += interval
                if time.perf_counter() >= stop:
                    return
                sent = time.perf_counter()
                response = await http.get(path)
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - sent)
                else:
                    errors += 1

        await asyncio.gather(*(poller(i, http) for i, http in enumerate(sessions)))
        elapsed = time.perf_counter() - start
    finally:
        await asyncio.gather(*(http.aclose() for http in sessions))
        gc.enable()
    latencies.sort()
    return Result(
        requests=len(latencies),
        errors=errors,
        rps=len(latencies) / elapsed,
        p50_ms=1000 * statistics.median(latencies),
        p99_ms=1000 * latencies[int(0.99 * (len(latencies) - 1))],
    )


def measure(base: str, path: str, headers: dict, clients: int, seconds: float) -> dict[str, Result]:
    asyncio.run(load(base, path, headers, clients, min(3.0, seconds), None))  # warm up, not counted
    return {
        "saturation": asyncio.run(load(base, path, headers, clients, seconds, None)),
        "polling": asyncio.run(load(base, path, headers, clients, seconds, 1.0)),
    }


def bare_uvicorn(clients: int, seconds: float) -> tuple[dict[str, Result], str, dict]:
    """The app alone: one uvicorn process, as `uvicorn --factory serve_apps.api.main:create_app`."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "serve_apps.api.main:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        path, headers = seed(base)
        return measure(base, path, headers, clients, seconds), path, headers
    finally:
        server.terminate()
        server.wait(timeout=30)


def haproxy_environment(scratch: Path) -> dict[str, str]:
    """Ray Serve's high-throughput ingress (HAProxy in front of the replicas' own HTTP servers),
    with its files and ports private to this run."""
    return {
        "RAY_SERVE_ENABLE_HA_PROXY": "1",
        "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1",
        "RAY_SERVE_HAPROXY_CONFIG_FILE_LOC": str(scratch / "haproxy.cfg"),
        "RAY_SERVE_HAPROXY_SOCKET_PATH": str(scratch / "admin.sock"),
        "RAY_SERVE_HAPROXY_SERVER_STATE_BASE": str(scratch),
        "RAY_SERVE_HAPROXY_SERVER_STATE_FILE": str(scratch / "server-state"),
        "RAY_SERVE_HAPROXY_METRICS_SOCKET_PATH": str(scratch / "metrics.sock"),
        "RAY_SERVE_HAPROXY_STATS_PORT": str(free_port()),
        "RAY_SERVE_HAPROXY_METRICS_PORT": str(free_port()),
    }


def ray_serve(
    mode: str, path: str, headers: dict, clients: int, seconds: float
) -> dict[str, Result]:
    """The same app as the Serve application of serve_apps/app.py, in a child process (Serve's
    ingress mode is chosen by environment variables read when Ray starts)."""
    env = dict(os.environ)
    if mode == "haproxy":
        env |= haproxy_environment(Path(tempfile.mkdtemp(prefix="bench-haproxy-")))
    child = subprocess.run(
        [sys.executable, __file__, "--serve-child", json.dumps({"path": path, "headers": headers}),
         "--clients", str(clients), "--seconds", str(seconds)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    results = json.loads(child.stdout.strip().splitlines()[-1])
    return {name: Result(**values) for name, values in results.items()}


def serve_child(target: dict, clients: int, seconds: float) -> None:
    import ray
    from ray import serve

    from infra.settings import Settings
    from serve_apps.app import build_app

    port = free_port()
    ray.init(
        address="local",
        num_cpus=2,
        object_store_memory=300 * 2**20,
        include_dashboard=False,
        log_to_driver=False,
    )
    try:
        serve.start(http_options={"host": "127.0.0.1", "port": port})
        serve.run(build_app(Settings().model_dump()), name="bench", route_prefix="/")
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        results = measure(base, target["path"], target["headers"], clients, seconds)
    finally:
        serve.shutdown()
        ray.shutdown()
    print(json.dumps({name: asdict(r) for name, r in results.items()}))


def main() -> None:
    parser = argparse.ArgumentParser(description="job-status polling: Serve vs bare uvicorn")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--serve-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_child:
        return serve_child(json.loads(args.serve_child), args.clients, args.seconds)

    scratch = tempfile.mkdtemp(prefix="bench-api-")
    os.environ.update(
        FILMSTUDIO_VAR_DIR=scratch,
        FILMSTUDIO_RATE_LIMIT_REQUESTS="0",
        FILMSTUDIO_JOB_SUPERVISOR="false",  # the polled job stays queued: nothing renders
        RAY_USAGE_STATS_ENABLED="0",
    )
    bare, path, headers = bare_uvicorn(args.clients, args.seconds)
    runs = {
        "bare uvicorn": bare,
        "Serve, HAProxy ingress": ray_serve("haproxy", path, headers, args.clients, args.seconds),
        "Serve, default proxy": ray_serve("proxy", path, headers, args.clients, args.seconds),
    }
    served, default = runs["Serve, HAProxy ingress"], runs["Serve, default proxy"]

    database = os.environ.get("DATABASE_URL", "sqlite").split(":")[0].split("+")[0]
    print(
        f"job-status polling: {args.clients} clients, {args.seconds:g} s per load, {database}, {os.cpu_count()} CPUs"
    )
    print(f"{'':38}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for load_name in ("saturation", "polling"):
        for name, results in runs.items():
            r = results[load_name]
            print(
                f"{load_name + ' / ' + name:38}{r.rps:8.0f}{r.p50_ms:9.1f}{r.p99_ms:9.1f}{r.errors:8d}"
            )
    ratio = served["saturation"].rps / bare["saturation"].rps
    print(
        f"Serve (HAProxy ingress) throughput is {ratio:.0%} of bare uvicorn (target >= 50 %); "
        f"its p99 while 100 clients poll once a second is {served['polling'].p99_ms:.1f} ms (target < 50 ms)"
    )
    print(
        json.dumps(
            {
                "status_rps_serve": round(served["saturation"].rps, 1),
                "status_rps_bare": round(bare["saturation"].rps, 1),
                "serve_ratio": round(ratio, 3),
                "p99_ms": round(served["polling"].p99_ms, 2),
                "status_p50_ms_serve": round(served["polling"].p50_ms, 2),
                "status_p99_ms_bare": round(bare["polling"].p99_ms, 2),
                "status_p99_ms_serve_saturated": round(served["saturation"].p99_ms, 2),
                "status_rps_serve_default_proxy": round(default["saturation"].rps, 1),
                "status_p99_ms_serve_default_proxy": round(default["polling"].p99_ms, 2),
                "status_errors": sum(
                    r.errors for results in runs.values() for r in results.values()
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
