"""The Serve deployment in front of everything: the studio's FastAPI app, one per replica.

The app is built inside the replica (`__serve_build_asgi_app__`), from the settings this
deployment was bound with, so one class serves every profile. `engines` are the handles of
the model deployments (LLM, SDXL, SVD, TTS, MusicGen) the studio tier binds in; the draft tier
needs none. A replica reserves no CPU: the renders, not the API, need the cores.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from ray import serve
from ray.serve.handle import DeploymentHandle

from infra.settings import Settings
from serve_apps.api.main import create_app


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=256)
@serve.ingress()
class Ingress:
    def __init__(
        self,
        engines: dict[str, DeploymentHandle] | None = None,
        settings: dict[str, Any] | None = None,
    ):
        self.engines = engines or {}
        self.settings = Settings(**(settings or {}))

    def __serve_build_asgi_app__(self) -> FastAPI:
        return create_app(self.settings, self.engines)
