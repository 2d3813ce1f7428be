"""Accounts: create, find, list, change role, password and email verification."""

from __future__ import annotations

import uuid
from typing import Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import CreditAccount, Role, User


class Owned(Protocol):
    owner_id: uuid.UUID


T = TypeVar("T", bound=Owned)


def visible_to(session: Session, user: User, model: type[T], row_id: uuid.UUID) -> T | None:
    """The row if `user` may see it (its owner, or an admin); None otherwise."""
    row = session.get(model, row_id)
    if row is None or (row.owner_id != user.id and user.role != Role.admin):
        return None
    return row


def get(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def get_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.lower()))


# Stored for accounts made by signing in with a provider: no password verifies against it.
NO_PASSWORD = "!"


def create(
    session: Session,
    *,
    email: str,
    password_hash: str,
    role: Role = Role.free_user,
    email_verified: bool = False,
) -> User:
    """A new user with an empty credit account (the monthly grant fills it on first use)."""
    user = User(
        email=email.lower(),
        password_hash=password_hash,
        role=role,
        email_verified_at=utcnow() if email_verified else None,
    )
    user.account = CreditAccount(balance=0)
    session.add(user)
    session.flush()
    return user


def list_page(session: Session, *, offset: int, limit: int) -> tuple[list[User], int]:
    total = session.scalar(select(func.count()).select_from(User))
    users = session.scalars(
        select(User).order_by(User.created_at, User.id).offset(offset).limit(limit)
    )
    return list(users), total or 0


def set_role(session: Session, user: User, role: Role) -> User:
    user.role = role
    session.flush()
    return user


def set_password(session: Session, user: User, password_hash: str) -> None:
    user.password_hash = password_hash
    session.flush()


def mark_verified(session: Session, user: User) -> bool:
    """Record that the user controls their email; False when it was already known."""
    if user.email_verified_at is not None:
        return False
    user.email_verified_at = utcnow()
    session.flush()
    return True
