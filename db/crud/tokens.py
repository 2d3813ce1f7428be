"""Refresh tokens: issued in families, rotated on every use, revoked as a family on reuse.

Only a SHA-256 of each token is stored. Using a token marks it used and issues its successor
in the same family; presenting a used (or revoked) token again means it was stolen or replayed,
so every token of the family is revoked and the caller must log in again.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import RefreshToken, User


class RefreshRejected(Exception):
    """The token is unknown, expired, revoked, or was already used (then `family_id` is set)."""

    def __init__(
        self, reason: str, family_id: uuid.UUID | None = None, reused_by: uuid.UUID | None = None
    ):
        super().__init__(reason)
        self.reason = reason
        self.family_id = family_id
        self.reused_by = reused_by  # the token's user, when a spent token was replayed


@dataclass
class Issued:
    token: str  # the secret the client keeps; never stored
    row: RefreshToken


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session, user: User, lifetime: timedelta, family_id: uuid.UUID | None = None
) -> Issued:
    """A new refresh token, starting a family unless `family_id` continues one."""
    token = secrets.token_urlsafe(32)
    row = RefreshToken(
        user_id=user.id,
        family_id=family_id or uuid.uuid4(),
        token_hash=digest(token),
        expires_at=utcnow() + lifetime,
    )
    session.add(row)
    session.flush()
    return Issued(token, row)


def _locked(session: Session, token: str) -> RefreshToken | None:
    return session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == digest(token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def rotate(session: Session, token: str, lifetime: timedelta) -> tuple[User, Issued]:
    """Spend `token` and issue its successor. Reuse of a spent token revokes its family.

    On reuse the revocation must survive the caller's rollback: the caller commits, then
    answers 401 (see RefreshRejected.family_id).
    """
    now = utcnow()
    row = _locked(session, token)
    if row is None:
        raise RefreshRejected("unknown refresh token")
    if row.revoked_at is not None:
        raise RefreshRejected("refresh token revoked", row.family_id)
    if row.used_at is not None:
        revoke_family(session, row.family_id, now)
        raise RefreshRejected(
            "refresh token reused; its family is revoked", row.family_id, row.user_id
        )
    if row.expires_at <= now:
        raise RefreshRejected("refresh token expired")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise RefreshRejected("account disabled")
    row.used_at = now
    return user, issue(session, user, lifetime, family_id=row.family_id)


def revoke_family(session: Session, family_id: uuid.UUID, now: datetime | None = None) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )


def family_of(session: Session, token: str) -> RefreshToken | None:
    return session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(token)))


def revoke_user_families(
    session: Session, user_id: uuid.UUID, keep: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """Revoke every live refresh-token family of `user_id` but `keep`; returns those revoked."""
    live = select(RefreshToken.family_id).where(
        RefreshToken.user_id == user_id,
        RefreshToken.revoked_at.is_(None),
        RefreshToken.expires_at > utcnow(),
    )
    if keep is not None:
        live = live.where(RefreshToken.family_id != keep)
    families = sorted(set(session.scalars(live)))
    if families:
        session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id.in_(families), RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    return families
