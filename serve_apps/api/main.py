"""The FastAPI app: `create_app(settings)`, served by Ray Serve (serve_apps/ingress.py) or uvicorn.

uvicorn --factory serve_apps.api.main:create_app      (bare, e.g. for the benchmark)

The web app's static export (web/out, built by `make serve`) is served at `/` when it exists:
API routes always win, unknown paths get the app's 404 page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute

from infra.settings import Settings, get_settings
from serve_apps.api import errors, middleware
from serve_apps.api.deps import rate_limit
from serve_apps.api.platform import Platform
from serve_apps.api.routes import api_router, health, stream, voices

API_PREFIX = "/api/v1"
WEB_DIR = Path(__file__).resolve().parents[2] / "web" / "out"


def operation_id(route: APIRoute) -> str:
    """`<tag>_<function name without the tag's word>`: projects_list, jobs_get, auth_login.

    The generated web client names its functions after these, so they must stay readable and
    stable (renaming a route function renames the client function).
    """
    if not route.tags:
        return route.name
    tag = str(route.tags[0])
    words = [w for w in route.name.split("_") if w not in {tag, tag.removesuffix("s")}]
    return "_".join([tag, *words])


async def _no_such_route(path: str) -> None:
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no API route /{path}")


def create_app(
    settings: Settings | None = None,
    engines: dict[str, Any] | None = None,
    web_dir: Path | None = None,
) -> FastAPI:
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
        generate_unique_id_function=operation_id,
    )
    middleware.install(app, settings, API_PREFIX)
    errors.install(app)
    app.include_router(api_router, prefix=API_PREFIX, dependencies=[Depends(rate_limit)])
    app.include_router(voices.router, prefix=API_PREFIX, dependencies=[Depends(rate_limit)])
    app.include_router(stream.segments, prefix=API_PREFIX)  # a player's many fetches
    app.include_router(health.router)
    if web_dir is None:
        web_dir = WEB_DIR if WEB_DIR.is_dir() else None
    if web_dir is not None:  # registered last: its routes rank below every API route
        app.add_api_route(  # a mistyped API path answers JSON, not the app's 404 page
            API_PREFIX + "/{path:path}",
            _no_such_route,
            methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
            include_in_schema=False,
        )
        app.frontend("/", directory=web_dir, fallback="auto", check_dir=True)
    return app
