"""AnimateDiff as a Serve deployment: one clip per request, drawn from a shot's prompt."""

from __future__ import annotations

import numpy as np
from ray import serve

from pipelines.engines.ip_adapter import from_png
from pipelines.engines.loader import DEPLOYMENT_NAMES
from serve_apps.deployments import EngineReplica


# min_replicas 0: SVD is the default motion, so AnimateDiff's card share is booked only once a
# film asks for it (its first clip waits for the replica to load).
@serve.deployment(
    name=DEPLOYMENT_NAMES["animatediff"],
    ray_actor_options={"num_gpus": 0.33, "num_cpus": 1},
    autoscaling_config={"min_replicas": 0, "max_replicas": 4, "target_ongoing_requests": 1},
    max_ongoing_requests=2,
    health_check_period_s=10,
    health_check_timeout_s=60,
)
class AnimateDiffDeployment(EngineReplica):
    engine_name = "animatediff"

    def has_ip_adapter(self) -> bool:
        """Whether a request's `reference` can be taken (the model directory's IP-Adapter)."""
        return self.engine.has_ip_adapter()

    async def clip(
        self,
        prompt: str,
        num_frames: int,
        size: tuple[int, int],
        seed: int,
        reference: bytes | None = None,
    ) -> list[np.ndarray]:
        """`num_frames` H×W×3 uint8 frames of `size` drawn from `prompt`, taking the look of
        `reference` (a character's picture as PNG bytes) through the IP-Adapter."""
        return await self.run(
            self.engine, prompt, num_frames, size, seed, reference=from_png(reference)
        )
