"""Lip-sync (MuseTalk's architecture) as a Serve deployment: one line's talking face per request."""

from __future__ import annotations

import numpy as np
from PIL import Image
from ray import serve

from pipelines.engines.loader import DEPLOYMENT_NAMES
from serve_apps.deployments import EngineReplica


@serve.deployment(
    name=DEPLOYMENT_NAMES["lipsync"],
    ray_actor_options={"num_gpus": 0.13, "num_cpus": 0.5},
    # T4-sized like the others: no room beside them on one T4, so it starts on demand (t4.yaml)
    autoscaling_config={"min_replicas": 0, "max_replicas": 2, "target_ongoing_requests": 2},
    max_ongoing_requests=4,
    health_check_period_s=10,
    health_check_timeout_s=60,
)
class LipSyncDeployment(EngineReplica):
    engine_name = "lipsync"

    async def animate(
        self, face: Image.Image, audio: np.ndarray, sample_rate: int, fps: int
    ) -> list[np.ndarray]:
        """`face` talking: one frame of its size per film frame of `audio`."""
        return await self.run(self.engine, face, audio, sample_rate, fps)
