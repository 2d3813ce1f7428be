"""`make serve` as a process a test or a script can start, stop and inspect.

`start_server` runs `python -m filmstudio.server` in its own process group (as a shell or a
service manager would) with `make serve`'s environment, on free ports and its own var/ directory,
and waits for GET /health to answer 200.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[2]
HEALTH = "/health"
READY = "AI Film Studio on http://"  # printed once Serve has deployed the app
# Ray Serve 2.60 binds each replica's inter-deployment gRPC server to "[::]:0" with no option
# (ray/serve/_private/replica.py, `_on_initialized`): the one wildcard listener left, named here
# so that any other fails the checks.
KNOWN_WILDCARD = ("ray::ServeReplica",)
# What `make serve` exports (see the Makefile).
MAKE_ENV = {
    "RAY_AUTH_MODE": "token",
    "RAY_USAGE_STATS_ENABLED": "0",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


# Ports handed out for the server: above Ray's worker ports (10002-19999) and below the kernel's
# ephemeral range, which every bind to port 0 draws from. A port the kernel chose is free only
# until some other process's bind(0) is handed it again, between the test choosing it and HAProxy
# binding it seconds later (seen once: "cannot bind socket (Address already in use)").
SERVER_PORTS = (20000, 32000)


def free_port() -> int:
    """A free loopback port no bind(0) on this machine can take meanwhile (`SERVER_PORTS`)."""
    for _ in range(200):
        port = random.randrange(*SERVER_PORTS)
        if port_free(port):
            return port
    raise RuntimeError(f"no free port in {SERVER_PORTS}")


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    var_dir: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def processes(self) -> list[psutil.Process]:
        """The server and everything it started (Serve's actors start their own process groups,
        so descendants rather than the group)."""
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


def server_env(var_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "FILMSTUDIO_"))}
    env.update(MAKE_ENV)
    env["FILMSTUDIO_VAR_DIR"] = str(var_dir)
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(extra or {})
    return env


def start_server(
    var_dir: Path, port: int, proxy_ports: tuple[int, int], timeout_s: float = 180.0
) -> Server:
    """Start the server and wait for /health; `proxy_ports` are HAProxy's stats and metrics
    ports, so servers of other checkouts on this machine do not collide with it."""
    var_dir.mkdir(parents=True, exist_ok=True)
    log = var_dir / f"server-{time.time_ns()}.log"
    env = server_env(
        var_dir,
        {
            "RAY_SERVE_HAPROXY_STATS_PORT": str(proxy_ports[0]),
            "RAY_SERVE_HAPROXY_METRICS_PORT": str(proxy_ports[1]),
        },
    )
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "filmstudio.server", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(proc, port, var_dir, log)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{server.tail()}")
        try:
            ready = READY in log.read_text(errors="replace")
            if ready and httpx.get(server.url + HEALTH, timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(1)
    stop(server, signal.SIGTERM)
    raise AssertionError(f"no 200 from {HEALTH} in {timeout_s:.0f} s:\n{server.tail()}")


def stop(server: Server, sig: signal.Signals, group: bool = True, timeout_s: float = 90.0) -> int:
    """Send `sig` to the server's process group (or the server alone) and wait for it to exit."""
    if group:
        os.killpg(server.proc.pid, sig)
    else:
        server.proc.send_signal(sig)
    return server.proc.wait(timeout=timeout_s)


def wildcard_listeners(procs: list[psutil.Process], known: tuple[str, ...] = ()) -> list[str]:
    """Listening sockets on every interface (0.0.0.0, ::) held by `procs`, but for processes
    whose name starts with one of `known`."""
    found = []
    for proc in procs:
        try:
            if proc.name().startswith(known or ("\0",)):
                continue
            for conn in proc.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN and conn.laddr.ip in ("0.0.0.0", "::"):
                    found.append(
                        f"{proc.name()} (pid {proc.pid}) on {conn.laddr.ip}:{conn.laddr.port}"
                    )
        except psutil.Error:
            pass
    return found


def open_unix_sockets(procs: list[psutil.Process]) -> list[str]:
    """Paths of the Unix sockets `procs` listen on that another local user could connect to:
    writable by others and reachable through directories others may search."""
    paths = set()
    for proc in procs:
        try:
            paths.update(c.laddr for c in proc.net_connections(kind="unix") if c.laddr)
        except psutil.Error:
            pass
    return sorted(p for p in paths if p.startswith("/") and _reachable_by_others(Path(p)))


def _reachable_by_others(path: Path) -> bool:
    try:
        if not path.stat().st_mode & stat.S_IWOTH:
            return False
    except OSError:
        return False
    return all(d.stat().st_mode & stat.S_IXOTH for d in path.parents)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_gone(procs: list[psutil.Process], timeout_s: float = 30.0) -> list[str]:
    """The processes of `procs` still running after `timeout_s`."""
    _, alive = psutil.wait_procs(procs, timeout=timeout_s)
    return [f"{p.pid} {p.name()}" for p in alive if p.is_running() and p.status() != "zombie"]
