"""What the studio sends to Salesforce: one declared table, parents before children.

Each `Mapping` turns an outbox row (kind, record id) into one Salesforce record, upserted by
its external id `Studio_Id__c`. A record that no longer exists here is sent as deleted (its
status field says so): history in the CRM is kept, not erased. Parents are referenced by their
external id (`Contact__r: {Studio_Id__c: …}`), so a child never needs the parent's Salesforce id,
only that the parent went first: `MAPPINGS` is in that order.

`FIELDS` declares each field's Salesforce type; a test checks them against `crm/salesforce/`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import (
    CreditAccount,
    Job,
    JobKind,
    JobStatus,
    LedgerEntry,
    Project,
    Publication,
    User,
    YouTubeChannel,
)

EXTERNAL_ID = "Studio_Id__c"
Record = dict[str, Any]


@dataclass(frozen=True)
class Mapping:
    kind: str  # the outbox's name for it
    sobject: str  # the Salesforce object
    fields: dict[str, str]  # field → Salesforce type (Text, Number, Url, DateTime, Lookup…)
    build: Callable[[Session, str], Record | None]  # the record's fields; None: send as deleted
    deleted: Record  # what a deleted record is sent as


def _uuid(record_id: str) -> uuid.UUID:
    return uuid.UUID(record_id)


def _contact(session: Session, record_id: str) -> Record | None:
    user = session.get(User, _uuid(record_id))
    if user is None:
        return None
    balance = session.scalar(select(CreditAccount.balance).where(CreditAccount.user_id == user.id))
    local = user.email.split("@")[0]
    return {
        "LastName": local[:80],
        "Email": user.email,
        "Studio_Role__c": user.role.value,
        "Studio_Tier__c": user.tier,
        "Studio_Balance__c": balance or 0,
        "Studio_Status__c": "Active" if user.is_active else "Inactive",
    }


def _project(session: Session, record_id: str) -> Record | None:
    project = session.get(Project, _uuid(record_id))
    if project is None:
        return None
    videos = select(Job).where(Job.project_id == project.id, Job.kind == JobKind.video)
    renders = session.scalar(
        select(func.count()).select_from(videos.where(Job.status == JobStatus.succeeded).subquery())
    )
    last = session.scalars(
        videos.where(Job.status.in_([JobStatus.succeeded, JobStatus.failed]))
        .order_by(Job.finished_at.desc(), Job.created_at.desc())
        .limit(1)
    ).first()
    return {
        "Name": project.name[:80],
        "Contact__r": {EXTERNAL_ID: str(project.owner_id)},
        "Status__c": "Active",
        "Renders__c": renders,
        "Last_Render_Status__c": last.status.value if last else None,
        "Last_Film_Duration__c": (last.params or {}).get("duration") if last else None,
        "Last_Film_URL__c": f"/api/v1/jobs/{last.id}/outputs/film"
        if last and last.status == JobStatus.succeeded
        else None,
    }


def _credit(session: Session, record_id: str) -> Record | None:
    entry = session.get(LedgerEntry, int(record_id))
    if entry is None:
        return None
    return {
        "Name": entry.reference[:80],
        "Contact__r": {EXTERNAL_ID: str(entry.user_id)},
        "Amount__c": entry.amount,
        "Kind__c": entry.kind.value,
        "Balance_After__c": entry.balance_after,
        "Job_Id__c": str(entry.job_id) if entry.job_id else None,
        "Applied__c": True,
    }


def _publication(session: Session, record_id: str) -> Record | None:
    publication = session.get(Publication, _uuid(record_id))
    if publication is None:
        return None
    job = session.get(Job, publication.job_id)
    render = session.get(Job, publication.render_job_id)
    channel = (
        session.get(YouTubeChannel, publication.channel_id) if publication.channel_id else None
    )
    params = job.params if job else {}
    return {
        "Name": (params.get("title") or publication.video_id or str(publication.id))[:80],
        "Contact__r": {EXTERNAL_ID: str(publication.owner_id)},
        "Project__r": {EXTERNAL_ID: str(render.project_id)} if render else None,
        "Channel_Id__c": channel.channel_id if channel else None,
        "Video_Id__c": publication.video_id,
        "Video_URL__c": publication.url,
        "Privacy__c": params.get("privacy"),
        "Status__c": job.status.value if job else "deleted",
        "Published_At__c": job.finished_at.isoformat()
        if job and job.status == JobStatus.succeeded and job.finished_at
        else None,
    }


MAPPINGS: tuple[Mapping, ...] = (
    Mapping(
        "contact",
        "Contact",
        {
            "LastName": "Text",
            "Email": "Email",
            "Studio_Role__c": "Text",
            "Studio_Tier__c": "Text",
            "Studio_Balance__c": "Number",
            "Studio_Status__c": "Text",
        },
        _contact,
        {"LastName": "(deleted)", "Studio_Status__c": "Deleted"},
    ),
    Mapping(
        "project",
        "AI_Project__c",
        {
            "Name": "Text",
            "Contact__c": "Lookup",
            "Status__c": "Picklist",
            "Renders__c": "Number",
            "Last_Render_Status__c": "Text",
            "Last_Film_Duration__c": "Number",
            "Last_Film_URL__c": "Url",
        },
        _project,
        {"Status__c": "Deleted"},
    ),
    Mapping(
        "credit",
        "AI_Credit__c",
        {
            "Name": "Text",
            "Contact__c": "Lookup",
            "Amount__c": "Number",
            "Kind__c": "Picklist",
            "Balance_After__c": "Number",
            "Job_Id__c": "Text",
            "Applied__c": "Checkbox",
        },
        _credit,
        {"Kind__c": "deleted"},
    ),
    Mapping(
        "publication",
        "YouTube_Integration__c",
        {
            "Name": "Text",
            "Contact__c": "Lookup",
            "Project__c": "Lookup",
            "Channel_Id__c": "Text",
            "Video_Id__c": "Text",
            "Video_URL__c": "Url",
            "Privacy__c": "Text",
            "Status__c": "Text",
            "Published_At__c": "DateTime",
        },
        _publication,
        {"Status__c": "deleted"},
    ),
)
BY_KIND = {mapping.kind: mapping for mapping in MAPPINGS}
ORDER = {mapping.kind: rank for rank, mapping in enumerate(MAPPINGS)}


def record(session: Session, kind: str, record_id: str) -> Record:
    """The Salesforce record for one outbox row: its fields (None values dropped, so a field
    the studio does not know is never blanked), its type and its external id."""
    mapping = BY_KIND[kind]
    fields = mapping.build(session, record_id)
    fields = (
        mapping.deleted if fields is None else {k: v for k, v in fields.items() if v is not None}
    )
    return {"attributes": {"type": mapping.sobject}, EXTERNAL_ID: record_id, **fields}
