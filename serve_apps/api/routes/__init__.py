"""The API's routers, one per area, gathered under /api/v1."""

from fastapi import APIRouter

from serve_apps.api.routes import (
    activity,
    admin,
    assets,
    auth,
    credits,
    generate,
    jobs,
    projects,
    stream,
    users,
    youtube,
)

api_router = APIRouter()
for module in (
    auth,
    users,
    projects,
    assets,
    generate,
    jobs,
    stream,
    credits,
    admin,
    activity,
    youtube,
):
    api_router.include_router(module.router)
api_router.include_router(youtube.renders)
