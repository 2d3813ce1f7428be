"""What each kind of job does, given its context: inputs in, outputs to storage, a result out.

* script     — the plan of a script (scenes, shots, lines, characters, mood).
* storyboard — the plan and one still per shot, kept under generated/{job}/storyboard/; for a
               project (`params["storyboard"]`), its storyboard document too, or one shot's
               redrawn still, which the job's success keeps as the project's
               (db.crud.storyboards). The character references it drew are kept as a video
               job's are.
* video      — the film: MP4, SRT, VTT and thumbnail under final/{job}/, and its HLS stream
               under final/{job}/stream/, published segment by segment while it renders. Each
               character reference the studio drew (their first still) is stored as a new
               image asset's file (`result["references"]`), which the job's success makes an
               asset of the project and its `references` setting (db.crud.assets).
* publish    — a finished film to a YouTube channel (serve_apps/jobs/publish.py).

A film's stage outputs (the orchestrator's work dir) are copied to storage under
generated/{job}/work/ each time a stage finishes, and copied back before a retried attempt,
so the retry resumes from the last finished stage — on this machine or another.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from db.models import JobKind
from infra.progress import Progress, StageEvent, Stages
from infra.settings import Settings
from infra.storage import MEDIA_TYPES, Storage, object_key
from pipelines import references
from pipelines import stream as stream_mod
from pipelines.errors import InputError
from pipelines.orchestrator import STAGES, Cancelled, render_film, storyboard
from pipelines.request import FilmRequest
from pipelines.script import analyze
from serve_apps.jobs import spec
from serve_apps.jobs.storyboard import document_of

__all__ = ["WORK", "Cancelled", "JobContext"]

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    """One attempt at one job: who and what it is for, where its files go, whom to tell."""

    job_id: uuid.UUID
    owner_id: uuid.UUID
    project_id: uuid.UUID
    kind: JobKind
    params: dict[str, Any]
    attempt: int
    last_attempt: bool
    settings: Settings
    storage: Storage
    workspace: Path  # this job's local scratch; the same path on every attempt
    progress: Progress
    engines: dict[str, Any] = field(default_factory=dict)
    # Told the live stream's URL once its first segment is published (the runner's events).
    on_stream: Callable[[str], None] | None = None

    def key(self, area: str, *parts: str) -> str:
        return object_key(self.owner_id, self.project_id, area, *parts)

    @property
    def stages_prefix(self) -> str:
        return self.key("generated", str(self.job_id), "work") + "/"

    def film_request(self) -> FilmRequest:
        """Download the job's images, music, translations, cast looks and references next to it,
        then build the request.

        Files land at fixed names in the workspace, so every attempt builds the same request
        and the orchestrator finds the stage outputs it keyed by it. An image keeps its name
        (`name`, else the asset's file name): notes and plans name pictures by it.
        """
        inputs = self.workspace / "inputs"
        images = [
            self._fetch(
                item,
                inputs / f"image-{i:03d}" / PurePosixPath(item.get("name") or item["filename"]),
                f"image_ids[{i}]",
            )
            for i, item in enumerate(self.params.get("images", []))
        ]
        music = self.params.get("music", "generated")
        if isinstance(music, dict):
            music = self._fetch(music, inputs / "music", "music")
        translations = {
            language: self._fetch(
                item,
                inputs / item.get("name", f"translation-{language}"),
                f"translations.{language}",
            )
            for language, item in self.params.get("translations", {}).items()
        }
        looks = {  # the cast's sheets and portraits
            name: self._fetch(ref, inputs / f"look-{i:02d}" / ref["filename"], f"cast.{name}.asset")
            for i, (name, ref) in enumerate(sorted(self.params.get("looks", {}).items()))
        }
        references = {
            name: self._fetch(ref, inputs / "references" / name, f"references.{name}")
            for name, ref in (self.params.get("references") or {}).items()
        }
        return spec.film_request(
            self.params,
            images=images,
            music=music,
            settings=self.settings,
            translations=translations,
            look_files=looks,
            references=references,
        )

    def _fetch(self, item: dict[str, str], stem: Path, field_name: str) -> Path:
        path = stem if stem.suffix else stem.with_suffix(PurePosixPath(item["key"]).suffix.lower())
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            if not self.storage.exists(item["key"]):
                raise InputError(field_name, f"asset {item['asset_id']} was deleted")
            self.storage.get_file(item["key"], path)
        return path

    def studio_engines(self, request: FilmRequest):
        """The model deployments bound into the ingress, for a studio-tier request (None: the
        orchestrator loads engines from the model directory, or takes the draft path)."""
        if request.tier != "studio" or not self.engines:
            return None
        from pipelines.engines import StudioEngines

        return StudioEngines.from_handles(self.engines)

    def upload(self, path: Path, key: str) -> str:
        self.storage.put_file(key, path, MEDIA_TYPES.get(path.suffix))
        return key

    def keep_reference(self, name: str, path: Path) -> dict[str, Any]:
        """A drawn reference (PNG) stored as the file of a new image asset of the project: the
        asset's fields, made a row by the job's success (`db.crud.assets.keep_references`)."""
        from PIL import Image

        asset_id = uuid.uuid4()
        filename = references.file_name(name)  # reference-MARA.png
        key = self.upload(path, self.key("raw", str(asset_id), filename))
        with Image.open(path) as picture:
            width, height = picture.size
        return {
            "asset_id": str(asset_id),
            "key": key,
            "filename": filename,
            "size_bytes": path.stat().st_size,
            "width": width,
            "height": height,
        }

    def clean_up(self) -> None:
        """The job is over: drop its scratch and its kept stage outputs (best effort)."""
        shutil.rmtree(self.workspace, ignore_errors=True)
        try:
            self.storage.delete_prefix(self.stages_prefix)
        except Exception:
            log.exception("job %s: could not delete its kept stage outputs", self.job_id)


def stream_url(job_id: uuid.UUID | str) -> str:
    """Where the API serves a video job's live HLS playlist (serve_apps/api/routes/stream.py)."""
    return f"/api/v1/jobs/{job_id}/stream/{stream_mod.PLAYLIST}"


class StoragePublisher:
    """A render's HLS stream published into storage under `prefix` (the film's final/ folder) as
    it is made; `on_first_playlist` is called once the first segment is listed."""

    def __init__(
        self, storage: Storage, prefix: str, on_first_playlist: Callable[[], None] | None = None
    ):
        self.storage, self.prefix = storage, prefix
        self.on_first_playlist = on_first_playlist
        self._announced = False
        self.closed = False  # the playlist has its #EXT-X-ENDLIST: the stream is whole

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.storage.put_bytes(self.prefix + name, data, content_type)
        self.closed = name == stream_mod.PLAYLIST and data.rstrip().endswith(b"#EXT-X-ENDLIST")
        if name == stream_mod.PLAYLIST and not self._announced:
            self._announced = True
            if self.on_first_playlist is not None:
                self.on_first_playlist()

    def discard(self, names: list[str]) -> None:
        for name in names:
            self.storage.delete(self.prefix + name)


class StageOutputs:
    """Keeps the orchestrator's work dir in storage: restored before, saved after each stage."""

    def __init__(self, storage: Storage, directory: Path, prefix: str):
        self.storage, self.directory, self.prefix = storage, directory, prefix
        self._saved: dict[Path, tuple[int, int]] = {}

    def restore(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for key in self.storage.list(self.prefix):
            path = self.directory / key.removeprefix(self.prefix)
            if not path.exists():
                self.storage.get_file(key, path)
            self._saved[path] = self._stamp(path)

    def save(self) -> None:
        """Upload finished files that changed (the orchestrator writes them whole, then renames)."""
        for path in sorted(self.directory.rglob("*")):
            if not path.is_file() or path.suffix in (".tmp", ".part"):
                continue
            if self._saved.get(path) != (stamp := self._stamp(path)):
                self.storage.put_file(
                    self.prefix + path.relative_to(self.directory).as_posix(), path
                )
                self._saved[path] = stamp

    def saving_between_stages(self, progress: Progress) -> Progress:
        """`progress`, saving the work dir each time a stage ends."""

        def listener(event: StageEvent) -> None:
            if event.kind == "end":
                self.save()
            progress(event)

        return listener

    @staticmethod
    def _stamp(path: Path) -> tuple[int, int]:
        stat = path.stat()
        return stat.st_size, stat.st_mtime_ns


def run_script(ctx: JobContext) -> dict[str, Any]:
    with Stages(STAGES, ctx.progress).stage("analysis", "reading the script") as report:
        plan = analyze(ctx.params["script"], narrate_action=ctx.params.get("narrate_action", True))
        report(1, f"{len(plan.scenes)} scenes, {len(plan.shots)} shots, {len(plan.lines)} lines")
    return {"plan": asdict(plan)}


def run_storyboard(ctx: JobContext) -> dict[str, Any]:
    request = ctx.film_request()
    project = ctx.params.get("storyboard") or {}  # a project's storyboard, or one shot's redraw
    redraw = project.get("redraw")
    board = storyboard(
        request,
        ctx.workspace / "stills",
        progress=ctx.progress,
        engines=ctx.studio_engines(request),
        shots=[redraw["index"]] if redraw else None,
    )
    outputs = {
        path.stem: ctx.upload(path, ctx.key("generated", str(ctx.job_id), "storyboard", path.name))
        for path in board.stills
    }
    result = {
        "outputs": outputs,
        "references": {
            name: ctx.keep_reference(name, path) for name, path in board.references.items()
        },
        "plan": asdict(board.plan),  # the plan the stills came from
    }
    if redraw:
        result["still"] = {"shot_id": redraw["shot_id"], "key": next(iter(outputs.values()))}
    elif project:
        asset_of = {
            image.get("name") or image["filename"]: image["asset_id"]
            for image in reversed(ctx.params.get("images", []))  # the first of a name wins
        }
        pictures = [asset_of[name] if name else None for name in board.pictures]
        result["storyboard"] = document_of(result["plan"], pictures, list(outputs.values()))
    return result


def run_video(ctx: JobContext) -> dict[str, Any]:
    request = ctx.film_request()
    stages = StageOutputs(ctx.storage, ctx.workspace / "stages", ctx.stages_prefix)
    stages.restore()
    final = str(ctx.job_id)
    announce = ctx.on_stream and partial(ctx.on_stream, stream_url(ctx.job_id))
    publisher = StoragePublisher(ctx.storage, ctx.key("final", final, "stream") + "/", announce)
    try:
        film = render_film(
            request,
            ctx.workspace / "out" / "film.mp4",
            work_dir=stages.directory,
            progress=stages.saving_between_stages(ctx.progress),
            engines=ctx.studio_engines(request),
            stream=publisher,
        )
    except BaseException as exc:
        # Nothing half-published stays. A whole stream stays for a retry, which resumes from
        # the encoded film (and so publishes no stream of its own).
        retried = not (ctx.last_attempt or isinstance(exc, (Cancelled, InputError)))
        if not (publisher.closed and retried):
            ctx.storage.delete_prefix(ctx.key("final", final) + "/")
        raise
    outputs = {
        "film": ctx.upload(film.video, ctx.key("final", final, "film.mp4")),
        "srt": ctx.upload(film.srt, ctx.key("final", final, "film.srt")),
        "vtt": ctx.upload(film.vtt, ctx.key("final", final, "film.vtt")),
        "thumbnail": ctx.upload(film.thumbnail, ctx.key("final", final, "thumbnail.jpg")),
    }
    for language, (srt, vtt) in film.tracks.items():  # extra subtitle tracks: srt-es, vtt-es
        outputs[f"srt-{language}"] = ctx.upload(srt, ctx.key("final", final, srt.name))
        outputs[f"vtt-{language}"] = ctx.upload(vtt, ctx.key("final", final, vtt.name))
    if film.podcast:  # `podcast`: the audio-only episode and its transcripts
        episode = {
            "podcast-m4a": film.podcast.m4a,
            "podcast-mp3": film.podcast.mp3,
            "transcript": film.podcast.transcript,
            "transcript-json": film.podcast.transcript_json,
        }
        for name, path in episode.items():
            outputs[name] = ctx.upload(path, ctx.key("final", final, "podcast" + path.suffix))
    return {
        "outputs": outputs,
        "references": {
            name: ctx.keep_reference(name, path) for name, path in film.references.items()
        },
        "duration": film.duration,
        "language": request.speech_language,  # of the speech and its own subtitles (srt, vtt)
        "plan": asdict(film.plan),
        "chapters": [{"start": start, "title": title} for start, title in film.chapters],
    }


def run_publish(ctx: JobContext) -> dict[str, Any]:
    from serve_apps.jobs.publish import publish  # the Google client loads only for publishing

    return publish(ctx)


WORK: dict[JobKind, Callable[[JobContext], dict[str, Any]]] = {
    JobKind.script: run_script,
    JobKind.storyboard: run_storyboard,
    JobKind.video: run_video,
    JobKind.publish: run_publish,
}
