"""A job's parameters, as stored with it, turned into the pipeline's FilmRequest.

The API calls this at submit (with the assets' keys standing in for files) so a bad request is
refused with 422 before any credit is reserved; the worker calls it again with the downloaded
files. Both get the pipeline's own checks and words; only field names differ where the API's
do (`image_ids` for the pipeline's `images`).
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
    references: dict[str, Path] | None = None,
) -> FilmRequest:
    """The FilmRequest for these parameters, within the server's duration limits, every picture
    its plan or its script's `[[image: NAME]]` notes name among `images` (by file name); with
    `params["plan"]`, a plan to render as it is; `references`: each character's reference
    picture (the stored params keep their assets' refs). InputError names the API's field."""
    fields = {name: params[name] for name in FILM_FIELDS if name in params}
    fields["references"] = {name: str(path) for name, path in (references or {}).items()}
    limits = DurationLimits(settings.min_duration, settings.max_duration)
    try:
        request = make_request(
            limits,
            **fields,
            images=images,
            music=music,
            models_dir=settings.models_dir,
            plan=params.get("plan"),
        )
        plan = request.plan or script.analyze(request.script, narrate_action=request.narrate_action)
        visuals.choose(plan, [path.name for path in images])
        return request
    except InputError as exc:
        head, dot, rest = exc.field.partition(".")
        raise InputError(API_FIELDS.get(head, head) + dot + rest, exc.message) from None
