"""A project's files: uploaded (multipart, or presigned PUT to S3), listed, deleted.

Whatever the route, a file becomes an asset only after its content was read in full: an image
must be JPEG/PNG/WebP within the pixel limit and decode; audio must decode; a zip must be a
complete character sheet; subtitles must parse; anything else must be UTF-8 text (see media.py).

The design document's flat paths sit beside the nested ones (`files`): `GET /assets` (the
user's assets, `?project_id=` for one project's), `POST /assets/upload` (multipart with
`project_id`) and `DELETE /assets/{id}`.
"""

from __future__ import annotations

import io
import re
import tempfile
import uuid
from pathlib import Path
from typing import BinaryIO

from fastapi import APIRouter, File, Form, HTTPException, Query, Response, UploadFile, status

from db import crud
from db.models import Asset, AssetKind, AssetStatus, Project
from infra.storage import object_key
from pipelines.errors import InputError
from serve_apps.api import media
from serve_apps.api.deps import (
    CurrentUser,
    IdempotencyDep,
    OwnedProject,
    PageDep,
    PlatformDep,
    SessionDep,
    get_project,
)
from serve_apps.api.downloads import stream_or_redirect
from serve_apps.api.idempotency import RESPONSES as IDEMPOTENT
from serve_apps.api.platform import Platform
from serve_apps.api.schemas.assets import AssetOut, UploadRequest, UploadTicket
from serve_apps.api.schemas.common import Page

router = APIRouter(prefix="/projects/{project_id}/assets", tags=["assets"])
files = APIRouter(prefix="/assets", tags=["assets"])

CHUNK = 1024 * 1024


def safe_name(filename: str | None, extension: str = "") -> str:
    """A file name fit for a storage key: the base name, plain characters, the real extension."""
    stem = Path(filename or "upload").stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:100] or "upload"
    return stem + extension


def _copy_limited(source: BinaryIO, target: Path, limit: int) -> int:
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise HTTPException(
                    status.HTTP_413_CONTENT_TOO_LARGE, f"file: larger than {limit} bytes, the limit"
                )
            out.write(chunk)
    if size == 0:
        raise InputError("file", "the file is empty")
    return size


def _inspect(platform: Platform, path: Path) -> media.MediaInfo:
    return media.inspect(
        path,
        max_pixels=platform.settings.max_image_pixels,
        max_audio_seconds=platform.settings.max_audio_seconds,
    )


def _raw_key(project: Project, asset_id: uuid.UUID, filename: str) -> str:
    """Where an uploaded file is stored: under its project, as its asset id and name."""
    return object_key(project.owner_id, project.id, "raw", str(asset_id), filename)


def _found(session, project: Project, asset_id: uuid.UUID) -> Asset:
    asset = crud.assets.get_in(session, project, asset_id)
    if asset is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "asset not found")
    return asset


def _describe(asset: Asset, info: media.MediaInfo, size: int) -> None:
    asset.kind = info.kind
    asset.content_type = info.content_type
    asset.size_bytes = size
    asset.width, asset.height, asset.duration_s = info.width, info.height, info.duration_s
    asset.status = AssetStatus.ready


@router.get("", response_model=Page[AssetOut])
def list_assets(project: OwnedProject, session: SessionDep, page: PageDep) -> Page[AssetOut]:
    items, total = crud.assets.list_page(session, project, offset=page.offset, limit=page.limit)
    return Page(
        items=[AssetOut.model_validate(a) for a in items],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AssetOut, responses=IDEMPOTENT)
def upload_asset(
    project: OwnedProject,
    session: SessionDep,
    platform: PlatformDep,
    idempotency: IdempotencyDep,
    file: UploadFile = File(
        description="an image (JPEG, PNG, WebP), an audio track, a character sheet (zip), "
        "subtitles (SRT/WebVTT) or a translated script (UTF-8 text, one line per spoken line)"
    ),
):
    if (first := idempotency.claim(session)) is not None:
        return first
    session.commit()  # end the read part: no database lock is held while the file is checked
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / safe_name(file.filename)  # named as sent: errors say its name
        size = _copy_limited(file.file, path, platform.settings.max_upload_bytes)
        info = _inspect(platform, path)
        asset_id = uuid.uuid4()
        key = _raw_key(project, asset_id, safe_name(file.filename, info.extension))
        platform.storage.put_file(key, path, info.content_type)
    asset = crud.assets.create(
        session,
        project,
        id=asset_id,
        filename=safe_name(file.filename, info.extension),
        storage_key=key,
    )
    _describe(asset, info, size)
    try:
        response = idempotency.commit(session, AssetOut.model_validate(asset))
    except Exception:
        platform.storage.delete(key)
        raise
    if idempotency.replayed:  # the claim expired and a repeat answered first
        platform.storage.delete(key)
    return response


@router.post(
    "/uploads",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadTicket,
    responses=IDEMPOTENT,
)
def request_upload(
    body: UploadRequest,
    project: OwnedProject,
    session: SessionDep,
    platform: PlatformDep,
    idempotency: IdempotencyDep,
):
    """Step 1 of a direct upload to S3: a presigned PUT URL for a new, pending asset."""
    if (first := idempotency.claim(session)) is not None:
        return first
    if body.size_bytes > platform.settings.max_upload_bytes:
        raise InputError(
            "size_bytes",
            f"{body.size_bytes} bytes; the limit is {platform.settings.max_upload_bytes}",
        )
    asset_id = uuid.uuid4()
    key = _raw_key(project, asset_id, safe_name(body.filename, Path(body.filename).suffix.lower()))
    ticket = platform.storage.presigned_put(key, body.content_type)
    if ticket is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "direct uploads need S3 storage here; POST the file as multipart",
        )
    asset = crud.assets.create(
        session,
        project,
        id=asset_id,
        filename=safe_name(body.filename),
        storage_key=key,
        status=AssetStatus.pending,
    )
    answer = UploadTicket(
        asset=AssetOut.model_validate(asset), expires_in=platform.settings.presign_seconds, **ticket
    )
    return idempotency.commit(session, answer)


