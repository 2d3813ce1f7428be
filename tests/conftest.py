"""Fixtures shared by the whole suite: one Ray session per test run, short films allowed."""

from __future__ import annotations

import os

# Films of a few seconds keep the suite fast; the product range stays 60–300 s.
os.environ.setdefault("FILMSTUDIO_MIN_DURATION", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Ray reads this when first imported: one auth mode for every Ray in the run (see DESIGN.md).
os.environ.setdefault("RAY_AUTH_MODE", "token")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray for the run: 4 logical CPUs and 1 logical GPU on this 2-core box, so Serve
    apps and fractional-GPU placement can be tested without hardware."""
    import ray

    if not ray.is_initialized():
        ray.init(
            address="local",
            num_cpus=4,
            num_gpus=1,
            object_store_memory=400 * 1024 * 1024,
            include_dashboard=False,
            log_to_driver=False,
        )
    yield ray
    ray.shutdown()


# The platform's and the studio tier's fixtures, shared by the test folders that mirror them.
pytest_plugins = ["tests.utils.platform", "tests.utils.studio"]
