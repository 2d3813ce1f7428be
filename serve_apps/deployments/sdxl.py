"""SDXL as a Serve deployment: one request per picture, batched into one pipeline call."""

from __future__ import annotations

from PIL import Image
from ray import serve

from pipelines.engines.ip_adapter import from_png
from pipelines.engines.loader import DEPLOYMENT_NAMES
from serve_apps.deployments import EngineReplica, grouped


@serve.deployment(
    name=DEPLOYMENT_NAMES["sdxl"],
    ray_actor_options={"num_gpus": 0.36, "num_cpus": 1},
    autoscaling_config={"min_replicas": 1, "max_replicas": 4, "target_ongoing_requests": 2},
    max_ongoing_requests=4,
    health_check_period_s=10,
)
class SDXLDeployment(EngineReplica):
    engine_name = "sdxl"

    def has_ip_adapter(self) -> bool:
        """Whether a request's `reference` can be taken (the model directory's IP-Adapter)."""
        return self.engine.has_ip_adapter()

    @serve.batch(max_batch_size=4, batch_wait_timeout_s=0.1)
    async def generate(
        self,
        prompts: list[str],
        sizes: list[tuple[int, int]],
        seeds: list[int],
        references: list[bytes | None] | None = None,
    ) -> list[Image.Image]:
        """One picture per request, taking the look of its `reference` (a character's picture
        as PNG bytes, or None); requests of one size and reference share a pipeline call."""
        pictures: list[Image.Image] = [None] * len(prompts)
        references = references or [None] * len(prompts)
        for (size, reference), index in grouped(sizes, references).items():
            images = await self.run(
                self.engine,
                [prompts[i] for i in index],
                size,
                [seeds[i] for i in index],
                reference=from_png(reference),
            )
            for i, image in zip(index, images):
                pictures[i] = image
        return pictures
