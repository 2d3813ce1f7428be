"""Stable Video Diffusion as a Serve deployment: one clip per request."""

from __future__ import annotations

import numpy as np
from PIL import Image
from ray import serve

from pipelines.engines.loader import DEPLOYMENT_NAMES
from serve_apps.deployments import EngineReplica


@serve.deployment(
    name=DEPLOYMENT_NAMES["svd"],
    ray_actor_options={"num_gpus": 0.33, "num_cpus": 1},
    autoscaling_config={"min_replicas": 1, "max_replicas": 4, "target_ongoing_requests": 1},
    max_ongoing_requests=2,
    health_check_period_s=10,
    health_check_timeout_s=60,
)
class SVDDeployment(EngineReplica):
    engine_name = "svd"

    async def clip(
        self, image: Image.Image, num_frames: int, size: tuple[int, int], seed: int
    ) -> list[np.ndarray]:
        """`num_frames` H×W×3 uint8 frames of `size` animating `image`."""
        return await self.run(self.engine, image, num_frames, size, seed)
