"""A job's parameters, as stored with it, turned into the pipeline's FilmRequest.

The API calls this at submit (with the assets' keys standing in for files) so a bad request is
refused with 422 before any credit is reserved; the worker calls it again with the downloaded
files. Both get the pipeline's own checks and words; only field names differ where the API's
do (`image_ids` for the pipeline's `images`, `cast.NAME` for a character's sheet or portrait).

`params["looks"]`: the cast's sheets and portraits as asset refs (NAME → {"look", "asset_id",
"key", "filename", "mouth"}), resolved by the API from `cast`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.settings import Settings
from pipelines import script, visuals
from pipelines.errors import InputError
from pipelines.request import OPTION_NAMES, DurationLimits, FilmRequest, make_request

API_FIELDS = {"images": "image_ids"}

FILM_FIELDS = OPTION_NAMES  # what a job stores of the film besides its files


def film_request(
    params: dict[str, Any],
    *,
    images: list[Path],
    music: str | Path,
    settings: Settings,
    translations: dict[str, Path] | None = None,
    look_files: dict[str, Path] | None = None,
    references: dict[str, Path] | None = None,
) -> FilmRequest:
    """The FilmRequest for these parameters, within the server's duration limits, every picture
    its plan or its script's `[[image: NAME]]` notes name among `images` (by file name); with
    `params["plan"]`, a plan to render as it is; `translations`: the user's own, by language;
    `look_files`: each look's downloaded file (left out: the refs' file names stand in);
    `references`: each character's reference picture (the stored params keep their assets'
    refs). InputError names the API's field."""
    fields = {name: params[name] for name in FILM_FIELDS if name in params}
    fields["references"] = {name: str(path) for name, path in (references or {}).items()}
    looks = params.get("looks") or {}
    files = look_files or {name: Path(ref["filename"]) for name, ref in looks.items()}
    mouths = dict(fields.pop("character_mouths", None) or {})
    mouths |= {name: tuple(ref["mouth"]) for name, ref in looks.items() if ref.get("mouth")}
    limits = DurationLimits(settings.min_duration, settings.max_duration)
    try:
        request = make_request(
            limits,
            **fields,
            images=images,
            music=music,
            models_dir=settings.models_dir,
            plan=params.get("plan"),
            translations=translations or {},
            character_mouths=mouths,
            character_sheets={n: files[n] for n, r in looks.items() if r["look"] == "sheet"},
            character_portraits={n: files[n] for n, r in looks.items() if r["look"] == "portrait"},
        )
        plan = request.plan or script.analyze(request.script, narrate_action=request.narrate_action)
        visuals.choose(plan, [path.name for path in images])
        for name in looks:
            if name.upper() not in {c.upper() for c in plan.characters}:
                raise InputError(
                    f"cast.{name}",
                    f"no character {name!r} in the script; it has "
                    f"{', '.join(plan.characters) or 'none'}",
                )
        return request
    except InputError as exc:
        head, dot, rest = exc.field.partition(".")
        for kind in ("character_sheets[", "character_portraits["):  # NAME's look: cast.NAME
            if exc.field.startswith(kind):
                raise InputError(f"cast.{exc.field[len(kind) : -1]}", exc.message) from None
        raise InputError(API_FIELDS.get(head, head) + dot + rest, exc.message) from None
