"""`filmstudio`: render a film from a script on this machine, list voices, check model dirs.

    filmstudio render SCRIPT [--image FILE ...|--images DIR] [--music FILE|generated|none]
        [--voice NAME=VOICE ...] [--language CODE] [--duration SECONDS] [--size WxH]
        [--fps 24] [--burn-subtitles] [--seed N] [-o OUT.mp4]
    filmstudio voices [--language CODE]
    filmstudio models check DIR
    filmstudio admin backup DIR|s3://BUCKET/PREFIX
    filmstudio admin restore DIR|s3://BUCKET/PREFIX

Bad input prints one line naming the field and the limit and exits with code 2.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
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


@app.command()
def render(
    script: Annotated[Path, typer.Argument(help="Fountain screenplay or plain prose")],
    image: Annotated[list[Path], typer.Option("--image", help="an image (repeatable)")] = (),
    images: Annotated[
        Path | None, typer.Option(help="a folder of images, used in name order")
    ] = None,
    music: Annotated[str, typer.Option(help="a music file, 'generated' or 'none'")] = "generated",
    voice: Annotated[list[str], typer.Option("--voice", help="CHARACTER=VOICE (repeatable)")] = (),
    language: Annotated[str, typer.Option(help="language code, see `filmstudio voices`")] = "en",
    duration: Annotated[float, typer.Option(help="film length in seconds")] = 60.0,
    size: Annotated[
        str, typer.Option(help="1280x720, 1920x1080, 1080x1920 or 1080x1080")
    ] = "1280x720",
    fps: Annotated[int, typer.Option(help="frames per second")] = 24,
    burn_subtitles: Annotated[
        bool, typer.Option("--burn-subtitles", help="draw subtitles into the picture")
    ] = False,
    narrate_action: Annotated[bool, typer.Option(help="the narrator reads action lines")] = True,
    seed: Annotated[int, typer.Option(help="seed for pictures, motion and music")] = 0,
    tier: Annotated[str, typer.Option(help="draft (CPU, no weights) or studio (models)")] = "draft",
    models: Annotated[Path | None, typer.Option(help="studio tier: local model directory")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="the MP4 to write")] = None,
) -> None:
    """Render SCRIPT into an MP4 with .srt, .vtt and .jpg (thumbnail) beside it."""
    from infra.ray_local import ray_session
    from pipelines.orchestrator import STAGES, render_film
    from pipelines.request import make_request

    try:
        request = make_request(
            script=_read_script(script),
            images=_collect_images(image, images),
            music=music if music in ("generated", "none") else Path(music),
            voices=_parse_voices(voice),
            language=language,
            duration=duration,
            size=size,
            fps=fps,
            burn_subtitles=burn_subtitles,
            narrate_action=narrate_action,
            seed=seed,
            tier=tier,
            models_dir=models,
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
        with Progress(*columns, console=console, transient=True) as bars, ray_session() as stop:
            tasks = {stage: bars.add_task(stage, total=100, note="") for stage in STAGES}

            def progress(stage: str, percent: float, message: str) -> None:
                if stop.is_set():  # Ctrl-C, even if a library swallowed its KeyboardInterrupt
                    raise KeyboardInterrupt
                start, end = STAGES[stage]
                for earlier in list(STAGES)[: list(STAGES).index(stage)]:
                    bars.update(tasks[earlier], completed=100)
                bars.update(
                    tasks[stage],
                    completed=(percent - start) / (end - start) * 100,
                    note=message[:48],
                )

            result = render_film(request, out, progress=progress)
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


@app.command()
def voices(
    language: Annotated[str | None, typer.Option(help="only this language")] = None,
) -> None:
    """List the voices per language (names for --voice CHARACTER=NAME)."""
    from pipelines import voice

    try:
        found = voice.list_voices(language)
    except InputError as error:
        _fail(error)
    table = Table("voice", "language", "engine", "variant", "pitch", "rate")
    for v in found:
        table.add_row(v.name, v.language, v.engine, v.variant or "", str(v.pitch), str(v.rate))
    Console().print(table)


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
