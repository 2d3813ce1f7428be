"""Liveness and readiness: is the database answering, and which parts are configured."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from serve_apps.api.deps import PlatformDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(platform: PlatformDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with platform.db.session(write=False) as session:
            session.execute(text("SELECT 1"))
        checks["database"] = f"ok ({platform.db.engine.dialect.name})"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    settings = platform.settings
    checks["redis"] = "configured" if settings.redis_url else "off (in-process)"
    checks["storage"] = f"s3://{settings.s3_bucket}" if settings.s3_bucket else "local"
    checks["jobs"] = (
        "supervised" if platform.jobs.running else "queued only (no supervisor in this process)"
    )
    healthy = checks["database"].startswith("ok")
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, 200 if healthy else 503
    )
