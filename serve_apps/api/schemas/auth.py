"""Accounts and tokens."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from serve_apps.api.schemas.common import Out

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not an email address")
    return value


Email = Annotated[str, Field(max_length=320), AfterValidator(_email)]


class Register(BaseModel):
    email: Email
    password: str = Field(min_length=8, max_length=256)


class Login(BaseModel):
    email: Email
    password: str = Field(max_length=256)


class Refresh(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str | None  # None in cookie mode: the browser keeps it in an HttpOnly cookie
    token_type: str = "bearer"
    expires_in: int  # seconds until the access token expires


class UserOut(Out):
    id: uuid.UUID
    email: str
    role: str
    tier: str
    is_active: bool
    created_at: datetime
