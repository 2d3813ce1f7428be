"""Fractional GPUs, autoscaling and health checks of an engine deployment, on one logical GPU.

The deployment under test is the real TTS deployment (its engine loads the tiny model) with
three test-only methods added by subclassing: a request that holds a replica busy, a switch
that makes the replica fail its health checks, and the replica's id.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from ray import serve

from serve_apps.deployments.tts import TTSDeployment

APP = "scaling"


class ProbedTTS(TTSDeployment.func_or_class):
    """TTSDeployment plus test hooks."""

    async def hold(self, seconds: float) -> str:
        await asyncio.sleep(seconds)
        return self.replica()

    def replica(self) -> str:
        return serve.get_replica_context().replica_id.unique_id

    def fail_health_checks(self) -> str:
        self.failing = True
        return self.replica()

    def check_health(self) -> None:
        if getattr(self, "failing", False):
            raise RuntimeError("told to fail")
        super().check_health()


# Quarter-GPU replicas; metrics every 0.2 s and short delays so scaling happens within seconds.
QUARTER_GPU_TTS = serve.deployment(
    ProbedTTS,
    name="TTS",
    ray_actor_options={"num_gpus": 0.25, "num_cpus": 0},
    max_ongoing_requests=2,
    autoscaling_config={
        "min_replicas": 2,
        "max_replicas": 5,
        "target_ongoing_requests": 1,
        "metrics_interval_s": 0.2,
        "look_back_period_s": 1.0,
        "upscale_delay_s": 0.2,
        "downscale_delay_s": 2.0,
    },
    health_check_period_s=0.5,
    health_check_timeout_s=5,
    graceful_shutdown_timeout_s=5,
)


@pytest.fixture(scope="module")
def tts(serve_session, studio_ray, tiny_models):
    if studio_ray.available_resources().get("GPU", 0) != 1:
        pytest.skip("needs exactly one free (logical) GPU to count quarter-GPU replicas")
    yield serve_session.run(QUARTER_GPU_TTS.bind(str(tiny_models)), name=APP, route_prefix=None)
    serve_session.delete(APP)


def replicas(serve_session) -> dict[str, int]:
    return dict(serve_session.status().applications[APP].deployments["TTS"].replica_states)


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def test_a_replica_failing_its_health_check_is_replaced_while_requests_continue(tts, serve_session):
    assert replicas(serve_session) == {"RUNNING": 2}
    sick = tts.fail_health_checks.remote().result()
    seen, spoken = set(), 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        [audio] = tts.speak.remote(["Still here."], "en", 0).result(
            timeout_s=30
        )  # never fails meanwhile
        assert audio.dtype == np.float32 and len(audio)
        spoken += 1
        seen |= {tts.replica.remote().result(timeout_s=30) for _ in range(4)}
        healthy = replicas(serve_session) == {"RUNNING": 2}
        if (
            healthy
            and len(seen - {sick}) >= 2
            and sick not in {tts.replica.remote().result() for _ in range(8)}
        ):
            break
    else:
        raise AssertionError(f"the sick replica was not replaced; states {replicas(serve_session)}")
    assert spoken > 0


def test_four_quarter_gpu_replicas_fit_under_load_and_a_fifth_waits(tts, serve_session, studio_ray):
    busy = [tts.hold.remote(6.0) for _ in range(16)]  # 16 ongoing / target 1 → wants the max, 5
    states = wait_for(
        lambda: (s := replicas(serve_session)).get("RUNNING") == 4 and s.get("STARTING") == 1 and s,
        timeout=60,
        what="4 running replicas and 1 starting",
    )
    assert states == {"RUNNING": 4, "STARTING": 1}
    assert studio_ray.available_resources().get("GPU", 0) == 0  # 4 × 0.25: the whole GPU is booked
    time.sleep(2)
    assert replicas(serve_session)["STARTING"] == 1  # still waiting: no GPU left for it
    served_by = {response.result(timeout_s=120) for response in busy}
    assert len(served_by) >= 3  # the load spread over the new replicas


def test_idle_replicas_are_removed(tts, serve_session):
    wait_for(
        lambda: replicas(serve_session) == {"RUNNING": 2},
        timeout=60,
        what="scaling back to 2 replicas",
    )
