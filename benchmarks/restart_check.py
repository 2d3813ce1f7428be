"""`make serve` stopped and started again, N times (default 10): each cycle starts the server as
`make serve` does, checks that nothing of it listens on every interface and that no Unix socket
of it is open to other users, stops it with SIGTERM to its process group, and checks that it left
no process and freed its ports. Every third stop is a SIGKILL of the server alone instead (what
the next start, or the server's watcher, must clean up). One line per cycle; the last says how
many restarts came up.

    .venv/bin/python benchmarks/restart_check.py [--cycles 10]
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.utils.server import (  # noqa: E402
    KNOWN_WILDCARD,
    free_port,
    open_unix_sockets,
    port_free,
    start_server,
    stop,
    wait_gone,
    wildcard_listeners,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=10)
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="restart-check-"))
    port, proxy_ports = free_port(), (free_port(), free_port())
    ok = 0
    for cycle in range(1, args.cycles + 1):
        how = "SIGKILL of the server" if cycle % 3 == 0 else "SIGTERM to the group"
        t0 = time.monotonic()
        try:
            server = start_server(var_dir, port, proxy_ports)
        except AssertionError as exc:
            print(f"cycle {cycle}: start FAILED: {exc}", flush=True)
            continue
        started = time.monotonic() - t0
        procs = server.processes()
        problems = wildcard_listeners(procs, KNOWN_WILDCARD) + open_unix_sockets(procs)
        t1 = time.monotonic()
        if cycle % 3 == 0:
            stop(server, signal.SIGKILL, group=False)
        else:
            stop(server, signal.SIGTERM)
        left = wait_gone(procs[1:], timeout_s=60)
        freed = all(port_free(p) for p in (port, *proxy_ports))
        stopped = time.monotonic() - t1
        good = not problems and not left and freed
        ok += good
        print(
            f"cycle {cycle}: up in {started:.0f} s, {how}, down in {stopped:.0f} s, "
            f"open listeners {problems or 'none'}, left {left or 'none'}, ports freed {freed}",
            flush=True,
        )
    print(f"{ok}/{args.cycles} restarts came up with 200 from /health, closed and clean")
    return 0 if ok == args.cycles else 1


if __name__ == "__main__":
    sys.exit(main())
