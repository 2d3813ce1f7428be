"""`filmstudio`: render a film from a script on this machine, list voices, check model dirs.

    filmstudio render SCRIPT [--image FILE ...|--images DIR] [--music FILE|generated|none]
        [--voice NAME=VOICE ...] [--language CODE] [--duration SECONDS] [--size WxH]
        [--fps 24] [--burn-subtitles] [--subtitles en,es,hi] [--dub es]
        [--translation LANG=FILE ...] [--burn-language es] [--seed N] [-o OUT.mp4]
        [--tier studio --models DIR [--reference CHARACTER=PICTURE ...]]
    filmstudio voices [--language CODE]
    filmstudio voices --say TEXT VOICE [-o OUT.wav]
    filmstudio models check DIR
    filmstudio admin backup DIR|s3://BUCKET/PREFIX
    filmstudio admin restore DIR|s3://BUCKET/PREFIX
    filmstudio youtube connect|channels --email EMAIL
    filmstudio publish FILM.mp4 --email EMAIL --channel CHANNEL --title TITLE [--privacy …]
        [--playlist NAME|--playlist-id ID] [--captions [LANG=]FILE.srt ...] [--thumbnail JPG]

Bad input prints one line naming the field and the limit and exits with code 2.
"""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Literal, get_origin

import typer
from rich.console import Console
from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bars
from rich.table import Table

from pipelines.errors import InputError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="AI Film Studio: script → film.")
models_app = typer.Typer(no_args_is_help=True, help="Studio-tier model directories.")
app.add_typer(models_app, name="models")
admin_app = typer.Typer(no_args_is_help=True, help="Operating the platform: backups.")
app.add_typer(admin_app, name="admin")
crm_app = typer.Typer(no_args_is_help=True, help="The Salesforce CRM sync.")
app.add_typer(crm_app, name="crm")
youtube_app = typer.Typer(no_args_is_help=True, help="YouTube channels of a studio account.")
app.add_typer(youtube_app, name="youtube")
console = Console(stderr=True)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def _fail(error: InputError) -> None:
    print(f"error: {error}", file=sys.stderr)
    raise typer.Exit(2)


def _read_script(path: Path | None, field: str = "script") -> str:
    """The file's text ("" without a file)."""
    if path is None:
        return ""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(field, f"cannot read {path}: {reason}") from None


