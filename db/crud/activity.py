"""The activity log: write one entry in the caller's transaction; read pages of it, newest first."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import ActivityEntry, ActivityKind, User


def record(
    session: Session,
    kind: ActivityKind,
    *,
    user: User | None = None,
    actor: User | None = None,
    email: str | None = None,
    ip: str | None = None,
    **detail: Any,
) -> ActivityEntry:
    """Add an entry to the session (committed with the action it records).

    `user` is the account concerned, `actor` who acted (default: the user themselves).
    """
    actor = actor or user
    entry = ActivityEntry(
        kind=ActivityKind(kind).value,
        user_id=user.id if user else None,
        actor_id=actor.id if actor else None,
        email=user.email if user else email,
        ip=ip,
        detail=detail,
    )
    session.add(entry)
    return entry


def list_page(
    session: Session,
    *,
    offset: int,
    limit: int,
    user_id: uuid.UUID | None = None,
    kind: ActivityKind | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[ActivityEntry], int]:
    """Entries matching every filter given (since inclusive, until exclusive), newest first."""
    where = []
    if user_id is not None:
        where.append(ActivityEntry.user_id == user_id)
    if kind is not None:
        where.append(ActivityEntry.kind == ActivityKind(kind).value)
    if since is not None:
        where.append(ActivityEntry.created_at >= since)
    if until is not None:
        where.append(ActivityEntry.created_at < until)
    total = session.scalar(select(func.count()).select_from(ActivityEntry).where(*where))
    entries = session.scalars(
        select(ActivityEntry)
        .where(*where)
        .order_by(ActivityEntry.created_at.desc(), ActivityEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(entries), total or 0


def signed_in_from(session: Session, user_id: uuid.UUID, ip: str, since: datetime) -> bool:
    """Whether the account had a successful sign-in from `ip` at or after `since`."""
    found = session.scalar(
        select(ActivityEntry.id)
        .where(
            ActivityEntry.user_id == user_id,
            ActivityEntry.created_at >= since,
            ActivityEntry.kind == ActivityKind.sign_in.value,
            ActivityEntry.ip == ip,
        )
        .limit(1)
    )
    return found is not None