@router.post("/{asset_id}/confirm", response_model=AssetOut)
def confirm_upload(
    asset_id: uuid.UUID, project: OwnedProject, session: SessionDep, platform: PlatformDep
) -> AssetOut:
    """Step 3: the file was PUT; read it in full and make it an asset (or refuse and delete it)."""
    asset = _found(session, project, asset_id)
    if asset.status == AssetStatus.ready:
        return AssetOut.model_validate(asset)
    storage = platform.storage
    session.commit()  # no database lock is held while the file is read
    if not storage.exists(asset.storage_key):
        raise HTTPException(
            status.HTTP_409_CONFLICT, "nothing was uploaded to this asset's URL yet"
        )
    try:
        size = storage.size(asset.storage_key)
        if size > platform.settings.max_upload_bytes:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"file: larger than {platform.settings.max_upload_bytes} bytes, the limit",
            )
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "upload"
            storage.get_file(asset.storage_key, path)
            info = _inspect(platform, path)
    except (InputError, HTTPException):
        storage.delete(asset.storage_key)
        crud.assets.delete(session, asset)
        session.commit()
        raise
    _describe(asset, info, size)
    session.commit()
    return AssetOut.model_validate(asset)


@router.get("/{asset_id}", response_model=AssetOut)
def get_asset(asset_id: uuid.UUID, project: OwnedProject, session: SessionDep) -> AssetOut:
    return AssetOut.model_validate(_found(session, project, asset_id))


@router.get(
    "/{asset_id}/content",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_asset(
    asset_id: uuid.UUID, project: OwnedProject, session: SessionDep, platform: PlatformDep
):
    """The file itself: streamed from local storage, or a redirect to a presigned S3 URL."""
    asset = _found(session, project, asset_id)
    if asset.status != AssetStatus.ready:
        raise HTTPException(status.HTTP_409_CONFLICT, "the upload was not confirmed yet")
    return stream_or_redirect(platform, asset.storage_key, asset.filename, asset.content_type)


@router.get(
    "/{asset_id}/picture",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}}},
)
def asset_picture(
    asset_id: uuid.UUID, project: OwnedProject, session: SessionDep, platform: PlatformDep
):
    """What a character's look shows: an image as it is, a character sheet's character picture
    (PNG). The cast's mouth point is given in this picture's pixels."""
    asset = _found(session, project, asset_id)
    if asset.status != AssetStatus.ready:
        raise HTTPException(status.HTTP_409_CONFLICT, "the upload was not confirmed yet")
    if asset.kind == AssetKind.image:
        return stream_or_redirect(platform, asset.storage_key, asset.filename, asset.content_type)
    if asset.kind != AssetKind.sheet:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the asset has no picture")
    from pipelines.characters.sheet import character_picture  # OpenCV loads only here

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / asset.filename
        platform.storage.get_file(asset.storage_key, path)
        picture = character_picture(path, "asset_id")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return Response(buffer.getvalue(), media_type="image/png")


@router.delete("/{asset_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_asset(
    asset_id: uuid.UUID, project: OwnedProject, session: SessionDep, platform: PlatformDep
) -> Response:
    asset = _found(session, project, asset_id)
    key = asset.storage_key
    crud.assets.delete(session, asset)
    session.commit()
    platform.storage.delete(key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- the design document's flat paths ---------------------------------------------------------


@files.get("", response_model=Page[AssetOut])
def list_mine(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    project_id: uuid.UUID | None = Query(None, description="only this project's assets"),
) -> Page[AssetOut]:
    """Your assets across your projects, oldest first (or one project's)."""
    items, total = crud.assets.list_owned(
        session, user.id, project_id=project_id, offset=page.offset, limit=page.limit
    )
    return Page(
        items=[AssetOut.model_validate(a) for a in items],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )


@files.post(
    "/upload", status_code=status.HTTP_201_CREATED, response_model=AssetOut, responses=IDEMPOTENT
)
def upload_to_project(
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    idempotency: IdempotencyDep,
    project_id: uuid.UUID = Form(description="the project the file belongs to"),
    file: UploadFile = File(
        description="an image (JPEG, PNG, WebP), an audio track, a character sheet (zip), "
        "subtitles (SRT/WebVTT) or a translated script (UTF-8 text, one line per spoken line)"
    ),
):
    """Upload a file into a project (as POST /projects/{id}/assets)."""
    project = get_project(project_id, session, user)
    return upload_asset(project, session, platform, idempotency, file)


@files.delete("/{asset_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_by_id(
    asset_id: uuid.UUID, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> Response:
    """Delete one of your assets, its file with it."""
    asset = crud.users.visible_to(session, user, Asset, asset_id)
    if asset is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "asset not found")
    key = asset.storage_key
    crud.assets.delete(session, asset)
    session.commit()
    platform.storage.delete(key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
