"""Mailed links: password resets and email verification, issued here and sent after answering.

The links open the web app's pages, with the token in the fragment (`#token=…`), which
browsers never send to a server or put in a Referer: the page posts it to
`POST /api/v1/auth/password/reset` or `POST /api/v1/auth/email/verify`.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import BackgroundTasks
from sqlalchemy.orm import Session

from db import crud
from db.base import utcnow
from db.models import TokenPurpose, User
from serve_apps.api.platform import Platform

RESET_PAGE = "/reset-password"
VERIFY_PAGE = "/verify-email"


def _link(platform: Platform, page: str, token: str) -> str:
    return f"{platform.settings.public_url.rstrip('/')}{page}#token={token}"


def mailed_recently(session: Session, platform: Platform, user: User, purpose: TokenPurpose) -> int:
    """Seconds until another mail of `purpose` may go to `user` (0: now)."""
    last = crud.account_tokens.last_issued(session, user.id, purpose)
    if last is None:
        return 0
    wait = platform.settings.mail_interval_s - (utcnow() - last).total_seconds()
    return max(0, int(wait + 0.999))


def send_verification(
    session: Session, platform: Platform, user: User, background: BackgroundTasks
) -> None:
    """Issue a verification link (in the caller's transaction) and mail it after the answer."""
    lifetime = timedelta(hours=platform.settings.verify_email_hours)
    token = crud.account_tokens.issue(session, user, TokenPurpose.verify_email, lifetime)
    text = (
        "Welcome to AI Film Studio.\n\n"
        f"Confirm that {user.email} is your address to start rendering:\n\n"
        f"{_link(platform, VERIFY_PAGE, token)}\n\n"
        f"The link works once, for {platform.settings.verify_email_hours:g} hours. If you did "
        "not create this account, ignore this mail.\n"
    )
    background.add_task(platform.mailer.send, user.email, "Confirm your email address", text)


def send_reset(
    session: Session, platform: Platform, user: User, background: BackgroundTasks
) -> None:
    """Issue a password-reset link (in the caller's transaction) and mail it after the answer."""
    lifetime = timedelta(minutes=platform.settings.password_reset_minutes)
    token = crud.account_tokens.issue(session, user, TokenPurpose.password_reset, lifetime)
    text = (
        f"Someone asked to reset the password of {user.email} at AI Film Studio.\n\n"
        f"Choose a new password here:\n\n{_link(platform, RESET_PAGE, token)}\n\n"
        f"The link works once, for {platform.settings.password_reset_minutes:g} minutes. "
        "If it was not you, ignore this mail: your password stays as it is.\n"
    )
    background.add_task(platform.mailer.send, user.email, "Reset your password", text)
