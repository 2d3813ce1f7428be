"""`make serve` stops cleanly whichever way it is stopped, starts again, and opens nothing beyond
the address it serves (benchmarks/restart_check.py runs the cycle ten times)."""

from __future__ import annotations

import signal

import httpx
import pytest

from filmstudio.haproxy_shim import tighten
from tests.utils.server import (
    HEALTH,
    KNOWN_WILDCARD,
    free_port,
    open_unix_sockets,
    port_free,
    start_server,
    stop,
    wait_gone,
    wildcard_listeners,
)

SERVE_CONFIG = """global
    stats socket /tmp/x/admin.sock mode 666 level admin expose-fd listeners
defaults
    mode http
frontend prometheus
    bind :9101
frontend http_frontend
    bind *:8000
listen stats
  bind *:8404
  stats enable
"""


def test_proxy_config_keeps_private_listeners_on_loopback():
    out = tighten(SERVE_CONFIG)
    assert "stats socket /tmp/x/admin.sock mode 600 level admin" in out
    assert "    bind 127.0.0.1:9101\n" in out and "  bind 127.0.0.1:8404\n" in out
    assert "    bind *:8000\n" in out  # the public front-end binds what the user asked for


def test_proxy_config_left_open_is_refused():
    with pytest.raises(ValueError, match="'frontend prometheus' binds beyond loopback"):
        tighten(SERVE_CONFIG.replace("bind :9101", "bind :9101,192.0.2.1:9102"))
    assert "bind 127.0.0.1:9101,127.0.0.1:9102" in tighten(
        SERVE_CONFIG.replace("bind :9101", "bind :9101,[::]:9102")
    )


def _assert_closed(server) -> None:
    procs = server.processes()
    assert wildcard_listeners(procs, KNOWN_WILDCARD) == []
    assert open_unix_sockets(procs) == []


def test_server_restarts_after_sigterm_to_its_group_and_after_sigkill(tmp_path):
    port, proxy_ports = free_port(), (free_port(), free_port())
    first = start_server(tmp_path, port, proxy_ports)
    _assert_closed(first)
    procs = first.processes()
    stop(first, signal.SIGTERM)  # what systemd, Docker and Kubernetes send
    assert wait_gone(procs[1:]) == []
    assert all(port_free(p) for p in (port, *proxy_ports))

    second = start_server(tmp_path, port, proxy_ports)
    assert httpx.get(second.url + HEALTH, timeout=10).status_code == 200
    stop(second, signal.SIGKILL, group=False)  # no clean-up at all in the server

    third = start_server(tmp_path, port, proxy_ports)
    assert httpx.get(third.url + HEALTH, timeout=10).status_code == 200
    _assert_closed(third)
    procs = third.processes()
    stop(third, signal.SIGINT, group=False)  # Ctrl-C
    assert wait_gone(procs[1:]) == []
    assert all(port_free(p) for p in (port, *proxy_ports))
