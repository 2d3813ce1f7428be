"""Fixtures for the studio tier: the tiny model directory and a Ray session with one logical GPU."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Every engine's tiny random-weight model, saved the way the production loader reads it."""
    from pipelines.engines.random_weights import build_tiny_models

    return build_tiny_models(tmp_path_factory.mktemp("models"), languages=("en",))


@pytest.fixture(scope="session")
def studio_ray(request):
    """The run's one Ray session, with a logical GPU so fractional placement can be tested here.

    The suite's own `ray_session` fixture starts it where there is one (tests/conftest.py);
    otherwise it starts here. A session someone started without GPUs cannot gain one, so tests
    that need it are skipped then."""
    import ray

    try:
        request.getfixturevalue("ray_session")
    except pytest.FixtureLookupError:
        if not ray.is_initialized():
            ray.init(
                address="local",
                num_cpus=2,
                num_gpus=1,
                object_store_memory=300 * 2**20,
                include_dashboard=False,
                log_to_driver=False,
            )
    if ray.cluster_resources().get("GPU", 0) < 1:
        pytest.skip("the Ray session of this run was started without a (logical) GPU")
    return ray


@pytest.fixture(scope="module")
def serve_session(studio_ray):
    """Serve for one test module, on a free HTTP port. Each module deletes its own apps (their
    replicas hold GPU shares); Serve itself is shut down only if this fixture started it, so a
    Serve app of another test folder keeps running."""
    from ray import serve

    started_here = not _serve_running()
    serve.start(http_options={"host": "127.0.0.1", "port": _free_port()})
    yield serve
    if started_here:
        serve.shutdown()


def _serve_running() -> bool:
    import ray

    try:
        ray.get_actor("SERVE_CONTROLLER_ACTOR", namespace="serve")
        return True
    except ValueError:
        return False


@pytest.fixture(scope="module")
def serve_url(serve_session) -> str:
    from ray.serve.context import _get_global_client

    http = _get_global_client().http_config
    return f"http://127.0.0.1:{http.port}"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_same_picture(a, b) -> None:
    """The same picture, give or take one level in a few pixels: torch sums in a different
    order with another batch size or thread count, and on some CPUs that rounds differently
    (seen on AMD EPYC and Intel Xeon: a few pixels in thousands, one level apart)."""
    import numpy as np

    diff = np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16))
    assert diff.max() <= 1, f"{(diff > 1).sum()} pixels differ by more than one level"
