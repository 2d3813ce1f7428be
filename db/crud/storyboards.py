"""A project's storyboard: one row, replaced by a storyboard job, edited at a known version.

Every change goes through `save`, which bumps the version; an edit names the version it was
made on and `locked` reads the row under a lock, so of two tabs editing the same version one
wins and the other is told its copy is stale (the API answers 412).
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Job, JobKind, Project, Storyboard


def get(session: Session, project: Project) -> Storyboard | None:
    return session.get(Storyboard, project.id)


def locked(session: Session, project_id: uuid.UUID) -> Storyboard | None:
    """The row, locked until the transaction ends (PostgreSQL; SQLite's writers are serial)."""
    query = select(Storyboard).where(Storyboard.project_id == project_id).with_for_update()
    return session.scalars(query).first()


def save(
    session: Session,
    project_id: uuid.UUID,
    document: dict[str, Any],
    *,
    settings: dict[str, Any] | None = None,
    job_id: uuid.UUID | None = None,
) -> Storyboard:
    """Store `document` as the project's storyboard, one version on from the last."""
    board = locked(session, project_id)
    if board is None:
        board = Storyboard(project_id=project_id, version=0, document=document, settings={})
        session.add(board)
    board.version += 1
    board.document = document
    board.updated_at = utcnow()
    if settings is not None:
        board.settings = settings
    if job_id is not None:
        board.job_id = job_id
    session.flush()
    return board


def on_job_succeeded(session: Session, job: Job) -> None:
    """Keep what a project's storyboard job made, in the job's own closing transaction: a whole
    storyboard (`result["storyboard"]`), or one shot's redrawn still (`result["still"]`, kept
    only while the shot is still there)."""
    if job.kind != JobKind.storyboard or not job.result:
        return
    if (document := job.result.get("storyboard")) is not None:
        save(session, job.project_id, document, settings=job.params.get("settings"), job_id=job.id)
    elif (still := job.result.get("still")) is not None:
        board = locked(session, job.project_id)
        if board is None:
            return
        document = copy.deepcopy(board.document)  # a JSON column notices a new value only
        for scene in document["scenes"]:
            for shot in scene["shots"]:
                if shot["id"] == still["shot_id"]:
                    shot["still_key"] = still["key"]
                    save(session, job.project_id, document)
                    return
