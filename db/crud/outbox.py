"""The CRM outbox (rows are written by db/outbox.py): what is due, and what became of it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import CrmGrant, LedgerEntry, OutboxEntry, OutboxState, Project, Publication, User
from db.outbox import SALESFORCE_REFERENCE


def due(session: Session, limit: int) -> list[OutboxEntry]:
    """The oldest pending rows whose retry time has come, in the order they were written."""
    return list(
        session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.state == OutboxState.pending, OutboxEntry.due_at <= utcnow())
            .order_by(OutboxEntry.id)
            .limit(limit)
        )
    )


def mark_done(session: Session, ids: list[int]) -> None:
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id.in_(ids), OutboxEntry.state == OutboxState.pending)
        .values(state=OutboxState.done, done_at=utcnow(), error=None)
    )


def retry_later(
    session: Session, ids: list[int], error: str, *, base_s: float, max_tries: int
) -> None:
    """Another try after an exponential backoff with full jitter; dead after `max_tries`."""
    for row in session.scalars(select(OutboxEntry).where(OutboxEntry.id.in_(ids))):
        row.attempts += 1
        row.error = error
        delay = random.uniform(0, base_s * 2**row.attempts)
        row.due_at = utcnow() + timedelta(seconds=delay)
        if row.attempts >= max_tries:
            row.state = OutboxState.dead


def mark_dead(session: Session, ids: list[int], error: str) -> None:
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id.in_(ids))
        .values(state=OutboxState.dead, error=error, attempts=OutboxEntry.attempts + 1)
    )


def retry_dead(session: Session, entry_id: int) -> OutboxEntry | None:
    """An admin's retry of a dead letter: pending again, due now."""
    row = session.get(OutboxEntry, entry_id)
    if row is None or row.state != OutboxState.dead:
        return None
    row.state, row.attempts, row.due_at = OutboxState.pending, 0, utcnow()
    return row


@dataclass
class Status:
    pending: int
    oldest_pending_at: datetime | None
    last_success_at: datetime | None
    dead: list[OutboxEntry]


def status(session: Session, dead_limit: int = 100) -> Status:
    pending = OutboxEntry.state == OutboxState.pending
    return Status(
        pending=session.scalar(select(func.count()).where(pending)) or 0,
        oldest_pending_at=session.scalar(select(func.min(OutboxEntry.created_at)).where(pending)),
        last_success_at=session.scalar(select(func.max(OutboxEntry.done_at))),
        dead=list(
            session.scalars(
                select(OutboxEntry)
                .where(OutboxEntry.state == OutboxState.dead)
                .order_by(OutboxEntry.id.desc())
                .limit(dead_limit)
            )
        ),
    )


def backfill(session: Session) -> int:
    """Note every existing record once more (parents first); skips those already pending."""
    waiting = {
        (kind, record_id)
        for kind, record_id in session.execute(
            select(OutboxEntry.kind, OutboxEntry.record_id).where(
                OutboxEntry.state == OutboxState.pending
            )
        )
    }
    records = [
        *(("contact", str(i)) for i in session.scalars(select(User.id))),
        *(("project", str(i)) for i in session.scalars(select(Project.id))),
        *(
            ("credit", str(i))
            for i in session.scalars(
                select(LedgerEntry.id).where(
                    ~LedgerEntry.reference.startswith(SALESFORCE_REFERENCE)
                )
            )
        ),
        *(("publication", str(i)) for i in session.scalars(select(Publication.id))),
    ]
    added = [OutboxEntry(kind=k, record_id=r) for k, r in records if (k, r) not in waiting]
    session.add_all(added)
    return len(added)


def grant_applied(session: Session, salesforce_id: str) -> CrmGrant | None:
    return session.get(CrmGrant, salesforce_id)
