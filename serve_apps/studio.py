"""The studio app: one deployment per model engine, reached through deployment handles.

    serve run serve_apps/t4.yaml                                   # a profile
    serve run serve_apps.studio:build_studio_app models_dir=/models # defaults (T4-sized)

`bind_engines` binds a deployment for each engine the model directory can serve; the platform's
ingress gets them as `engines: dict[str, DeploymentHandle]`, and its jobs reach them through
`StudioEngines.from_handles`. `build_gateway_app` puts `StudioGateway` in front of the engines
instead: the engines over plain HTTP, for trying a model directory out.

(No `from __future__ import annotations` here: FastAPI reads the endpoint annotations at runtime.)
"""

import base64
import io
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from pydantic import BaseModel, Field
from ray import serve
from ray.serve import Application
from ray.serve.handle import DeploymentHandle

from pipelines.engines import ENGINES, StudioEngines, check_models_dir
from pipelines.wav import wav_bytes
from serve_apps.deployments import deployments


class StudioArgs(BaseModel):
    """The app's arguments (`args:` in a Serve config file, or a dict from Python)."""

    models_dir: Path
    # Which engines to deploy. Default: every one the directory can serve, as seen from where
    # the app is built; name them where that machine (a cluster's head) has no models.
    engines: list[str] | None = None
    # Python callers' per-engine `Deployment.options(...)` (tests, benchmarks); config files
    # override deployments in their own `deployments:` section instead.
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    gateway_options: dict[str, Any] = Field(default_factory=dict)
    # The platform ingress's settings overrides (database_url, redis_url, …; the environment
    # is read as well).
    settings: dict[str, Any] = Field(default_factory=dict)


def bind_engines(args: StudioArgs) -> dict[str, Application]:
    """A bound deployment per engine, keyed by engine name (see `StudioArgs.engines`)."""
    wanted = args.engines
    if wanted is None:
        wanted = [status.engine for status in check_models_dir(args.models_dir) if status.ready]
    unknown = set(wanted) - set(ENGINES)
    if unknown:
        raise ValueError(f"unknown engines {sorted(unknown)}; engines are {', '.join(ENGINES)}")
    return {
        name: deployment.options(**args.options.get(name, {})).bind(str(args.models_dir))
        for name, deployment in deployments().items()
        if name in wanted
    }


def build_studio_app(args: dict) -> Application:
    """The studio profile (t4.yaml, h100.yaml): the platform's ingress — API and durable jobs —
    with every engine deployment bound into it; jobs with tier=studio render through them."""
    from serve_apps.app import bind_ingress

    args = StudioArgs.model_validate(args)
    return bind_ingress(args.settings, engines=bind_engines(args))


def build_gateway_app(args: dict) -> Application:
    """The engines alone behind a small HTTP gateway, for trying a model directory out:
    `serve run serve_apps.studio:build_gateway_app models_dir=MODELS`."""
    args = StudioArgs.model_validate(args)
    return StudioGateway.options(**args.gateway_options).bind(engines=bind_engines(args))


# -- a minimal HTTP ingress over the engines ------------------------------------------------

api = FastAPI(title="AI Film Studio engines")


class SpeakBody(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    language: str = "en"
    speaker: int = Field(default=0, ge=0)


class PicturesBody(BaseModel):
    prompts: list[str] = Field(min_length=1, max_length=16)
    width: int = Field(default=1280, ge=64, le=2048)
    height: int = Field(default=720, ge=64, le=2048)
    seed: int = 0


class MusicBody(BaseModel):
    prompt: str = Field(min_length=1, max_length=500)
    duration_s: float = Field(default=10.0, gt=0, le=300)


class PlanBody(BaseModel):
    script: str = Field(min_length=1, max_length=200_000)


# (Helpers come before the ingress class: `serve.ingress` pickles the FastAPI app as it decorates.)
def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@serve.deployment(ray_actor_options={"num_cpus": 0.1})
@serve.ingress(api)
class StudioGateway:
    """The engines over HTTP: GET /engines, POST /speak, /pictures, /music, /plan."""

    def __init__(self, engines: dict[str, DeploymentHandle]):
        self.engines = StudioEngines.from_handles(engines)

    @api.get("/engines")
    def available(self) -> dict[str, bool]:
        return self.engines.available()

    @api.post("/speak")
    def speak(self, body: SpeakBody) -> Response:
        audio = self.engines.speak(body.text, body.language, body.speaker)
        if audio is None:
            return Response(f"no TTS model for language {body.language!r}\n", status_code=404)
        return Response(wav_bytes(audio), media_type="audio/wav")

    @api.post("/pictures")
    def pictures(self, body: PicturesBody) -> dict[str, list[str]]:
        images = self.engines.pictures(body.prompts, (body.width, body.height), body.seed)
        return {"images": [base64.b64encode(_png(image)).decode() for image in images]}

    @api.post("/music")
    def music(self, body: MusicBody) -> Response:
        audio = self.engines.music(body.prompt, body.duration_s)
        if audio is None:
            return Response("no MusicGen model\n", status_code=404)
        return Response(wav_bytes(audio), media_type="audio/wav")

    @api.post("/plan")
    def plan(self, body: PlanBody) -> dict:
        from pipelines.script import analyze

        plan = self.engines.plan(body.script, analyze(body.script))
        return {
            "title": plan.title,
            "mood": plan.mood,
            "shots": [
                {"description": s.description, "prompt": s.prompt, "camera": s.camera}
                for s in plan.shots
            ],
        }
