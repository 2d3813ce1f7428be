"""Starting and stopping Ray for one process (the CLI, the server, benchmarks).

A bare local `ray.init()` picks free ports; `RAY_ADDRESS` joins an existing cluster instead.
Whoever starts Ray here also stops it, so no Ray process outlives the command — also on
Ctrl-C or SIGTERM (see `ray_session`).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from infra.settings import get_settings


def start(num_cpus: int | None = None, num_gpus: int | None = None) -> bool:
    """Initialise Ray unless it already is; True when this call started it."""
    import ray

    if ray.is_initialized():
        return False
    address = os.environ.get("RAY_ADDRESS") or "local"
    local = address == "local"
    if local:  # a session of this process alone, token-protected: no need to tell the user so
        logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(
            logging.ERROR
        )
    ray.init(
        address=address,
        num_cpus=num_cpus if local else None,
        num_gpus=num_gpus if local else None,
        object_store_memory=get_settings().object_store_memory if local else None,
        include_dashboard=False if local else None,
        logging_level=logging.WARNING,
        log_to_driver=True,
        configure_logging=True,
    )
    _reclaim_signals()
    return True


def _reclaim_signals() -> None:
    """Give SIGINT and SIGTERM back to the Python handlers (ray_session's): ray.init installs
    Ray's own SIGTERM handler, which prints a stack and exits without running any cleanup."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if callable(handler):
            signal.signal(sig, handler)


@contextmanager
def ray_session() -> Iterator[threading.Event]:
    """Stop, at the end of the block, any Ray that was started inside it (the render starts Ray
    only when it reaches the frames, so refused input never pays for it).

    Ctrl-C and SIGTERM raise KeyboardInterrupt, and also set the event the block is given: a
    caller that checks it between steps (the CLI's progress callback) stops even when the
    KeyboardInterrupt itself was lost in a library's code (a Ctrl-C during a render once ended
    in a finished film, two runs in twenty here)."""
    import ray

    stop = threading.Event()

    def _interrupt(signum, frame):  # noqa: ARG001
        stop.set()
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    already = ray.is_initialized()
    try:
        yield stop
    finally:
        if not already and ray.is_initialized():
            ray.shutdown()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