def _collect_images(images: list[Path], images_dir: Path | None) -> list[Path]:
    found = list(images)
    if images_dir is not None:
        if not images_dir.is_dir():
            raise InputError("images", f"{images_dir} is not a directory")
        found += sorted(p for p in images_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    return found


def _parse_voices(pairs: list[str]) -> dict[str, str]:
    voices = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError("voice", f"{pair!r} is not NAME=VOICE (e.g. MARA=en/f2)")
        voices[name.strip().upper()] = value.strip()
    return voices


def _parse_characters(pairs: list[str]) -> dict[str, dict]:
    """--character NAME=SHEET.zip[@X,Y] or NAME=PHOTO.jpg[@X,Y] → the request's
    character_sheets or character_portraits (by file type) and character_mouths."""
    from pipelines.characters.portrait import is_portrait

    sheets, portraits, mouths = {}, {}, {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        path, at, point = value.strip().rpartition("@") if "@" in value else (value, "", "")
        name = name.strip().upper()
        if not sep or not name or not path.strip():
            raise InputError("character", f"{pair!r} is not NAME=SHEET.zip (e.g. IRIS=iris.zip)")
        chosen = portraits if is_portrait(Path(path.strip())) else sheets
        chosen[name] = Path(path.strip())
        if at:
            x, comma, y = point.partition(",")
            if not comma or not x.strip().isdigit() or not y.strip().isdigit():
                raise InputError("character", f"{pair!r}: the mouth point is @X,Y in pixels")
            mouths[name] = (int(x), int(y))
    return {
        "character_sheets": sheets,
        "character_portraits": portraits,
        "character_mouths": mouths,
    }


def _parse_references(pairs: list[str]) -> dict[str, str]:
    """--reference NAME=PICTURE → the request's references, each picture a file."""
    references = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name, path = name.strip().upper(), Path(value.strip())
        if not sep or not name or not value.strip():
            raise InputError("reference", f"{pair!r} is not NAME=PICTURE (e.g. IRIS=iris.png)")
        if not path.is_file():
            raise InputError(f"references[{name}]", f"{path} is not a file")
        references[name] = str(path)
    return references


def _parse_translations(pairs: list[str]) -> dict[str, Path]:
    """LANG=FILE pairs → {language: file}, each file present."""
    files = {}
    for pair in pairs:
        language, sep, name = pair.partition("=")
        if not sep or not language.strip() or not name.strip():
            raise InputError("translation", f"{pair!r} is not LANG=FILE (e.g. es=film.es.srt)")
        path = Path(name.strip())
        if not path.is_file():
            raise InputError(f"translations[{language.strip()}]", f"{path} is not a file")
        files[language.strip()] = path
    return files


# The options that carry files or pairs are the CLI's own; the rest are the film's options
# (`pipelines.request.FilmOptions`), each a flag with the model's default and description.
FILE_OPTIONS = [
    (
        "script",
        Annotated[
            Path | None,
            typer.Argument(
                help="Fountain screenplay or plain prose (left out with --from-document, or "
                "with --narration to transcribe the recording)"
            ),
        ],
        None,
    ),
    (
        "from_document",
        Annotated[
            Path | None,
            typer.Option(help="a document (Markdown/text) the LLM turns into a two-host show"),
        ],
        None,
    ),
    ("image", Annotated[list[Path], typer.Option("--image", help="an image (repeatable)")], ()),
    (
        "images",
        Annotated[Path | None, typer.Option(help="a folder of images, in name order")],
        None,
    ),
    (
        "music",
        Annotated[
            str,
            typer.Option(help="a music file, 'generated', 'tanpura', 'tanpura+tabla' or 'none'"),
        ],
        "generated",
    ),
    (
        "narration",
        Annotated[Path | None, typer.Option(help="your recording as the voice (up to 5 min)")],
        None,
    ),
    (
        "voice",
        Annotated[list[str], typer.Option("--voice", help="CHARACTER=VOICE (repeatable)")],
        (),
    ),
    (
        "character",
        Annotated[
            list[str],
            typer.Option(
                "--character",
                help="CHARACTER=SHEET.zip or CHARACTER=PHOTO.jpg (a portrait), "
                "@X,Y after it for the mouth point (repeatable)",
            ),
        ],
        (),
    ),
    (
        "reference",
        Annotated[
            list[str],
            typer.Option(
                "--reference",
                help="studio tier: CHARACTER=PICTURE, whose look every still of them takes "
                "(repeatable)",
            ),
        ],
        (),
    ),
    (
        "translation",
        Annotated[
            list[str],
            typer.Option("--translation", help="LANG=FILE: your own SRT/VTT/script (repeatable)"),
        ],
        (),
    ),
    (
        "models",
        Annotated[Path | None, typer.Option(help="studio tier: local model directory")],
        None,
    ),
    (
        "output",
        Annotated[Path | None, typer.Option("-o", "--output", help="the MP4 to write")],
        None,
    ),
    (
        "stream",
        Annotated[
            Path | None,
            typer.Option(help="also write the film as HLS (DIR/index.m3u8) while it renders"),
        ],
        None,
    ),
]
# read from a file, given as --voice pairs, given in --character pairs, --reference pairs
NOT_FLAGS = ("script", "from_document", "voices", "character_mouths", "references")


def _film_option_parameters() -> list[inspect.Parameter]:
    from pipelines.request import FilmOptions

    params = []
    for name, info in FilmOptions.model_fields.items():
        if name in NOT_FLAGS:
            continue
        kind = str if get_origin(info.annotation) is Literal else info.annotation
        option = typer.Option(help=info.description)
        params.append(
            inspect.Parameter(
                name,
                KEYWORD,
                annotation=Annotated[kind, option],
                default=info.get_default(call_default_factory=True),
            )
        )
    return params


def render(**given) -> None:
    """Render SCRIPT into an MP4 with .srt, .vtt and .jpg (thumbnail) beside it."""
    from infra.progress import StageEvent
    from infra.ray_local import ray_session
    from infra.settings import get_settings
    from pipelines.orchestrator import STAGES, render_film
    from pipelines.request import MUSIC_CHOICES, OPTION_NAMES, DurationLimits, make_request
    from pipelines.stream import FolderPublisher

    script, output = given["script"], given["output"]
    settings = get_settings()
    try:
        request = make_request(
            DurationLimits(settings.min_duration, settings.max_duration),
            **{name: given[name] for name in OPTION_NAMES if name not in NOT_FLAGS},
            script=_read_script(script),
            from_document=_read_script(given["from_document"], "from_document"),
            voices=_parse_voices(given["voice"]),
            **_parse_characters(given["character"]),
            references=_parse_references(given["reference"]),
            images=_collect_images(given["image"], given["images"]),
            music=given["music"] if given["music"] in MUSIC_CHOICES else Path(given["music"]),
            models_dir=given["models"],
            translations=_parse_translations(given["translation"]),
            narration=given["narration"],
        )
    except InputError as error:
        _fail(error)
    named = script or given["from_document"] or given["narration"]
    out = output or Path((named.stem if named else "film") + ".mp4")
    if request.podcast and named and out.with_suffix(".txt").resolve() == Path(named).resolve():
        # the episode's transcript is OUT.txt: it would overwrite a show.txt script
        _fail(InputError("output", f"{out.with_suffix('.txt')} is the script; choose another -o"))

    started = time.perf_counter()
    columns = (
        TextColumn("{task.description:<9}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[note]}"),
    )
    try:
        with Bars(*columns, console=console, transient=True) as bars, ray_session() as stop:
            tasks = {stage: bars.add_task(stage, total=100, note="") for stage in STAGES}

            def progress(event: StageEvent) -> None:
                if stop.is_set():  # Ctrl-C, even if a library swallowed its KeyboardInterrupt
                    raise KeyboardInterrupt
                start, end = STAGES[event.stage]
                done = 100 if event.kind == "end" else (event.percent - start) / (end - start) * 100
                bars.update(tasks[event.stage], completed=done, note=event.message[:48])

            stream = FolderPublisher(given["stream"]) if given["stream"] else None
            result = render_film(request, out, progress=progress, stream=stream)
    except InputError as error:
        _fail(error)
    except KeyboardInterrupt:
        console.print("[yellow]cancelled[/yellow]: nothing was written")
        raise typer.Exit(130) from None
    took = time.perf_counter() - started
    print(f"film:      {result.video}")
    print(f"subtitles: {result.srt}  {result.vtt}")
    for language, (srt, vtt) in result.tracks.items():
        print(f"  {language + ':':<8} {srt}  {vtt}")
    print(f"thumbnail: {result.thumbnail}")
    for name, picture in result.references.items():  # give it back: --reference NAME=PICTURE
        print(f"reference: {name}={picture}")
    if result.podcast:
        print(f"podcast:   {result.podcast.m4a}  {result.podcast.mp3}  {result.podcast.transcript}")
    for warning in result.warnings:
        console.print(f"[yellow]warning[/yellow]: {warning}")
    print(f"{result.duration:g} s film in {took:.1f} s ({result.duration / took:.1f}x real time)")


KEYWORD = inspect.Parameter.KEYWORD_ONLY
render.__signature__ = inspect.Signature(
    [
        inspect.Parameter(name, KEYWORD, annotation=annotation, default=default)
        for name, annotation, default in FILE_OPTIONS
    ]
    + _film_option_parameters()
)
app.command()(render)


# Command-line players tried in turn to play a preview: (program, its arguments before the file).
PLAYERS = (
    ("pw-play", ()),
    ("paplay", ()),
    ("aplay", ("-q",)),
    ("afplay", ()),
    ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "quiet")),
    ("play", ("-q",)),
)
PREVIEW_FILE = Path("preview.wav")
PLAY_TIMEOUT_S = 30  # a preview is at most 10 s; a player stuck on a missing device gives up


