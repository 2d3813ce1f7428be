"""A project's film: its settings checked by the film request's own rules, and the parameters
of the jobs made from the project (its script, settings, images and storyboard).

Every check runs before anything is written, and names the field as the caller sent it
(`settings.duration`, `storyboard.scenes.0.shots.1.asset_id`).
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import HTTPException, status
from PIL import Image
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import crud
from db.models import Asset, AssetKind, AssetStatus, Project, Storyboard, User
from infra.storage import Storage
from pipelines.errors import InputError
from pipelines.pictures import load_image
from serve_apps.api import media
from serve_apps.api.platform import Platform
from serve_apps.api.schemas.projects import FilmSettings
from serve_apps.jobs import spec
from serve_apps.jobs.storyboard import plan_of, shots


def asset_ref(asset: Asset, name: str | None = None) -> dict[str, str]:
    """How a job finds an asset; `name`: the file name it is rendered under (else its own)."""
    ref = {"asset_id": str(asset.id), "key": asset.storage_key, "filename": asset.filename}
    return ref | ({"name": name} if name else {})


def ref_path(ref: dict[str, str]) -> Path:
    """The path standing in for a ref's file at submit: its name is the one the job uses."""
    return Path(ref.get("name") or PurePosixPath(ref["key"]).name)


def check_tier(user: User, platform: Platform, tier: str) -> None:
    if tier != "studio":
        return
    if user.tier != "pro":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "tier: the studio tier needs a pro subscription"
        )
    if platform.settings.models_dir is None and not platform.engines:
        raise InputError("tier", "the studio tier is not available on this server (no models)")


def music_ref(
    session: Session, project: Project, music: str | uuid.UUID, field: str = "music"
) -> str | dict[str, str]:
    """ "generated", "none", or the ref of a ready audio asset of the project."""
    if not isinstance(music, uuid.UUID):
        try:
            music = uuid.UUID(str(music)) if music not in ("generated", "none") else music
        except ValueError:
            raise InputError(field, f"{music!r} is not generated, none or an asset id") from None
    if isinstance(music, str):
        return music
    track = crud.assets.ready_in(session, project, [music]).get(music)
    if track is None or track.kind != AssetKind.audio:
        raise InputError(field, f"{music} is not a ready audio track of this project")
    return asset_ref(track)


def ready_assets(
    session: Session,
    project: Project,
    wanted: dict[str, tuple[Any, AssetKind | tuple[AssetKind, ...], str]],
    field: str,
) -> dict[str, Asset]:
    """`wanted`: key → (asset id, the kind or kinds it may be, that in words) → key → the ready
    asset of this project; InputError naming `field.key` for an id that is not one."""
    ids: dict[str, uuid.UUID] = {}
    for key, (asset_id, _, _) in wanted.items():
        try:
            ids[key] = uuid.UUID(str(asset_id))
        except ValueError:
            raise InputError(f"{field}.{key}", f"{asset_id!r} is not an asset id") from None
    assets = crud.assets.ready_in(session, project, list(ids.values()))
    found = {}
    for key, (_, kinds, words) in wanted.items():
        asset = assets.get(ids[key])
        if asset is None or asset.kind not in (kinds if isinstance(kinds, tuple) else (kinds,)):
            raise InputError(f"{field}.{key}", f"{ids[key]} is not a ready {words} of this project")
        found[key] = asset
    return found


# a subtitle file, or a script of one line per spoken line: the pipeline reads either by suffix
TRANSLATION_KINDS = (AssetKind.subtitles, AssetKind.text)


def translation_refs(
    session: Session, project: Project, translations: dict[str, Any], field: str = "translations"
) -> dict[str, dict[str, str]]:
    """Language → the ref of a ready subtitles or text asset of the project (the user's own
    translation for that language); InputError naming `field.LANG` for an id that is not one."""
    wanted = {
        language: (asset_id, TRANSLATION_KINDS, "subtitles (SRT/WebVTT) or text asset")
        for language, asset_id in translations.items()
    }
    assets = ready_assets(session, project, wanted, field)
    # named by its content's type, not the uploader's name: the pipeline reads it by its suffix
    return {
        language: asset_ref(
            asset, f"translation-{language}{media.EXTENSIONS.get(asset.content_type or '', '')}"
        )
        for language, asset in assets.items()
    }


def translation_paths(refs: dict[str, dict[str, str]]) -> dict[str, Path]:
    """The paths standing in for the translations' files at submit."""
    return {language: ref_path(ref) for language, ref in refs.items()}


LOOK_KINDS = {
    "sheet": (AssetKind.sheet, "character sheet (zip)"),
    "portrait": (AssetKind.image, "image"),
}


