"""Assets of a project: the rows; the bytes are in storage under the asset's key."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Asset, AssetKind, AssetStatus, Job, JobKind, Project


def create(session: Session, project: Project, **fields) -> Asset:
    asset = Asset(project_id=project.id, owner_id=project.owner_id, **fields)
    session.add(asset)
    session.flush()
    return asset


def get_in(session: Session, project: Project, asset_id: uuid.UUID) -> Asset | None:
    asset = session.get(Asset, asset_id)
    return asset if asset is not None and asset.project_id == project.id else None


def list_page(
    session: Session, project: Project, *, offset: int, limit: int
) -> tuple[list[Asset], int]:
    query = select(Asset).where(Asset.project_id == project.id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.scalars(query.order_by(Asset.created_at, Asset.id).offset(offset).limit(limit))
    return list(page), total or 0


def list_owned(
    session: Session, owner_id: uuid.UUID, *, project_id: uuid.UUID | None, offset: int, limit: int
) -> tuple[list[Asset], int]:
    """A user's assets across their projects (or in one), oldest first."""
    query = select(Asset).where(Asset.owner_id == owner_id)
    if project_id is not None:
        query = query.where(Asset.project_id == project_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.scalars(query.order_by(Asset.created_at, Asset.id).offset(offset).limit(limit))
    return list(page), total or 0


def ready_in(
    session: Session, project: Project, asset_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Asset]:
    """The ready assets of `project` among `asset_ids`, by id (missing ones are left out)."""
    rows = session.scalars(
        select(Asset).where(
            Asset.project_id == project.id,
            Asset.id.in_(asset_ids),
            Asset.status == AssetStatus.ready,
        )
    )
    return {asset.id: asset for asset in rows}


def delete(session: Session, asset: Asset) -> None:
    session.delete(asset)
    session.flush()


def keep_references(session: Session, job: Job) -> None:
    """Keep the character references a video or storyboard job drew (`result["references"]`:
    CHARACTER → the stored PNG's fields), in the job's own closing transaction: each an image
    asset of the project, named in its `references` setting for a character that has none there
    yet (so the next render of the project takes the same look, whatever its seed)."""
    drawing = job.kind in (JobKind.video, JobKind.storyboard)
    drawn = (job.result or {}).get("references") if drawing else None
    if not drawn:
        return
    project = session.get(Project, job.project_id, with_for_update=True)
    if project is None:
        return
    settings = dict(project.settings or {})
    kept = dict(settings.get("references") or {})
    have = {name.upper() for name in kept}
    for name, stored in drawn.items():
        if name.upper() in have:
            continue
        create(
            session,
            project,
            id=uuid.UUID(stored["asset_id"]),
            kind=AssetKind.image,
            status=AssetStatus.ready,
            filename=stored["filename"],
            content_type="image/png",
            size_bytes=stored["size_bytes"],
            width=stored["width"],
            height=stored["height"],
            storage_key=stored["key"],
        )
        kept[name.upper()] = stored["asset_id"]
    project.settings = settings | {"references": kept}  # a JSON column notices a new value only
