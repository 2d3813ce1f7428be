"""The caller's own account."""

from __future__ import annotations

from fastapi import APIRouter

from serve_apps.api.deps import CurrentUser
from serve_apps.api.schemas.auth import UserOut

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
