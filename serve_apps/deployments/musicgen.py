"""MusicGen as a Serve deployment: one piece of music per request."""

from __future__ import annotations

import numpy as np
from ray import serve

from pipelines.engines.loader import DEPLOYMENT_NAMES
from serve_apps.deployments import EngineReplica


@serve.deployment(
    name=DEPLOYMENT_NAMES["musicgen"],
    ray_actor_options={"num_gpus": 0.09, "num_cpus": 0.5},
    autoscaling_config={"min_replicas": 1, "max_replicas": 2, "target_ongoing_requests": 1},
    max_ongoing_requests=2,
    health_check_period_s=10,
)
class MusicGenDeployment(EngineReplica):
    engine_name = "musicgen"

    async def generate(self, prompt: str, duration_s: float, seed: int = 0) -> np.ndarray:
        """`duration_s` seconds of music, float32 (n, 2) at 48 kHz."""
        return await self.run(self.engine, prompt, duration_s, seed)