def cast_refs(
    session: Session,
    platform: Platform,
    project: Project,
    cast: dict[str, Any],
    field: str = "cast",
) -> dict[str, dict[str, Any]]:
    """The cast's sheets and portraits as the job finds them (`spec`'s `looks`): each a ready
    asset of this project of the look's kind, else 422 naming `field.NAME.asset`; its mouth
    point on its picture or a face found there, else 422 naming `field.NAME.mouth`."""
    chosen = {name: c for name, c in cast.items() if c.get("look", "drawn") != "drawn"}
    wanted = {f"{name}.asset": (c["asset"], *LOOK_KINDS[c["look"]]) for name, c in chosen.items()}
    assets = ready_assets(session, project, wanted, field)
    for name, c in chosen.items():
        mouth = tuple(c["mouth"]) if c.get("mouth") else None
        check_mouth(platform, assets[f"{name}.asset"], c["look"], mouth, f"{field}.{name}.mouth")
    return {
        name.upper(): {
            "look": c["look"],
            **asset_ref(assets[f"{name}.asset"]),
            "mouth": list(c["mouth"]) if c.get("mouth") else None,
        }
        for name, c in chosen.items()
    }


def check_mouth(
    platform: Platform, asset: Asset, look: str, mouth: tuple[int, int] | None, field: str
) -> None:
    """Refuse, naming `field`, a mouth point outside the look's picture, or no mouth point
    where the face detector finds no face on it: the job would fail on either, later."""
    if look == "portrait" and mouth is not None and asset.width and asset.height:
        # the stored size is the file's, before its EXIF turn: either way round is the picture
        if _inside(mouth, (asset.width, asset.height)) or _inside(
            mouth, (asset.height, asset.width)
        ):
            return
        raise InputError(field, _outside(mouth, (asset.width, asset.height)))
    try:
        if mouth is None:
            found = _face_found(platform.storage, asset.storage_key, look)
        else:
            size = _picture_size(platform.storage, asset.storage_key, look)
    except InputError as exc:  # a stored file the job could not read either
        raise InputError(field, exc.message) from None
    if mouth is None and not found:
        raise InputError(
            field,
            f"no face found on the {look}'s picture; give the mouth point as [x, y] in the "
            "picture's pixels",
        )
    if mouth is not None and not _inside(mouth, size):
        raise InputError(field, _outside(mouth, size))


def _inside(point: tuple[int, int], size: tuple[int, int]) -> bool:
    return 0 <= point[0] < size[0] and 0 <= point[1] < size[1]


def _outside(point: tuple[int, int], size: tuple[int, int]) -> str:
    return (
        f"mouth point [{point[0]}, {point[1]}] is outside the {size[0]}x{size[1]} picture; "
        "give it in the picture's pixels"
    )


def _picture(storage: Storage, key: str, look: str) -> Image.Image:
    """The picture the mouth point is given on: the portrait upright, or the sheet's
    character picture (as the job reads them)."""
    from pipelines.characters.sheet import character_picture  # OpenCV loads only here

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / PurePosixPath(key).name
        storage.get_file(key, path)
        if look == "sheet":
            return character_picture(path, "asset")
        return load_image(path, "asset")


# Kept per stored file (never rewritten under its key): reading a sheet and finding a face
# take a fraction of a second, and a project's settings are checked on every save.


@lru_cache(maxsize=512)
def _picture_size(storage: Storage, key: str, look: str) -> tuple[int, int]:
    return _picture(storage, key, look).size


@lru_cache(maxsize=512)
def _face_found(storage: Storage, key: str, look: str) -> bool:
    """Whether the job's face detector finds a face on the look's picture."""
    from pipelines.characters.sheet import detect_face

    return detect_face(_picture(storage, key, look)) is not None


def portrait_ids(cast: dict[str, Any]) -> set[str]:
    """The image assets the cast uses as portraits (not pictures for the shots)."""
    return {str(c["asset"]) for c in cast.values() if c.get("look") == "portrait"}


def reference_refs(
    session: Session, project: Project, ids: dict[str, Any], field: str = "references"
) -> dict[str, dict[str, str]]:
    """CHARACTER → the ref of a ready image asset of the project (`references`)."""
    wanted = {name: (asset_id, AssetKind.image, "image") for name, asset_id in ids.items()}
    assets = ready_assets(session, project, wanted, field)
    return {
        name.upper(): asset_ref(asset, f"{name.upper()}{PurePosixPath(asset.storage_key).suffix}")
        for name, asset in assets.items()
    }


def reference_paths(refs: dict[str, dict[str, str]]) -> dict[str, Path]:
    """The paths standing in for the references' files at submit."""
    return {name: ref_path(ref) for name, ref in refs.items()}


@dataclass
class CheckedSettings:
    """Settings checked as a film request, with the assets they name resolved once: what a
    job's params take (`spec`'s music, translations, looks and references)."""

    values: dict[str, Any]  # every setting present, as the project keeps them
    music: str | dict[str, str]
    translations: dict[str, dict[str, str]]
    looks: dict[str, dict[str, Any]]
    references: dict[str, dict[str, str]]

    def asset_params(self) -> dict[str, Any]:
        """A job's params for the assets the settings name."""
        return {
            "music": self.music,
            "translations": self.translations,
            "looks": self.looks,
            "references": self.references,
        }