@app.command()
def voices(
    name: Annotated[
        str | None, typer.Argument(metavar="[VOICE]", help="the voice --say speaks with: hi/m3")
    ] = None,
    language: Annotated[str | None, typer.Option(help="only this language")] = None,
    say: Annotated[
        str | None, typer.Option("--say", help="hear VOICE say this (up to 200 characters)")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="write the WAV here instead of playing it")
    ] = None,
) -> None:
    """List the voices per language (names for --voice CHARACTER=NAME), or hear one with --say.

    With --say and no -o the clip plays on the first player found (pw-play, paplay, aplay,
    afplay, ffplay, play); with none it is written to ./preview.wav.
    """
    from pipelines import voice

    try:
        if say is None:
            if name is not None or output is not None:
                raise InputError("say", "give --say TEXT to hear a voice: voices --say TEXT VOICE")
            found = voice.list_voices(language)
        else:
            if name is None:
                raise InputError("voice", "name the voice to hear: voices --say TEXT VOICE")
            if language and "/" not in name:
                name = f"{language}/{name}"
            clip = voice.preview(name, say)
            if output is not None:
                _write_atomically(output, clip)
                print(f"{output}: {_seconds(clip):.1f} s of {name}")
            elif not _play(clip):
                _write_atomically(PREVIEW_FILE, clip)
                players = ", ".join(program for program, _ in PLAYERS)
                print(
                    f"no audio player or sound output ({players}): wrote {PREVIEW_FILE.resolve()}"
                )
            return
    except InputError as error:
        _fail(error)
    table = Table("voice", "language", "engine", "variant", "pitch", "rate")
    for v in found:
        table.add_row(v.name, v.language, v.engine, v.variant or "", str(v.pitch), str(v.rate))
    Console().print(table)


