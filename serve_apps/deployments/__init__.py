"""One Ray Serve deployment per studio engine: thin shells over `pipelines/engines`.

Every replica loads its engine once, on the device Ray gave it, capped to its share of that
GPU's memory (a fractional `num_gpus` only books capacity: see `pipelines/engines/loader.py`).
Engine calls run one at a time in a worker thread, so the replica's event loop stays free to
queue and batch requests and to answer health checks during a long generation.

The decorator defaults are sized for a T4 (the smallest GPU we run on); `serve_apps/t4.yaml`
and `serve_apps/h100.yaml` restate or override them per deployment.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

import ray

from pipelines.engines import engine_class
from pipelines.engines.loader import engine_dir


def gpu_share() -> float | None:
    """This replica's `num_gpus` (0.25 on a quarter GPU); None without a GPU."""
    return ray.get_runtime_context().get_assigned_resources().get("GPU") or None


class EngineReplica:
    """What every engine deployment shares: load at start, run off the loop, report health."""

    engine_name: str  # one of pipelines.engines.ENGINES

    def __init__(self, models_dir: str):
        self.engine = engine_class(self.engine_name).load(
            engine_dir(Path(models_dir), self.engine_name), memory_share=gpu_share()
        )
        self._busy = asyncio.Lock()

    async def run(self, fn, *args, **kwargs):
        """`fn(*args, **kwargs)` in a worker thread, one engine call at a time."""
        async with self._busy:
            return await asyncio.to_thread(fn, *args, **kwargs)

    def check_health(self) -> None:
        """Serve calls this every `health_check_period_s`; raising gets the replica replaced."""
        self.engine.check_health()


def grouped(*keys: list) -> dict[tuple, list[int]]:
    """Indices of a batch grouped by equal keys: the requests one model call can serve together."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, key in enumerate(zip(*keys)):
        groups[key].append(i)
    return groups


def deployments() -> dict:
    """Engine name → its Serve deployment (imported here so `serve_apps.deployments` stays light)."""
    from serve_apps.deployments.animatediff import AnimateDiffDeployment
    from serve_apps.deployments.lipsync import LipSyncDeployment
    from serve_apps.deployments.llm import LLMDeployment
    from serve_apps.deployments.musicgen import MusicGenDeployment
    from serve_apps.deployments.sdxl import SDXLDeployment
    from serve_apps.deployments.svd import SVDDeployment
    from serve_apps.deployments.tts import TTSDeployment

    return {
        "llm": LLMDeployment,
        "sdxl": SDXLDeployment,
        "svd": SVDDeployment,
        "tts": TTSDeployment,
        "musicgen": MusicGenDeployment,
        "lipsync": LipSyncDeployment,
        "animatediff": AnimateDiffDeployment,
    }
