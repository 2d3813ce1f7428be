"""A bulk manifest: many films, one per JSONL line or CSV row, each checked on its own.

A row names what `FilmRequest` takes — `script` (text, or a `.fountain`/`.txt`/`.md` file),
`images`, `voices`, `music`, `language`, `duration`, `size`, `fps`, … — plus an `id` (which
names the film's folder and makes re-submits resumable) and an optional `output` folder
(an absolute path or `s3://`; otherwise `--out/<id>`). File references (script, images,
music) are relative to the manifest, or absolute, or `s3://`.

    {"id": "lighthouse", "script": "scripts/lighthouse.fountain", "duration": 90}
    {"id": "haiku", "script": "An old pond. A frog jumps in.", "images": ["art/pond.jpg"]}

In CSV, lists are `;`-separated and voices are `NAME=voice` pairs:
`id,script,images,voices,duration` / `intro,intro.txt,a.png;b.png,ALICE=en-us+f3;BOB=en-gb,75`.

A `youtube` column publishes the finished film: the fields of `youtube.options.PublishOptions`
(`channel`, `privacy`, `playlist`, `title`, …), an object in JSONL, `name=value` pairs in CSV:

    {"id": "pier", "script": "pier.fountain", "youtube": {"channel": "Studio", "privacy": "unlisted"}}
    pier,pier.fountain,channel=Studio;privacy=unlisted;playlist=Weekly shorts

A bad row becomes a `BadRow` naming the field and the limit; it never stops the others.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cluster import uris
from infra.settings import get_settings
from pipelines.errors import InputError
from pipelines.request import MUSIC_CHOICES, DurationLimits, FilmRequest, make_request
from youtube import options as publish_options
from youtube.metadata import MetadataError

SCRIPT_FILES = (".fountain", ".txt", ".md", ".spmd")
REQUEST_FIELDS = tuple(name for name in FilmRequest.model_fields)
FIELDS = ("id", "output", *REQUEST_FIELDS, "youtube")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Film:
    """One valid row: the film's id, its output folder and its request fields.

    `fields` are `make_request` keywords with the script's text read in and file references
    kept as strings (absolute, relative to the working dir, or `s3://`): the row travels to
    whichever node renders it, which fetches the files there (`request`)."""

    row: int
    id: str
    output: str
    fields: dict = field(hash=False)
    youtube: dict | None = field(default=None, hash=False)  # PublishOptions, as JSON

    def request(self, fetch: Callable[[str], Path] = Path) -> FilmRequest:
        """The render request, with every file reference turned into a local path by `fetch`."""
        fields = dict(self.fields)
        fields["images"] = [fetch(ref) for ref in fields.get("images", [])]
        if fields.get("music") not in (None, *MUSIC_CHOICES):
            fields["music"] = fetch(fields["music"])
        refs = fields.get("references")
        if isinstance(refs, dict):
            fields["references"] = {name: str(fetch(ref)) for name, ref in refs.items()}
        settings = get_settings()
        return make_request(DurationLimits(settings.min_duration, settings.max_duration), **fields)

    @property
    def fingerprint(self) -> str:
        """Changes when the row changes: a re-submit renders an edited row again."""
        row = self.fields if self.youtube is None else {**self.fields, "youtube": self.youtube}
        return hashlib.sha256(json.dumps(row, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class BadRow:
    row: int
    id: str | None
    reason: str  # "duration: duration 900 s is outside 60–300 s"


@dataclass
class Manifest:
    films: list[Film]
    bad: list[BadRow]


class ManifestError(ValueError):
    """The manifest as a whole cannot be read (missing, unknown format, bad CSV header)."""


def read_manifest(uri: str, *, out: str | None = None) -> Manifest:
    """Read and check every row of the manifest at `uri` (a local path or `s3://`).

    `out` is the default output root: a row without `output` renders to `out/<id>`."""
    if not uris.exists(uri):
        raise ManifestError(f"manifest {uri} not found")
    suffix = Path(uri).suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise ManifestError(f"manifest {uri} must end in .jsonl or .csv")
    text = uris.read_text(uri)
    rows = _jsonl_rows(text) if suffix == ".jsonl" else _csv_rows(text)
    base = uris.parent(str(uri)) or "."
    films: list[Film] = []
    bad: list[BadRow] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        try:
            film = _film(number, raw, base, out)
            if film.id in seen:
                raise InputError(
                    "id", f"{film.id!r} repeats row {seen[film.id]}; give each row its own id"
                )
            seen[film.id] = number
            films.append(film)
        except InputError as exc:
            row_id = raw.get("id") if isinstance(raw, dict) else None
            bad.append(BadRow(number, row_id if isinstance(row_id, str) else None, str(exc)))
    return Manifest(films, bad)


# --- rows ---------------------------------------------------------------------------------


def _jsonl_rows(text: str) -> Iterator[dict | InputError]:
    """Each non-blank line's object, or the error that line is."""
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError("row", f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        yield row if isinstance(row, dict) else InputError("row", "is not a JSON object")


def _csv_rows(text: str) -> Iterator[dict]:
    reader = csv.DictReader(io.StringIO(text))
    unknown = [name for name in reader.fieldnames or [] if name not in FIELDS]
    if unknown:
        raise ManifestError(
            f"CSV columns {', '.join(unknown)} are not known; columns are {', '.join(FIELDS)}"
        )
    for row in reader:
        cells = {
            k: v.strip() for k, v in row.items() if k is not None and v is not None and v.strip()
        }
        if "images" in cells:
            cells["images"] = [p.strip() for p in cells["images"].split(";") if p.strip()]
        if "voices" in cells:
            cells["voices"] = _voices_cell(cells["voices"])
        if "references" in cells:  # CHARACTER=PICTURE pairs
            cells["references"] = _pairs_cell(cells["references"])
        if "youtube" in cells:
            cells["youtube"] = _pairs_cell(cells["youtube"], lists=("tags",))
        yield cells


def _voices_cell(cell: str) -> dict[str, str] | str:
    pairs = [p.strip() for p in cell.split(";") if p.strip()]
    if not all("=" in p for p in pairs):
        return cell  # make_request names the field and the problem
    return {name.strip(): voice.strip() for name, voice in (p.split("=", 1) for p in pairs)}


def _pairs_cell(cell: str, lists: tuple[str, ...] = ()) -> dict | str:
    """`name=value;name=value` → a dict (a `lists` field's values are `,`-separated)."""
    pairs = [p.strip() for p in cell.split(";") if p.strip()]
    if not all("=" in p for p in pairs):
        return cell  # the options model names the field and the problem
    found = {name.strip(): value.strip() for name, value in (p.split("=", 1) for p in pairs)}
    for name in lists:
        if name in found:
            found[name] = [v.strip() for v in found[name].split(",") if v.strip()]
    return found


def _youtube(cell, title: str) -> dict | None:
    """The row's publish options, checked as YouTube would check them, as JSON."""
    if cell is None or cell == {}:
        return None
    if not isinstance(cell, dict):
        raise InputError("youtube", "must be an object of publish options (channel, privacy, …)")
    try:
        chosen = publish_options.make_options("youtube", **cell)
        publish_options.check(chosen, title=title, prefix="youtube")
    except MetadataError as exc:
        raise InputError(exc.field, exc.message) from None
    return chosen.model_dump(mode="json", exclude_defaults=True)


def _film(number: int, raw: dict | InputError, base: str, out: str | None) -> Film:
    if isinstance(raw, InputError):
        raise raw
    unknown = [k for k in raw if k not in FIELDS]
    if unknown:
        raise InputError(unknown[0], f"is not a manifest field; fields are {', '.join(FIELDS)}")
    fields = {k: v for k, v in raw.items() if k in REQUEST_FIELDS}
    script_file = _script_file(fields.get("script"), base)
    if script_file:
        fields["script"] = uris.read_text(script_file)
    if isinstance(fields.get("images"), str):
        fields["images"] = [fields["images"]]
    if isinstance(fields.get("images"), list):
        fields["images"] = [
            _asset(ref, base, f"images[{i}]") for i, ref in enumerate(fields["images"])
        ]
    if fields.get("music") not in (None, *MUSIC_CHOICES):
        fields["music"] = _asset(fields["music"], base, "music")
    if isinstance(fields.get("references"), dict):
        fields["references"] = {
            name: _asset(ref, base, f"references[{name}]")
            for name, ref in fields["references"].items()
        }
    film_id = _film_id(raw.get("id"), script_file, number)
    output = _output(raw.get("output"), out, film_id)
    film = Film(number, film_id, output, fields, _youtube(raw.get("youtube"), film_id))
    _preflight(film.request())
    return film


def _preflight(request: FilmRequest) -> None:
    """The checks a render makes before any work, made now: a row that names an unknown voice
    or language, or a character the script lacks, is refused here rather than on a node."""
    from pipelines import script, voice

    plan = script.analyze(request.script, narrate_action=request.narrate_action)
    voice.cast(plan.characters, request.language, request.voices)


def _script_file(script, base: str) -> str | None:
    """The script's file when the `script` field names one, else None (it is the text)."""
    if (
        not isinstance(script, str)
        or "\n" in script
        or not script.strip().lower().endswith(SCRIPT_FILES)
    ):
        return None
    uri = uris.resolve(script.strip(), base)
    if not uris.exists(uri):
        raise InputError("script", f"file {script.strip()} not found")
    return uri


def _asset(ref, base: str, name: str) -> str:
    if not isinstance(ref, str) or not ref.strip():
        raise InputError(name, "must be a file path or s3:// URI")
    uri = uris.resolve(ref.strip(), base)
    if not uris.exists(uri):
        raise InputError(name, f"file {ref.strip()} not found")
    return _portable(uri)


def _portable(uri: str) -> str:
    """Paths inside the working dir stay relative to it: `ray job submit --working-dir .` ships
    that folder to every node, where a task's current directory is its copy."""
    if uris.is_s3(uri):
        return uri
    path = os.path.abspath(uri)
    cwd = os.getcwd()
    return os.path.relpath(path, cwd) if path.startswith(cwd + os.sep) else path


def _film_id(given, script_file: str | None, number: int) -> str:
    if given is None or given == "":
        stem = Path(script_file).stem if script_file else f"row-{number}"
        given = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or f"row-{number}"
    if not isinstance(given, str) or not ID_PATTERN.fullmatch(given):
        raise InputError("id", f"{given!r} must be 1–64 letters, digits, '.', '_' or '-'")
    return given


def _output(given, out: str | None, film_id: str) -> str:
    if given:
        return absolute_location(str(given), "output")
    if not out:
        raise InputError("output", "no output location: pass --out or give the row an output")
    return uris.join(absolute_location(out, "--out"), film_id)


def absolute_location(uri: str, name: str) -> str:
    """An output location every node can reach: s3://, or an absolute path (a shared mount on a
    real cluster). Relative paths are taken from the current directory, except inside a Ray
    job, where that is a temporary copy of the working dir and they are refused."""
    if uris.is_s3(uri):
        return uri
    if in_ray_job() and not os.path.isabs(uri):
        # Inside `ray job submit` the current directory is a temporary copy of the working dir.
        raise InputError(
            name, f"{uri} is relative: inside a Ray job give an absolute path or s3://"
        )
    return os.path.abspath(uri)


def in_ray_job() -> bool:
    """True inside a `ray job submit` entrypoint (the job supervisor sets this variable)."""
    return "RAY_JOB_CONFIG_JSON_ENV_VAR" in os.environ
