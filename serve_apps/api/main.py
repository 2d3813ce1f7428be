"""The FastAPI app: `create_app(settings)`, served by Ray Serve (serve_apps/ingress.py) or uvicorn.

uvicorn --factory serve_apps.api.main:create_app      (bare, e.g. for the benchmark)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool

from infra.settings import Settings, get_settings
from serve_apps.api import errors, middleware
from serve_apps.api.deps import rate_limit
from serve_apps.api.platform import Platform
from serve_apps.api.routes import api_router, health, voices

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, engines: dict[str, Any] | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Migrations, keys and connections are blocking work: keep them off the event loop.
        app.state.platform = await run_in_threadpool(Platform.start, settings, engines)
        try:
            yield
        finally:
            await app.state.platform.aclose()

    app = FastAPI(
        title="AI Film Studio",
        summary="Script in, film out: accounts, projects, assets, credits and durable render jobs.",
        version="0.1.0",
        lifespan=lifespan,
    )
    middleware.install(app, settings, API_PREFIX)
    errors.install(app)
    app.include_router(api_router, prefix=API_PREFIX, dependencies=[Depends(rate_limit)])
    app.include_router(voices.router, prefix=API_PREFIX, dependencies=[Depends(rate_limit)])
    app.include_router(health.router)
    return app
