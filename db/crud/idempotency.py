"""Creating POSTs' Idempotency-Keys, keyed by (scope, key): claimed, then answered.

A request claims its key (a row with its token and no answer) in a transaction of its own,
before its work; it stores its answer, in the transaction of what it created, only while it
still holds the claim; a request that failed deletes its claim. Every change is conditional
on the claim token, so a claim taken over (expired) can no longer be answered by its loser.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import IdempotencyKey


def find(session: Session, scope: str, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )


def claim(
    session: Session, *, scope: str, key: str, fingerprint: str, token: str
) -> IdempotencyKey:
    """Insert the claim; a concurrent claim of the same key fails on the unique constraint."""
    record = IdempotencyKey(
        scope=scope, key=key, fingerprint=fingerprint, claim=token, claimed_at=utcnow()
    )
    session.add(record)
    session.flush()
    return record


def take_over(session: Session, record_id: int, token: str, stale_before: datetime) -> bool:
    """Claim an unanswered key whose claim is older than `stale_before` (its request died)."""
    result = session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.id == record_id,
            IdempotencyKey.status_code.is_(None),
            IdempotencyKey.claimed_at < stale_before,
        )
        .values(claim=token, claimed_at=utcnow())
    )
    return result.rowcount == 1


def answer(session: Session, record_id: int, token: str, *, status_code: int, body: Any) -> bool:
    """Store the answer if `token` still holds the claim (in the caller's transaction)."""
    result = session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.id == record_id,
            IdempotencyKey.claim == token,
            IdempotencyKey.status_code.is_(None),
        )
        .values(status_code=status_code, body=body)
    )
    return result.rowcount == 1


def release(session: Session, record_id: int, token: str) -> None:
    """Drop an unanswered claim held by `token`: its request failed and made nothing."""
    session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.id == record_id,
            IdempotencyKey.claim == token,
            IdempotencyKey.status_code.is_(None),
        )
    )
