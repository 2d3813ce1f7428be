"""The studio LLM as a Serve deployment: concurrent films' plans share one generate call, and so
do concurrent requests for free text (subtitle translation)."""

from __future__ import annotations

from ray import serve

from pipelines.engines.loader import DEPLOYMENT_NAMES
from pipelines.plan import Plan
from serve_apps.deployments import EngineReplica


@serve.deployment(
    name=DEPLOYMENT_NAMES["llm"],
    ray_actor_options={"num_gpus": 0.08, "num_cpus": 0.5},
    autoscaling_config={"min_replicas": 1, "max_replicas": 2, "target_ongoing_requests": 4},
    max_ongoing_requests=8,
    health_check_period_s=10,
)
class LLMDeployment(EngineReplica):
    engine_name = "llm"

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.1)
    async def plan(self, scripts: list[str], fallbacks: list[Plan]) -> list[Plan]:
        """Each film's plan with the LLM's prompts and camera notes (see LLMEngine.plan)."""
        return await self.run(self.engine.plan_many, scripts, fallbacks)

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.1)
    async def write(self, requests: list[list[str]], limits: list[int]) -> list[list[str]]:
        """Free-text answers, one list per request (see LLMEngine.write): every request's
        prompts in one generate call, up to the longest limit asked."""
        prompts = [prompt for request in requests for prompt in request]
        answers = await self.run(self.engine.write, prompts, max(limits))
        out, start = [], 0
        for request in requests:
            out.append(answers[start : start + len(request)])
            start += len(request)
        return out
