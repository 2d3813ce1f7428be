"""The HAProxy that Ray Serve starts for `make serve`, with its side doors closed.

Ray Serve 2.60 writes an HAProxy config whose admin socket has mode 666 and whose Prometheus
exporter and stats page bind every interface, with no option to change either. The server points
RAY_SERVE_HAPROXY_BINARY_PATH (Serve's supported override) at a script that runs `main()`: it
rewrites the config Serve just wrote, then execs the real HAProxy with Serve's own arguments, so
the process keeps its pid and the command line Serve checks (`-f CONFIG`).

Contract of the rewrite: every `bind` outside the public front-ends (`http_frontend`,
`grpc_frontend`, which bind the host the user asked for) listens on loopback only, and the admin
socket is mode 600. A config where either still fails is refused (exit 2) rather than started.
"""

from __future__ import annotations

import fcntl
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

REAL_BINARY_ENV = "FILMSTUDIO_HAPROXY_BINARY"
LOOPBACK = "127.0.0.1"
PUBLIC_SECTIONS = {"frontend http_frontend", "frontend grpc_frontend"}

# `:9101`, `*:8404`, `0.0.0.0:1`, `[::]:1`, `:::1`: every interface.
_WILDCARD = re.compile(r"^(?:\*|0\.0\.0\.0|\[::\]|::)?:(\d+)$")
_LOOPBACK = re.compile(r"^(?:127\.\d+\.\d+\.\d+|\[::1\]|localhost):\d+$|^/")
_BIND = re.compile(r"^(\s*bind\s+)(\S+)(.*)$", re.S)
_SOCKET_MODE = re.compile(r"\bmode\s+(\d+)")


def tighten(config: str) -> str:
    """The config with private listeners on loopback and the admin socket mode 600; raises
    ValueError naming the line when that cannot be guaranteed."""
    out: list[str] = []
    problems: list[str] = []
    section = ""
    for line in config.splitlines(keepends=True):
        if line[:1].strip():  # a section header starts in column 0
            section = " ".join(line.split())
        bind = _BIND.match(line)
        if bind and section not in PUBLIC_SECTIONS:
            addresses = [_WILDCARD.sub(rf"{LOOPBACK}:\1", a) for a in bind[2].split(",")]
            line = bind[1] + ",".join(addresses) + bind[3]
            if not all(_LOOPBACK.match(a) for a in addresses):
                problems.append(f"{section!r} binds beyond loopback: {line.strip()!r}")
        if line.split()[:2] == ["stats", "socket"]:
            line = _SOCKET_MODE.sub("mode 600", line)
            modes = _SOCKET_MODE.findall(line)
            if not modes or any(int(m, 8) & 0o077 for m in modes):
                problems.append(f"admin socket not private: {line.strip()!r}")
        out.append(line)
    if problems:
        raise ValueError("HAProxy config left open: " + "; ".join(problems))
    return "".join(out)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    real = os.environ.get(REAL_BINARY_ENV)
    if not real or "-f" not in args or args.index("-f") + 1 >= len(args):
        _refuse(f"needs {REAL_BINARY_ENV} and `-f CONFIG` (got {args})")
    config = Path(args[args.index("-f") + 1])
    # Serve writes the config under this lock; hold it so no reload rewrites it under us.
    with open(f"{config}.lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            text = tighten(config.read_text())
        except ValueError as exc:
            _refuse(str(exc))
        tmp = config.with_name(config.name + ".tightened")
        tmp.write_text(text)
        os.replace(tmp, config)
    os.execv(real, [real, *args])


def _refuse(message: str) -> NoReturn:
    print(f"haproxy shim: {message}", file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
