"""Durable jobs: created with their credit hold, leased by one worker at a time, settled once.

Life of a job:

    queued ──claim──▶ running ──succeed──▶ succeeded   (hold captured)
       │                 │ ├──fail──────▶ failed      (hold released)
       │                 │ └──retry─────▶ queued      (an error; tried again)
       └──cancel─────────┴─────────────▶ cancelled    (hold released)

A worker `claim`s a job with a launch id and holds a lease it renews while it works. If the
worker dies the lease runs out and the job is claimed again (the same launch id may reclaim at
once: that is Ray retrying the same task). Every claim counts an attempt; past the limit the
job fails and its hold is released. Each transition locks the job row and writes an event.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.crud import assets, credits, storyboards, users
from db.models import Job, JobEvent, JobKind, JobStatus, Project, User

ACTIVE = (JobStatus.queued, JobStatus.running)


def create(
    session: Session,
    *,
    project: Project,
    kind: JobKind,
    tier: str,
    params: dict[str, Any],
    cost: int,
    max_attempts: int,
) -> Job:
    """The job row and its credit hold, in the caller's transaction (InsufficientCredits → none)."""
    job = Job(
        owner_id=project.owner_id,
        project_id=project.id,
        kind=kind,
        tier=tier,
        params=params,
        cost=cost,
        max_attempts=max_attempts,
        status=JobStatus.queued,
        message="queued",
    )
    session.add(job)
    session.flush()
    credits.reserve(session, job)
    add_event(session, job)
    return job


def get_for(session: Session, user: User, job_id: uuid.UUID) -> Job | None:
    """The job if `user` may see it (its owner, or an admin); None otherwise."""
    return users.visible_to(session, user, Job, job_id)


