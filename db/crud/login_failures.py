"""Failed sign-in counts by key, in the database (the store used when Redis is not set).

One row per key; a failure adds one, or starts again at one when the last failure is older
than `memory_s`. The upsert is one statement on both databases, so concurrent failures from
several processes each count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import LoginFailure


def get(session: Session, key: str) -> tuple[int, datetime] | None:
    row = session.get(LoginFailure, key, populate_existing=True)
    return (row.count, row.last_at) if row is not None else None


def add(session: Session, key: str, memory_s: float) -> tuple[int, datetime]:
    """Count a failure under `key`; returns (failures remembered, this failure's time).

    Counts forgotten by now are deleted on the way, so the table holds a day's keys at most.
    """
    now = utcnow()
    session.execute(
        delete(LoginFailure).where(LoginFailure.last_at < now - timedelta(seconds=memory_s))
    )
    insert = (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert
    table = LoginFailure.__table__
    statement = insert(table).values(key=key, count=1, last_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case(
                (table.c.last_at < now - timedelta(seconds=memory_s), 1),
                else_=table.c.count + 1,
            ),
            "last_at": now,
        },
    )
    session.execute(statement)
    count = session.scalar(select(LoginFailure.count).where(LoginFailure.key == key))
    return int(count or 1), now


def clear(session: Session, key: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.key == key))
