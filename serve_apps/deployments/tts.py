"""Neural TTS as a Serve deployment: a request carries lines of one voice (the film pipeline
sends LINE_BATCH = 16 at a time); the lines of requests batched together in one voice share
model calls of up to LINE_BATCH lines."""

from __future__ import annotations

import numpy as np
from ray import serve

from pipelines.engines import LINE_BATCH, batches
from pipelines.engines.loader import DEPLOYMENT_NAMES
from serve_apps.deployments import EngineReplica, grouped


@serve.deployment(
    name=DEPLOYMENT_NAMES["tts"],
    ray_actor_options={"num_gpus": 0.02, "num_cpus": 0.5},
    autoscaling_config={"min_replicas": 1, "max_replicas": 4, "target_ongoing_requests": 4},
    # A request carries up to LINE_BATCH lines of one voice: Serve's cost is per request. The
    # limit is high so a backlog waits in the replica's batch queue, not at the caller's router.
    max_ongoing_requests=64,
    health_check_period_s=10,
)
class TTSDeployment(EngineReplica):
    engine_name = "tts"

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.05)
    async def speak(
        self, requests: list[list[str]], languages: list[str], speakers: list[int]
    ) -> list[list[np.ndarray] | None]:
        """48 kHz float32 speech for each line of each request (one voice per request); None for
        a language without a model (espeak speaks it)."""
        speech: list[list[np.ndarray] | None] = [None] * len(requests)
        for (language, speaker), index in grouped(languages, speakers).items():
            spoken: list[np.ndarray] = []
            for call in batches([text for i in index for text in requests[i]], LINE_BATCH):
                audio = await self.run(self.engine, call, language, speaker)
                if audio is None:  # no model for this language
                    break
                spoken += audio
            else:
                lines = iter(spoken)
                for i in index:
                    speech[i] = [next(lines) for _ in requests[i]]
        return speech

    def languages(self) -> list[str]:
        return self.engine.languages
