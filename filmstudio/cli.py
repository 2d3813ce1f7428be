"""`filmstudio`: render a film from a script on this machine, list voices, check model dirs.

    filmstudio render SCRIPT [--image FILE ...|--images DIR] [--music FILE|generated|none]
        [--voice NAME=VOICE ...] [--language CODE] [--duration SECONDS] [--size WxH]
        [--fps 24] [--burn-subtitles] [--seed N] [-o OUT.mp4]
    filmstudio voices [--language CODE]
    filmstudio voices --say TEXT VOICE [-o OUT.wav]
    filmstudio models check DIR
    filmstudio admin backup DIR|s3://BUCKET/PREFIX
    filmstudio admin restore DIR|s3://BUCKET/PREFIX

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
console = Console(stderr=True)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def _fail(error: InputError) -> None:
    print(f"error: {error}", file=sys.stderr)
    raise typer.Exit(2)


def _read_script(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError("script", f"cannot read {path}: {reason}") from None


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
    """--character NAME=SHEET.zip[@X,Y] → the request's character_sheets and character_mouths."""
    sheets, mouths = {}, {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        path, at, point = value.strip().rpartition("@") if "@" in value else (value, "", "")
        name = name.strip().upper()
        if not sep or not name or not path.strip():
            raise InputError("character", f"{pair!r} is not NAME=SHEET.zip (e.g. IRIS=iris.zip)")
        sheets[name] = Path(path.strip())
        if at:
            x, comma, y = point.partition(",")
            if not comma or not x.strip().isdigit() or not y.strip().isdigit():
                raise InputError("character", f"{pair!r}: the mouth point is @X,Y in pixels")
            mouths[name] = (int(x), int(y))
    return {"character_sheets": sheets, "character_mouths": mouths}


# The options that carry files or pairs are the CLI's own; the rest are the film's options
# (`pipelines.request.FilmOptions`), each a flag with the model's default and description.
FILE_OPTIONS = [
    ("script", Annotated[Path, typer.Argument(help="Fountain screenplay or plain prose")], ...),
    ("image", Annotated[list[Path], typer.Option("--image", help="an image (repeatable)")], ()),
    (
        "images",
        Annotated[Path | None, typer.Option(help="a folder of images, in name order")],
        None,
    ),
    (
        "music",
        Annotated[str, typer.Option(help="a music file, 'generated' or 'none'")],
        "generated",
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
                "--character", help="CHARACTER=SHEET.zip or CHARACTER=SHEET.zip@X,Y (repeatable)"
            ),
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
# read from a file, given as --voice pairs, given in --character pairs
NOT_FLAGS = ("script", "voices", "character_mouths")


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
    from pipelines.request import OPTION_NAMES, DurationLimits, make_request
    from pipelines.stream import FolderPublisher

    script, output = given["script"], given["output"]
    settings = get_settings()
    try:
        request = make_request(
            DurationLimits(settings.min_duration, settings.max_duration),
            **{name: given[name] for name in OPTION_NAMES if name not in NOT_FLAGS},
            script=_read_script(script),
            voices=_parse_voices(given["voice"]),
            **_parse_characters(given["character"]),
            images=_collect_images(given["image"], given["images"]),
            music=given["music"]
            if given["music"] in ("generated", "none")
            else Path(given["music"]),
            models_dir=given["models"],
        )
    except InputError as error:
        _fail(error)
    out = output or Path(script.stem + ".mp4")

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
    print(f"thumbnail: {result.thumbnail}")
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
    from pipelines.engines.check import check_models_dir

    table = Table("engine", "ready", "path", "missing")
    statuses = check_models_dir(directory)
    for s in statuses:
        table.add_row(s.engine, "yes" if s.ready else "no", str(s.path), ", ".join(s.missing))
    Console().print(table)
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