def _seconds(wav: bytes) -> float:
    import io
    import wave

    with wave.open(io.BytesIO(wav)) as clip:
        return clip.getnframes() / clip.getframerate()


def _write_atomically(path: Path, data: bytes) -> None:
    """`data` at `path`, written under a temporary name and renamed: never half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InputError("output", f"cannot write {path}: {exc.strerror or exc}") from None


def _audio_output() -> bool:
    """Whether this machine has somewhere to play sound: a sound card or a sound server.

    Players "succeed" on a headless Linux box (ffplay exits 0 with no card), so ask first.
    """
    if sys.platform != "linux":
        return True
    runtime = Path(os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}")
    sockets = (runtime / "pulse" / "native", runtime / "pipewire-0")
    return (
        Path("/dev/snd").is_dir()
        or bool(os.environ.get("PULSE_SERVER"))
        or any(s.exists() for s in sockets)
    )


def _play(wav: bytes) -> bool:
    """Play `wav` on the first player on PATH; False if there is none, no sound output, or
    the player fails."""
    if not _audio_output():
        return False
    for program, arguments in PLAYERS:
        found = shutil.which(program)
        if found is None:
            continue
        with tempfile.TemporaryDirectory(prefix="filmstudio-preview-") as folder:
            clip = Path(folder) / "preview.wav"
            clip.write_bytes(wav)
            try:
                played = subprocess.run(  # noqa: S603 (a player found on PATH, our own file)
                    [found, *arguments, str(clip)],
                    check=False,
                    timeout=PLAY_TIMEOUT_S,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ).returncode
            except (OSError, subprocess.TimeoutExpired):
                played = None
        if played == 0:
            print(f"played {_seconds(wav):.1f} s with {program}")
            return True
    return False


@models_app.command("check")
def models_check(directory: Annotated[Path, typer.Argument(help="local model directory")]) -> None:
    """Report which studio engines DIRECTORY can serve and what is missing."""
    from infra.settings import get_settings
    from pipelines.engines.check import check_models_dir

    table = Table("engine", "ready", "path", "missing", "uses")
    statuses = check_models_dir(directory)
    for s in statuses:
        table.add_row(
            s.engine,
            "yes" if s.ready else "no",
            str(s.path),
            ", ".join(s.missing),
            "; ".join(s.notes),
        )
    Console().print(table)
    settings = get_settings()
    if settings.llm_base_url:  # the chat API plans films before any local LLM (never the key)
        Console().print(f"llm: the chat API at {settings.llm_base_url} ({settings.llm_model})")
    if not any(s.ready for s in statuses):
        raise typer.Exit(1)


@admin_app.command("backup")
def admin_backup(
    target: Annotated[
        str, typer.Argument(help="a new (or empty) directory, or s3://bucket/prefix")
    ],
) -> None:
    """Back up the database and the media (the settings' DATABASE_URL and storage)."""
    from db.backup import BackupError, backup
    from infra.settings import Settings

    try:
        manifest = backup(Settings(), target)
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        raise typer.Exit(2) from None
    files = manifest["files"]
    size = sum(f["size"] for f in files.values())
    print(f"backed up the {manifest['database']['kind']} database and {len(files) - 1} media files")
    print(f"{target}: {size} bytes, SHA-256 of each in {target.rstrip('/')}/manifest.json")


@admin_app.command("restore")
def admin_restore(
    source: Annotated[str, typer.Argument(help="a backup's directory or s3://bucket/prefix")],
) -> None:
    """Restore a backup onto an empty database and the media storage, checksums checked first."""
    from db.backup import BackupError, restore
    from infra.settings import Settings

    try:
        manifest = restore(Settings(), source)
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        raise typer.Exit(2) from None
    print(
        f"restored the backup of {manifest['created_at']}: {len(manifest['files'])} files checked"
    )


@crm_app.command("status")
def crm_status() -> None:
    """How far behind Salesforce is: outbox depth, oldest pending change, dead letters."""
    from db import crud
    from db.base import utcnow
    from db.session import Database
    from infra.settings import Settings

    settings = Settings()
    with Database(settings.database_url).session(write=False) as session:
        state = crud.outbox.status(session)
    print(f"Salesforce: {'configured' if settings.salesforce_configured else 'not configured'}")
    age = f"{(utcnow() - state.oldest_pending_at).total_seconds():.1f} s" if state.pending else "-"
    print(f"pending: {state.pending} (oldest {age}); last success: {state.last_success_at or '-'}")
    for row in state.dead:
        print(f"dead #{row.id} {row.kind} {row.record_id}: {row.error}")


@crm_app.command("backfill")
def crm_backfill() -> None:
    """Queue every existing user, project, ledger entry and publication (idempotent)."""
    from db import crud
    from db.session import Database
    from infra.settings import Settings

    with Database(Settings().database_url).transaction() as session:
        added = crud.outbox.backfill(session)
    print(f"queued {added} records for Salesforce")


@crm_app.command("sync")
def crm_sync() -> None:
    """Send what is due now and apply new grants made in Salesforce, then exit."""
    from crm import sync
    from crm.client import Client
    from db.session import Database
    from infra.settings import Settings

    settings = Settings()
    if not settings.salesforce_configured:
        print(
            "error: Salesforce is not configured (FILMSTUDIO_SALESFORCE_* settings)",
            file=sys.stderr,
        )
        raise typer.Exit(2)
    db, client = Database.from_settings(settings), Client(settings)
    drained = sync.drain(db, client)
    applied, _ = sync.apply_grants(db, client)
    print(
        f"sent {drained.sent}, dead-lettered {drained.dead}, waiting {drained.waiting}; "
        f"applied {applied} grants from Salesforce"
    )


# --- YouTube: connect a channel (device flow), list channels, publish a film ------------------

EMAIL_OPTION = typer.Option(
    "--email",
    envvar="FILMSTUDIO_EMAIL",
    help="the studio account to act for (its e-mail in the configured database)",
)
THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024  # YouTube's long-standing limit (newer docs say 50 MB)


def _studio(email: str):
    from cluster.publishing import Studio
    from infra.settings import get_settings

    return Studio(get_settings(), email)


@youtube_app.command("connect")
def youtube_connect(email: Annotated[str, EMAIL_OPTION]) -> None:
    """Connect a YouTube channel to the account: shows a code to enter at Google, waits for
    your approval there, then stores the channel (its tokens encrypted) for the account."""

    def show(device) -> None:
        print(f"Open {device.verification_url} and enter the code {device.user_code}")
        console.print(f"waiting for approval at Google (the code expires in {device.expires_in} s)")

    try:
        with _studio(email) as studio:
            channel = studio.connect(show)
    except InputError as error:
        _fail(error)
    except KeyboardInterrupt:
        console.print("[yellow]cancelled[/yellow]: no channel was connected")
        raise typer.Exit(130) from None
    print(f"connected {channel.title} ({channel.channel_id}) as channel {channel.id}")


@youtube_app.command("channels")
def youtube_channels(email: Annotated[str, EMAIL_OPTION]) -> None:
    """List the account's connected channels (ids for `filmstudio publish --channel`)."""
    try:
        with _studio(email) as studio:
            found = studio.channels()
    except InputError as error:
        _fail(error)
    if not found:
        print("no channel connected: run `filmstudio youtube connect`")
    for c in found:  # one line each, whole (no table wrapping the ids)
        print(f"{c.id}  {c.channel_id}  {c.status:<15}  {c.title}")


def _captions(given: list[str], language: str | None):
    """Caption tracks from `LANG=FILE` or `FILE` (`film.fr.srt` is French; else --language)."""
    from youtube.publish import Caption

    tracks = []
    for item in given:
        code, sep, name = item.partition("=")
        if not sep:
            code, name = "", item
        path = Path(name)
        parts = path.name.split(".")
        if not code:
            code = parts[-2] if len(parts) > 2 and 2 <= len(parts[-2]) <= 8 else language or "en"
        if path.suffix.lower() != ".srt":
            raise InputError("captions", f"{name} is not an .srt file")
        if not path.is_file():
            raise InputError("captions", f"file {name} not found")
        if code in {t.language for t in tracks}:
            raise InputError("captions", f"two caption files for language {code}")
        tracks.append(Caption(code, path))
    return tracks


def _chapters(given: list[str]) -> list[tuple[float, str]]:
    chapters = []
    for item in given:
        stamp, _, title = item.strip().partition(" ")
        try:
            parts = [int(p) for p in stamp.split(":")]
            if not 2 <= len(parts) <= 3 or any(p < 0 for p in parts):
                raise ValueError
        except ValueError:
            raise InputError(
                "chapter", f"{item!r} is not 'M:SS Title' (e.g. '1:05 The cliff')"
            ) from None
        seconds = 0
        for part in parts:
            seconds = seconds * 60 + part
        chapters.append((float(seconds), title.strip() or "Scene"))
    return chapters


def _file(path: Path | None, name: str, limit: int | None = None) -> Path | None:
    if path is None:
        return None
    if not path.is_file():
        raise InputError(name, f"file {path} not found")
    if limit is not None and path.stat().st_size > limit:
        raise InputError(
            name, f"{path} is {path.stat().st_size} bytes; the limit is {limit} bytes (2 MiB)"
        )
    return path


def publish(**given) -> None:
    """Publish FILM (an MP4) to a connected channel: resumable upload in 8 MiB chunks, then
    the thumbnail, caption tracks and playlist. Stopped or killed part-way, the same command
    resumes from the last byte YouTube acknowledged; run again once done, it says so (--again
    publishes another copy)."""
    from infra.settings import get_settings
    from youtube.metadata import MetadataError
    from youtube.options import OPTION_NAMES, make_options

    film: Path = given["film"]
    settings = get_settings()
    try:
        if not film.is_file():
            raise InputError("film", f"file {film} not found")
        try:
            options = make_options(**{n: given[n] for n in OPTION_NAMES if given[n] is not None})
        except MetadataError as exc:
            raise InputError(exc.field, exc.message) from None
        from cluster.publishing import plan_for, read_state, state_name

        plan = plan_for(
            options,
            film,
            settings,
            title=options.title or film.stem,
            chapters=_chapters(given["chapter"]),
            thumbnail=_file(given["thumbnail"], "thumbnail", THUMBNAIL_MAX_BYTES),
            captions=_captions(given["captions"], options.language),
        )
        with _studio(given["email"]) as studio:
            channel = studio.channel(options.channel)
            state_file = settings.var_dir.resolve() / "publish" / state_name(film, channel)
            if given["again"]:
                state_file.unlink(missing_ok=True)
            before = read_state(state_file)
            if before.get("video_id") and before.get("done"):
                print(f"already published: {before['url']} (--again publishes another copy)")
                return
            state = _publish_with_bar(studio, channel, plan, state_file, film.stat().st_size)
    except InputError as error:
        _fail(error)
    except KeyboardInterrupt:
        console.print("[yellow]stopped[/yellow]: run the same command again to resume the upload")
        raise typer.Exit(130) from None
    print(f"published: {state['url']}")
    for step, result in state["steps"].items():
        if step == "captions":
            for code, track in result.items():
                print(f"  captions {code}: {'ok' if track['ok'] else track.get('error')}")
        elif step != "upload":
            print(f"  {step}: {'ok' if result.get('ok') else result.get('error')}")


def _publish_with_bar(studio, channel, plan, state_file: Path, size: int) -> dict:
    from rich.progress import DownloadColumn, TransferSpeedColumn

    from cluster.publishing import read_state, write_state

    columns = (
        TextColumn("{task.description:<9}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
    )
    with Bars(*columns, console=console, transient=True) as bars:
        upload = bars.add_task("upload", total=size)

        def progress(stage: str, percent: float, message: str) -> None:
            bars.update(upload, completed=size * percent / 100)

        state = studio.publish(channel, plan, state_file, progress)
    write_state(state_file, {**read_state(state_file), **state, "done": True})
    return state


# The options that carry files are the CLI's own; the rest are the publish options
# (`youtube.options.PublishOptions`), each a flag with the model's default and description.
PUBLISH_FILE_OPTIONS = [
    ("film", Annotated[Path, typer.Argument(help="the MP4 to publish")], ...),
    ("email", Annotated[str, EMAIL_OPTION], ...),
    (
        "captions",
        Annotated[
            list[str],
            typer.Option("--captions", help="[LANG=]FILE.srt, a caption track (repeatable)"),
        ],
        (),
    ),
    ("thumbnail", Annotated[Path | None, typer.Option(help="a JPEG ≤ 2 MiB (1280×720)")], None),
    (
        "chapter",
        Annotated[
            list[str], typer.Option("--chapter", help="'M:SS Title', a chapter (repeatable)")
        ],
        (),
    ),
    (
        "again",
        Annotated[bool, typer.Option(help="publish another copy of a published film")],
        False,
    ),
]
REQUIRED_PUBLISH_FLAGS = ("channel", "title")


def _publish_option_parameters() -> list[inspect.Parameter]:
    from youtube.options import PublishOptions

    params = []
    for name, info in PublishOptions.model_fields.items():
        annotation = info.annotation
        if annotation not in (bool, list[str]):
            annotation = str | None  # parsed by the model (Literal choices, ISO dates)
        default = (
            ... if name in REQUIRED_PUBLISH_FLAGS else info.get_default(call_default_factory=True)
        )
        if annotation is not bool and name not in REQUIRED_PUBLISH_FLAGS:
            default = None if annotation != list[str] else ()
        option = typer.Option(help=info.description)
        params.append(
            inspect.Parameter(
                name, KEYWORD, annotation=Annotated[annotation, option], default=default
            )
        )
    return params


publish.__signature__ = inspect.Signature(
    [
        inspect.Parameter(name, KEYWORD, annotation=annotation, default=default)
        for name, annotation, default in PUBLISH_FILE_OPTIONS
    ]
    + _publish_option_parameters()
)
app.command()(publish)


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    except SystemExit as done:
        _exit(done.code)


def _exit(code: int | str | None) -> None:
    """Exit with `code`, also where a stage was still running beside the others.

    A render refused or cancelled part-way can leave one of the stages that run in daemon
    threads (the music bed, the mix, the thumbnail) inside numpy's or scipy's C++ code. Python's
    shutdown ends such a thread with pthread_exit, which C++ turns into std::terminate:
    "terminate called without an active exception" and exit 134 instead of 2 (3 runs in 4 of
    a script too long for its --duration, here). So while such a thread runs, the process
    ends here without that shutdown: its output flushed, Ray already stopped by `ray_session`.
    """
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    if any(t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)
    sys.exit(code)


if __name__ == "__main__":
    main()
