"""Stored first answers of creating POSTs, keyed by (scope, Idempotency-Key)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import IdempotencyKey


def find(session: Session, scope: str, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )


def remember(
    session: Session, *, scope: str, key: str, fingerprint: str, status_code: int, body: Any
) -> IdempotencyKey:
    """Store the answer in the caller's transaction; a concurrent twin fails on the unique key."""
    record = IdempotencyKey(
        scope=scope, key=key, fingerprint=fingerprint, status_code=status_code, body=body
    )
    session.add(record)
    session.flush()
    return record
