"""The API's routers, one per area, gathered under /api/v1."""

from fastapi import APIRouter

from serve_apps.api.routes import (
    activity,
    admin,
    assets,
    auth,
    credits,
    crm,
    generate,
    jobs,
    oidc,
    projects,
    recovery,
    storyboard,
    stream,
    subscriptions,
    users,
    youtube,
)

api_router = APIRouter()
for module in (
    auth,
    recovery,
    oidc,
    users,
    projects,
    assets,
    storyboard,
    generate,
    jobs,
    stream,
    credits,
    admin,
    crm,
    activity,
    youtube,
):
    api_router.include_router(module.router)
api_router.include_router(youtube.renders)
api_router.include_router(assets.files)
api_router.include_router(subscriptions.admin)
api_router.include_router(subscriptions.mine)
