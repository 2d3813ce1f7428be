"""Neural TTS as a Serve deployment: one request per line, lines batched per language and voice."""

from __future__ import annotations

import numpy as np
from ray import serve

from serve_apps.deployments import EngineReplica, grouped


@serve.deployment(
    name="TTS",
    ray_actor_options={"num_gpus": 0.02, "num_cpus": 0.5},
    autoscaling_config={"min_replicas": 1, "max_replicas": 4, "target_ongoing_requests": 8},
    max_ongoing_requests=32,
    health_check_period_s=10,
)
class TTSDeployment(EngineReplica):
    engine_name = "tts"

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.05)
    async def speak(self, texts: list[str], languages: list[str], speakers: list[int]) -> list[np.ndarray | None]:
        """48 kHz float32 speech per line; None for a language without a model (espeak speaks it)."""
        speech: list[np.ndarray | None] = [None] * len(texts)
        for (language, speaker), index in grouped(languages, speakers).items():
            spoken = await self.run(self.engine, [texts[i] for i in index], language, speaker)
            for i, audio in zip(index, spoken or []):
                speech[i] = audio
        return speech

    def languages(self) -> list[str]:
        return self.engine.languages
