"""Links mailed to a user (password reset, email verification): single-use and short-lived.

Only a SHA-256 of each token is stored. Redeeming one locks its row, so two requests racing
with the same link cannot both succeed; issuing a new one of a purpose does not revoke the
older ones (each mail works until it is used or expires), but redeeming one spends them all.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.crud.tokens import digest
from db.models import AccountToken, TokenPurpose, User


def issue(session: Session, user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    """A new token for `user`; the caller mails it (the secret is not stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest(token),
            expires_at=utcnow() + lifetime,
        )
    )
    session.flush()
    return token


def last_issued(session: Session, user_id: uuid.UUID, purpose: TokenPurpose) -> datetime | None:
    return session.scalar(
        select(func.max(AccountToken.created_at)).where(
            AccountToken.user_id == user_id, AccountToken.purpose == purpose
        )
    )


def redeem(session: Session, token: str, purpose: TokenPurpose) -> User | None:
    """Spend `token` (and every other unused one of its user and purpose); its user, or None
    when it is unknown, of another purpose, used or expired."""
    now = utcnow()
    row = session.scalar(
        select(AccountToken)
        .where(AccountToken.token_hash == digest(token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None or row.purpose != purpose or row.used_at is not None or row.expires_at <= now:
        return None
    session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == row.user_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None
