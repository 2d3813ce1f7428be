"""The credit ledger: every change to a balance is one entry, made once, under a row lock.

A user's spendable balance lives in one `credit_accounts` row. Every change

1. locks that row (SELECT … FOR UPDATE on PostgreSQL; on SQLite the write transaction
   already holds the database's single write lock: see db/session.py),
2. looks for an entry with the same `reference` and, finding one, returns it unchanged —
   so a retried grant, reserve, capture or release never happens twice,
3. writes the entry with the balance after it, refusing to go below zero (and the table's
   CHECK constraint backs that up).

A job's credits move reserve (−cost) → capture (0: the hold is spent) or → release (+cost).
The ledger's amounts always sum to the balance.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import CreditAccount, Job, LedgerEntry, LedgerKind, User


class InsufficientCredits(Exception):
    def __init__(self, balance: int, needed: int):
        super().__init__(f"this needs {needed} credits; the balance is {balance}")
        self.balance = balance
        self.needed = needed


def balance(session: Session, user_id: uuid.UUID) -> int:
    return (
        session.scalar(select(CreditAccount.balance).where(CreditAccount.user_id == user_id)) or 0
    )


def lock_account(session: Session, user_id: uuid.UUID) -> CreditAccount:
    """The account row, locked until the transaction ends, with its current balance."""
    return session.scalars(
        select(CreditAccount)
        .where(CreditAccount.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def entry(session: Session, user_id: uuid.UUID, reference: str) -> LedgerEntry | None:
    return session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.user_id == user_id, LedgerEntry.reference == reference
        )
    )


def _apply(
    session: Session,
    account: CreditAccount,
    *,
    kind: LedgerKind,
    amount: int,
    reference: str,
    job_id: uuid.UUID | None = None,
    note: str | None = None,
) -> LedgerEntry:
    """Change a locked account once per reference."""
    if (done := entry(session, account.user_id, reference)) is not None:
        return done
    after = account.balance + amount
    if after < 0:
        raise InsufficientCredits(account.balance, -amount)
    account.balance = after
    account.updated_at = utcnow()
    record = LedgerEntry(
        user_id=account.user_id,
        kind=kind,
        amount=amount,
        balance_after=after,
        reference=reference,
        job_id=job_id,
        note=note,
    )
    session.add(record)
    session.flush()
    return record


def grant(
    session: Session, user_id: uuid.UUID, amount: int, *, reference: str, note: str | None = None
) -> LedgerEntry:
    """An admin's grant (positive) or correction (negative, never below zero)."""
    account = lock_account(session, user_id)
    return _apply(
        session, account, kind=LedgerKind.grant, amount=amount, reference=reference, note=note
    )


def top_up_monthly(
    session: Session,
    user: User,
    allowance: int,
    now: datetime | None = None,
    plan: str | None = None,
) -> LedgerEntry:
    """Once per calendar month, top the balance up to `allowance` (unused grant does not pile up).

    The entry is written even when nothing is added, so the month counts as granted. With a
    `plan`, the grant is that plan's for the month (a mid-month upgrade gets its own, once).
    """
    month = (now or utcnow()).strftime("%Y-%m")
    reference = f"monthly:{month}" + (f":{plan}" if plan and plan != "free" else "")
    if (done := entry(session, user.id, reference)) is not None:
        return done
    account = lock_account(session, user.id)
    return _apply(
        session,
        account,
        kind=LedgerKind.monthly,
        amount=max(0, allowance - account.balance),
        reference=reference,
        note=f"monthly allowance {allowance} for {month}" + (f" (plan {plan})" if plan else ""),
    )


def _job_reference(job: Job, step: LedgerKind) -> str:
    return f"job:{job.id}:{step.value}"


def reserve(session: Session, job: Job) -> LedgerEntry:
    """Hold the job's cost; InsufficientCredits when the balance is short."""
    account = lock_account(session, job.owner_id)
    return _apply(
        session,
        account,
        kind=LedgerKind.reserve,
        amount=-job.cost,
        reference=_job_reference(job, LedgerKind.reserve),
        job_id=job.id,
        note=f"{job.kind} job",
    )


def _settle(session: Session, job: Job, step: LedgerKind) -> LedgerEntry | None:
    """Capture or release the job's hold, once; None when there is no hold left to settle."""
    account = lock_account(session, job.owner_id)
    if (done := entry(session, job.owner_id, _job_reference(job, step))) is not None:
        return done
    held = entry(session, job.owner_id, _job_reference(job, LedgerKind.reserve))
    other = LedgerKind.release if step == LedgerKind.capture else LedgerKind.capture
    if held is None or entry(session, job.owner_id, _job_reference(job, other)) is not None:
        return None
    return _apply(
        session,
        account,
        kind=step,
        amount=0 if step == LedgerKind.capture else -held.amount,
        reference=_job_reference(job, step),
        job_id=job.id,
        note=f"{job.kind} job {'charged' if step == LedgerKind.capture else 'refunded'}",
    )


def capture(session: Session, job: Job) -> LedgerEntry | None:
    """The job succeeded: its hold is spent."""
    return _settle(session, job, LedgerKind.capture)


def release(session: Session, job: Job) -> LedgerEntry | None:
    """The job failed or was cancelled: its hold goes back to the balance."""
    return _settle(session, job, LedgerKind.release)


def history(
    session: Session, user_id: uuid.UUID, *, offset: int, limit: int
) -> tuple[list[LedgerEntry], int]:
    query = select(LedgerEntry).where(LedgerEntry.user_id == user_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.scalars(query.order_by(LedgerEntry.id.desc()).offset(offset).limit(limit))
    return list(page), total or 0


def ledger_sum(session: Session, user_id: uuid.UUID) -> int:
    total = select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.user_id == user_id
    )
    return session.scalar(total) or 0
