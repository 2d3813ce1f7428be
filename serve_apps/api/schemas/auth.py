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


Password = Annotated[str, Field(min_length=8, max_length=256)]


class Register(BaseModel):
    email: Email
    password: Password


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
    plan: str  # the subscription plan in force (free or pro)
    is_active: bool
    email_verified: bool
    created_at: datetime


class ChangePassword(BaseModel):
    old_password: str = Field(max_length=256)
    new_password: Password


class ForgotPassword(BaseModel):
    email: Email


class ResetPassword(BaseModel):
    token: str = Field(min_length=1, max_length=200)  # from the mailed link
    new_password: Password


class VerifyEmail(BaseModel):
    token: str = Field(min_length=1, max_length=200)  # from the mailed link


class Notice(BaseModel):
    """An accepted request whose outcome is not shown (a mail may or may not go out)."""

    detail: str


class ProviderOut(BaseModel):
    name: str
    display_name: str
    login_url: str  # GET it in the browser (302 to the provider); ?mode=body&return_to=/path
