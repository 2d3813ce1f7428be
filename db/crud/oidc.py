"""OpenID Connect sign-ins: the ones in flight (used once) and the identities they linked."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.crud.tokens import digest
from db.models import OIDCLogin, User, UserIdentity


def start(
    session: Session,
    *,
    state: str,
    provider: str,
    nonce: str,
    code_verifier: str,
    binding: str,
    mode: str,
    return_to: str,
    lifetime: timedelta,
) -> None:
    now = utcnow()
    session.execute(delete(OIDCLogin).where(OIDCLogin.expires_at <= now))  # abandoned ones
    session.add(
        OIDCLogin(
            state_hash=digest(state),
            provider=provider,
            nonce=nonce,
            code_verifier=code_verifier,
            binding_hash=digest(binding),
            mode=mode,
            return_to=return_to,
            expires_at=now + lifetime,
        )
    )
    session.flush()


def finish(session: Session, state: str, provider: str, binding: str | None) -> OIDCLogin | None:
    """The sign-in `state` names, deleted (it works once); None when unknown, expired, of
    another provider, or started in another browser (`binding` is its cookie)."""
    row = session.scalar(
        select(OIDCLogin).where(OIDCLogin.state_hash == digest(state)).with_for_update()
    )
    if row is None:
        return None
    deleted = session.execute(delete(OIDCLogin).where(OIDCLogin.state_hash == row.state_hash))
    if deleted.rowcount != 1:  # a concurrent callback with the same state won
        return None
    if (
        row.provider != provider
        or row.expires_at <= utcnow()
        or binding is None
        or digest(binding) != row.binding_hash
    ):
        return None
    return row


def identity(session: Session, provider: str, subject: str) -> UserIdentity | None:
    return session.scalar(
        select(UserIdentity).where(
            UserIdentity.provider == provider, UserIdentity.subject == subject
        )
    )


def link(session: Session, user: User, provider: str, subject: str, email: str) -> UserIdentity:
    row = UserIdentity(user_id=user.id, provider=provider, subject=subject, email=email)
    session.add(row)
    session.flush()
    return row


def identities_of(session: Session, user_id: uuid.UUID) -> list[UserIdentity]:
    return list(session.scalars(select(UserIdentity).where(UserIdentity.user_id == user_id)))
