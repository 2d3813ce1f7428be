"""Administration."""

from __future__ import annotations

from pydantic import BaseModel

from db.models import Role


class UserUpdate(BaseModel):
    role: Role | None = None
    is_active: bool | None = None