def lock(session: Session, job_id: uuid.UUID) -> Job | None:
    return session.scalar(
        select(Job)
        .where(Job.id == job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def list_page(
    session: Session,
    *,
    owner_id: uuid.UUID | None,
    offset: int,
    limit: int,
    status: JobStatus | None = None,
    project_id: uuid.UUID | None = None,
) -> tuple[list[Job], int]:
    query = select(Job)
    if owner_id is not None:
        query = query.where(Job.owner_id == owner_id)
    if status is not None:
        query = query.where(Job.status == status)
    if project_id is not None:
        query = query.where(Job.project_id == project_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.scalars(
        query.order_by(Job.created_at.desc(), Job.id).offset(offset).limit(limit)
    )
    return list(page), total or 0


def add_event(session: Session, job: Job, stream: str | None = None) -> JobEvent:
    """Record the job's state as it is now (status, stage, progress, message), and the URL of
    its live stream once it has one."""
    event = JobEvent(
        job_id=job.id,
        status=job.status,
        stage=job.stage,
        progress=job.progress,
        message=job.message,
        stream=stream,
    )
    session.add(event)
    session.flush()
    return event


def events_after(
    session: Session, job_id: uuid.UUID, after: int, limit: int = 500
) -> list[JobEvent]:
    return list(
        session.scalars(
            select(JobEvent)
            .where(JobEvent.job_id == job_id, JobEvent.id > after)
            .order_by(JobEvent.id)
            .limit(limit)
        )
    )


def _finish(
    session: Session, job: Job, status: JobStatus, message: str, error: str | None = None
) -> JobEvent:
    """Move a job to a final state, settle its credits, and record it."""
    now = utcnow()
    job.status = status
    job.message = message
    job.error = error
    job.finished_at = now
    job.updated_at = now
    job.lease_owner = None
    job.lease_expires_at = None
    if status == JobStatus.succeeded:
        job.progress = 100.0
        credits.capture(session, job)
    else:
        credits.release(session, job)
    return add_event(session, job)


def claim(
    session: Session, job_id: uuid.UUID, launch_id: str, *, lease_s: float, pid: int | None = None
) -> tuple[Job | None, JobEvent | None]:
    """Take the job for `launch_id`. Returns the job when the caller should run it.

    Also ends jobs that should not run again: cancelled while waiting, or out of attempts.
    The event is what changed (for the bus), or None when nothing did.
    """
    job = lock(session, job_id)
    if job is None or job.status.finished:
        return None, None
    now = utcnow()
    if job.cancel_requested:
        return None, _finish(session, job, JobStatus.cancelled, "cancelled")
    held_by_other = job.lease_owner not in (None, launch_id)
    if held_by_other and job.lease_expires_at and job.lease_expires_at > now:
        return None, None
    if job.attempts >= job.max_attempts:
        reason = job.error or "its worker stopped (killed or lost) every time"
        message = f"gave up after {job.attempts} attempts"
        return None, _finish(session, job, JobStatus.failed, message, f"{message}: {reason}")
    job.attempts += 1
    job.status = JobStatus.running
    job.lease_owner = launch_id
    job.lease_expires_at = now + timedelta(seconds=lease_s)
    job.worker_pid = pid
    job.started_at = job.started_at or now
    job.updated_at = now
    job.message = f"attempt {job.attempts} of {job.max_attempts} started"
    return job, add_event(session, job)


def renew_lease(
    session: Session, job_id: uuid.UUID, launch_id: str, lease_s: float
) -> tuple[bool, bool]:
    """Extend the lease. Returns (still held, cancel requested)."""
    now = utcnow()
    held = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.lease_owner == launch_id, Job.status == JobStatus.running)
        .values(lease_expires_at=now + timedelta(seconds=lease_s))
    ).rowcount
    cancel = session.scalar(select(Job.cancel_requested).where(Job.id == job_id))
    return bool(held), bool(cancel)


def _held(session: Session, job_id: uuid.UUID, launch_id: str) -> Job | None:
    job = lock(session, job_id)
    if job is None or job.status != JobStatus.running or job.lease_owner != launch_id:
        return None
    return job


def report_progress(
    session: Session,
    job_id: uuid.UUID,
    launch_id: str,
    stage: str,
    progress: float,
    message: str,
    stream: str | None = None,
) -> JobEvent | None:
    """Record progress (with the live stream's URL once there is one); None when the caller no
    longer holds the job (then it should stop)."""
    job = _held(session, job_id, launch_id)
    if job is None:
        return None
    job.stage = stage
    job.progress = max(0.0, min(100.0, progress))
    job.message = message[:500]
    job.updated_at = utcnow()
    return add_event(session, job, stream)


def succeed(
    session: Session, job_id: uuid.UUID, launch_id: str, result: dict[str, Any]
) -> JobEvent | None:
    job = _held(session, job_id, launch_id)
    if job is None:
        return None
    job.result = result
    storyboards.on_job_succeeded(session, job)  # a project's storyboard keeps what it made
    assets.keep_references(session, job)  # and the project the character references drawn
    return _finish(session, job, JobStatus.succeeded, "done")


def fail(session: Session, job_id: uuid.UUID, launch_id: str | None, error: str) -> JobEvent | None:
    """End the job as failed (with the reason) and release its hold."""
    job = lock(session, job_id) if launch_id is None else _held(session, job_id, launch_id)
    if job is None or job.status.finished:
        return None
    return _finish(
        session, job, JobStatus.failed, error.splitlines()[0][:500] if error else "failed", error
    )


def cancelled(session: Session, job_id: uuid.UUID, launch_id: str) -> JobEvent | None:
    """The worker stopped because a cancel was asked for."""
    job = _held(session, job_id, launch_id)
    if job is None:
        return None
    return _finish(session, job, JobStatus.cancelled, "cancelled")


def retry(session: Session, job_id: uuid.UUID, launch_id: str, error: str) -> JobEvent | None:
    """Give the job back to the queue after an error; `claim` decides whether attempts remain."""
    job = _held(session, job_id, launch_id)
    if job is None:
        return None
    job.status = JobStatus.queued
    job.error = error
    job.message = f"attempt {job.attempts} failed; will retry: {error.splitlines()[0][:300]}"
    job.lease_owner = None
    job.lease_expires_at = None
    job.updated_at = utcnow()
    return add_event(session, job)


def request_cancel(session: Session, job_id: uuid.UUID) -> tuple[Job, JobEvent | None]:
    """Cancel now if no worker holds the job; otherwise ask its worker to stop."""
    job = lock(session, job_id)
    if job.status.finished:
        return job, None
    if job.status == JobStatus.queued:
        return job, _finish(session, job, JobStatus.cancelled, "cancelled")
    job.cancel_requested = True
    job.message = "cancelling"
    job.updated_at = utcnow()
    return job, add_event(session, job)


def orphans(
    session: Session, exclude: set[uuid.UUID] = frozenset(), limit: int = 100
) -> list[uuid.UUID]:
    """Jobs nobody is working on: queued ones, and running ones whose lease ran out."""
    now = utcnow()
    unleased = or_(Job.lease_expires_at.is_(None), Job.lease_expires_at < now)
    query = (
        select(Job.id)
        .where(Job.status.in_(ACTIVE), unleased)
        .order_by(Job.created_at)
        .limit(limit + len(exclude))
    )
    return [job_id for job_id in session.scalars(query) if job_id not in exclude][:limit]