def resolve_settings(
    session: Session, platform: Platform, project: Project, settings: dict[str, Any]
) -> CheckedSettings:
    """The settings checked as a film request (the CLI's rules and words), with `settings.`
    before the field, and the assets they name."""
    try:
        values = FilmSettings.model_validate(settings).model_dump(mode="json")
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(f"settings.{where}", err["msg"]) from None
    music = music_ref(session, project, values["music"], "settings.music")
    translations = translation_refs(
        session, project, values["translations"], "settings.translations"
    )
    looks = cast_refs(session, platform, project, values["cast"], "settings.cast")
    refs = reference_refs(session, project, values["references"], "settings.references")
    try:
        spec.film_request(
            {**values, "script": "."},  # the settings alone: the script is checked on its own
            images=[],
            music=ref_path(music) if isinstance(music, dict) else music,
            references=reference_paths(refs),
            settings=platform.settings,
            translations=translation_paths(translations),
        )
    except InputError as exc:
        raise InputError(f"settings.{exc.field}", exc.message) from None
    return CheckedSettings(values, music, translations, looks, refs)


def check_settings(
    session: Session, platform: Platform, project: Project, settings: dict[str, Any]
) -> dict[str, Any]:
    """The settings, every one present, as the project keeps them (`resolve_settings`)."""
    return resolve_settings(session, platform, project, settings).values


SETTING_NAMES = tuple(FilmSettings.model_fields)


def _film_fields(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in settings.items()
        if name not in ("music", "translations", "cast", "references")
    }


def project_images(
    session: Session, project: Project, leave_out: set[str] = frozenset()
) -> list[dict[str, str]]:
    """Every ready image of the project but `leave_out` (ids: the cast's portraits), oldest
    first: the pictures a storyboard deals."""
    rows = session.scalars(
        select(Asset)
        .where(
            Asset.project_id == project.id,
            Asset.status == AssetStatus.ready,
            Asset.kind == AssetKind.image,
        )
        .order_by(Asset.created_at, Asset.id)
    )
    return [asset_ref(asset) for asset in rows if str(asset.id) not in leave_out]


def storyboard_params(
    session: Session, platform: Platform, user: User, project: Project
) -> dict[str, Any]:
    """A storyboard job for the project: its script and settings, its images dealt by scene
    (or named by `[[image: NAME]]` notes)."""
    if not project.script.strip():
        raise InputError("script", "the project has no script yet; PUT or PATCH it first")
    checked = resolve_settings(session, platform, project, project.settings or {})
    settings = checked.values
    check_tier(user, platform, settings["tier"])
    # the cast's portraits and the characters' references are not pictures for the shots
    leave_out = portrait_ids(settings["cast"]) | {str(i) for i in settings["references"].values()}
    images = project_images(session, project, leave_out)
    params = {
        **_film_fields(settings),
        "script": project.script,
        "images": images,
        **checked.asset_params(),
        "settings": settings,
        "storyboard": {"make": "all"},
    }
    _check(params, platform, images, checked.music)
    return params


def plan_params(
    session: Session,
    platform: Platform,
    user: User,
    project: Project,
    board: Storyboard,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """A job that renders (or redraws a still of) the storyboard exactly as it is: its plan,
    each shot's picture named by its asset, the project's settings."""
    checked = resolve_settings(session, platform, project, settings)
    settings = checked.values
    check_tier(user, platform, settings["tier"])
    wanted = {uuid.UUID(s["asset_id"]) for s in shots(board.document) if s.get("asset_id")}
    assets = crud.assets.ready_in(session, project, list(wanted))
    for s, scene in enumerate(board.document["scenes"]):
        for k, shot in enumerate(scene["shots"]):
            asset = assets.get(uuid.UUID(shot["asset_id"])) if shot.get("asset_id") else None
            if shot.get("asset_id") and (asset is None or asset.kind != AssetKind.image):
                raise InputError(
                    f"storyboard.scenes.{s}.shots.{k}.asset_id",
                    f"{shot['asset_id']} is no longer a ready image of this project",
                )
    names = {str(a.id): f"{a.id}{PurePosixPath(a.storage_key).suffix}" for a in assets.values()}
    images = [asset_ref(asset, names[str(asset.id)]) for asset in assets.values()]
    params = {
        **_film_fields(settings),
        # the plan is rendered, not the script; a request still carries one
        "script": project.script if project.script.strip() else board.document["title"],
        "images": images,
        **checked.asset_params(),
        "settings": settings,
        "plan": plan_of(board.document, names.__getitem__),
        "from": "storyboard",
        "storyboard_version": board.version,
    }
    _check(params, platform, images, checked.music)
    return params


def _check(params, platform: Platform, images, music) -> None:
    """The pipeline's own checks, with the refs standing in for the files."""
    spec.film_request(
        params,
        images=[ref_path(image) for image in images],
        music=ref_path(music) if isinstance(music, dict) else music,
        references=reference_paths(params["references"]),
        settings=platform.settings,
        translations=translation_paths(params["translations"]),
    )
