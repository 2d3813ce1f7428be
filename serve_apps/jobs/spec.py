"""A job's parameters, as stored with it, turned into the pipeline's FilmRequest.

The API calls this at submit (with the assets' keys standing in for files) so a bad request is
refused with 422 before any credit is reserved; the worker calls it again with the downloaded
files. Both get the pipeline's own checks and words; only field names differ where the API's
do (`image_ids` for the pipeline's `images`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.errors import InputError
from pipelines.request import FilmRequest, make_request

API_FIELDS = {"images": "image_ids"}

FILM_FIELDS = (
    "script",
    "voices",
    "language",
    "duration",
    "size",
    "fps",
    "burn_subtitles",
    "narrate_action",
    "seed",
    "tier",
)


def film_request(
    params: dict[str, Any],
    *,
    images: list[Path],
    music: str | Path,
    models_dir: Path | None = None,
) -> FilmRequest:
    """The FilmRequest for these parameters; InputError names the API's field."""
    fields = {name: params[name] for name in FILM_FIELDS if name in params}
    try:
        return make_request(**fields, images=images, music=music, models_dir=models_dir)
    except InputError as exc:
        head, dot, rest = exc.field.partition(".")
        raise InputError(API_FIELDS.get(head, head) + dot + rest, exc.message) from None
