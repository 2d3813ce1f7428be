"""The film, top to bottom: request → plan → assets → timeline → frames + mix → MP4.

`render_film` reads like a diffusers pipeline's `__call__`: numbered steps, each one call into
the stage module that owns it, with progress reported between steps. Every stage is a module of
its own (`script`, `voice`, `timeline`, `visuals`, `motion`, `music`, `mix`, `subtitles`,
`frames`, `encode`, `thumbnail`) that runs and tests alone.

Nothing is written where the user asked until the film is complete: outputs are built under
temporary names and renamed at the end, so a refused or failed render leaves nothing behind.
With a `work_dir`, each finished stage keeps its outputs there and a retried render resumes.

The draft tier needs only a CPU. The studio tier passes `engines` (a `StudioEngines`: LLM,
SDXL, SVD, TTS, MusicGen, in-process or through Ray Serve handles); stages ask them first and
fall back to the draft path where an engine is missing.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import ray

from infra import ray_local
from pipelines import (
    fonts,
    frames,
    mix,
    music,
    script,
    subtitles,
    thumbnail,
    timeline,
    visuals,
    voice,
)
from pipelines.encode import FilmEncoder, pcm16, release_freed_memory, yuv420_to_rgb
from pipelines.errors import InputError
from pipelines.plan import NARRATOR, Plan
from pipelines.request import FilmRequest

log = logging.getLogger(__name__)

Progress = Callable[[str, float, str], None]  # (stage, overall percent 0–100, message)

# Each stage's share of the overall progress bar (start %, end %), in the order they run.
STAGES: dict[str, tuple[float, float]] = {
    "analysis": (0, 3),
    "voices": (3, 12),
    "visuals": (12, 16),
    "music": (16, 22),
    "frames": (22, 96),
    "mux": (96, 100),
}
SAMPLE_RATE = 48000
# The mix's working set peaks at ~3 MB per second of film (~930 MB for 5 minutes, measured with
# tracemalloc): films up to this long are mixed beside the frames (~1 s sooner for a minute of
# film on 2 cores); longer ones first, so peak memory stays flat however long the film is.
MIX_BESIDE_FRAMES_S = 120


class Cancelled(Exception):
    """Raised from a progress callback to stop a render; partial outputs are removed."""


@dataclass
class FilmResult:
    video: Path
    srt: Path
    vtt: Path
    thumbnail: Path
    duration: float
    plan: Plan
    # (start s, scene heading) of each scene, in order: the film's chapters
    chapters: list[tuple[float, str]] = field(default_factory=list)


def render_film(
    request: FilmRequest,
    output: Path,
    *,
    work_dir: Path | None = None,
    progress: Progress | None = None,
    engines=None,
) -> FilmResult:
    """Render `request` to `output` (an .mp4) with .srt, .vtt and .jpg beside it."""
    report = _Reporter(progress)
    cache = _StageCache(work_dir, request)
    engines = engines or _studio_engines(request)
    outputs = _outputs(output)

    # 0. Check inputs: everything a user can get wrong is refused before any work or write.
    _check_writable(outputs["video"])
    fit = visuals.overscan_size((request.width, request.height))  # the largest a picture is used
    user_images = [visuals.load_image(p, f"images[{i}]", fit) for i, p in enumerate(request.images)]
    music_track = None
    if isinstance(request.music, Path):
        music_track = music.load_track(request.music, request.duration, SAMPLE_RATE)

    # 1. Analysis: script → plan of scenes, shots and spoken lines.
    report("analysis", 0, "reading the script")
    plan = cache.get("plan") or cache.put("plan", _analyze(request, engines))
    voices = voice.cast(plan.characters, request.language, request.voices)
    if request.burn_subtitles:  # refuse now if no font covers the script's writing system
        fonts.load_font(" ".join(line.text for line in plan.lines), 12)
    report(
        "analysis",
        1,
        f"{len(plan.scenes)} scenes, {len(plan.shots)} shots, {len(plan.lines)} lines",
    )

    # The music bed needs only the plan's mood and the film's length: it is made in a thread
    # beside the voices and pictures, and mixed under the speech in step 5.
    audio = cache.get("mix")
    bed = None if audio is not None else _in_background(_music, plan, request, music_track, engines)

    # 2. Voices: every line synthesized; the real audio lengths time the film.
    speech = cache.get("speech") or cache.put(
        "speech", _speak(plan, voices, request, engines, report)
    )

    # 3. Timeline: shots and lines placed, fitted to the requested duration.
    film_timeline = timeline.build_timeline(plan, _lengths(speech), request.duration)

    # 4. Visuals: a picture (or a clip) for every shot.
    report("visuals", 0, "pictures for every shot")
    pictures, picture_of_shot, clips = _pictures(plan, user_images, request, engines)
    report("visuals", 1, f"{len(pictures)} pictures")

    # 5. Music and mix: the bed ducked under speech, loudness-normalized. The frames do not need
    #    it: a short film's mix runs in a thread beside them (step 7) and the encoder takes it when
    #    ready; a long film's is made first, so its working set never adds to the frames'.
    report("music", 0, "music and mix")
    if audio is None:
        mix_args = (cache, request, film_timeline, speech, bed)
        if request.duration <= MIX_BESIDE_FRAMES_S:
            audio = _in_background(_cached_mix, *mix_args)
        else:  # held while the frames render: as 16-bit PCM, half a float mix's memory
            audio = pcm16(_cached_mix(*mix_args))
            release_freed_memory()  # the mix's working set, before the frames
    del speech, music_track, bed  # from here on only the mix is needed: keep the driver small
    report(
        "music",
        1,
        "mix at -14 LUFS" if isinstance(audio, np.ndarray) else "mixing beside the frames",
    )

    # 6. Subtitles: one cue per spoken line, timed from the speech.
    cues = subtitles.make_cues([(tl.start, tl.end, tl.line.text) for tl in film_timeline.lines])

    # 7. Frames and encode: Ray Data renders and encodes chunks, the encoder stitches them in order.
    spec = frames.frame_spec(
        film_timeline,
        picture_of_shot,
        clips,
        width=request.width,
        height=request.height,
        fps=request.fps,
        seed=request.seed,
        cues=[(c.start, c.end, c.text) for c in cues] if request.burn_subtitles else None,
    )
    thumb = _in_background(
        _thumbnail, spec, pictures, plan.title
    )  # made beside the frames, for step 8
    try:
        video_part = cache.path("film.mp4")
        if video_part is None or not video_part.exists():
            video_part = _encode(spec, pictures, audio, _part(outputs["video"]), report)
            video_part = cache.keep("film.mp4", video_part)

        # 8. Subtitles and thumbnail beside the film, then everything moves into place at once.
        report("mux", 0, "subtitles and thumbnail")
        subtitles.write_srt(cues, _part(outputs["srt"]))
        subtitles.write_vtt(cues, _part(outputs["vtt"]))
        thumbnail.save(thumb.result(), _part(outputs["thumbnail"]))
        _commit(video_part, outputs, keep_video=work_dir is not None)
    except BaseException:
        for path in outputs.values():
            _part(path).unlink(missing_ok=True)
        raise
    report("mux", 1, f"wrote {outputs['video']}")
    return FilmResult(
        **outputs, duration=request.duration, plan=plan, chapters=_chapters(plan, film_timeline)
    )


def _chapters(plan: Plan, film_timeline) -> list[tuple[float, str]]:
    """Where each scene starts, with its heading (or its number) as the title."""
    starts: dict[int, float] = {}
    for shot in film_timeline.shots:
        starts.setdefault(shot.scene_index, shot.start)
    return [
        (start, plan.scenes[index].heading or f"Scene {index + 1}")
        for index, start in sorted(starts.items())
    ]


@dataclass
class Storyboard:
    plan: Plan
    stills: list[Path]  # one JPEG per shot, in order


def storyboard(
    request: FilmRequest, out_dir: Path, *, progress: Progress | None = None, engines=None
) -> Storyboard:
    """The plan and one still per shot (JPEG), without rendering the film."""
    report = _Reporter(progress)
    engines = engines or _studio_engines(request)
    user_images = [visuals.load_image(p, f"images[{i}]") for i, p in enumerate(request.images)]
    report("analysis", 0, "reading the script")
    plan = _analyze(request, engines)
    report("visuals", 0, "pictures for every shot")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(_stills(plan, user_images, request, engines)):
        path = out_dir / f"shot-{i + 1:03d}.jpg"
        visuals.cover_fit(image, request.width, request.height).save(path, "JPEG", quality=88)
        paths.append(path)
        report("visuals", (i + 1) / len(plan.shots), path.name)
    return Storyboard(plan, paths)


# --- the stages' glue ----------------------------------------------------------------------


def _analyze(request: FilmRequest, engines) -> Plan:
    plan = script.analyze(request.script, narrate_action=request.narrate_action)
    if engines is not None:
        plan = engines.plan(request.script, fallback=plan)
    return plan


def _speak(
    plan: Plan, voices: dict, request: FilmRequest, engines, report
) -> list[list[np.ndarray]]:
    """Synthesize every line; speak faster (≤ 1.2×) when the script is long for the duration."""
    speakers = [NARRATOR, *plan.characters]

    def synthesize(rate: float) -> list[list[np.ndarray]]:
        done, total = 0, max(len(plan.lines), 1)
        out = []
        for shot in plan.shots:
            clips = []
            for line in shot.lines:
                audio = None
                if engines is not None and rate == 1.0:
                    audio = engines.speak(line.text, request.language, speakers.index(line.speaker))
                if audio is None:
                    audio = voice.synthesize(line.text, voices[line.speaker], rate=rate)
                clips.append(audio)
                done += 1
                report("voices", done / total, f"{line.speaker}: {line.text[:40]}")
            out.append(clips)
        return out

    speech = synthesize(1.0)
    rate = timeline.rate_needed(plan, _lengths(speech), request.duration)
    if rate > 1.0:
        report("voices", 0, f"speaking {rate:.2f}x to fit {request.duration:g} s")
        speech = synthesize(rate)
        rate_again = timeline.rate_needed(plan, _lengths(speech), request.duration)
        if rate_again > 1.0:  # espeak's rate steps are coarse: one more nudge
            speech = synthesize(min(timeline.MAX_RATE, rate * rate_again))
    return speech


def _stills(
    plan: Plan, user_images: list, request: FilmRequest, engines, draw: bool = True
) -> list:
    """One PIL picture per shot: the user's images in order (reused), else generated. With
    `draw=False` a card comes as the call that draws it, for a Ray task to make."""
    if user_images:
        return [user_images[i % len(user_images)] for i in range(len(plan.shots))]
    size = (request.width, request.height)
    if engines is not None:
        prompts = [shot.prompt or shot.description for shot in plan.shots]
        generated = engines.pictures(prompts, size, request.seed)
        if generated:
            return generated
    card_size = visuals.overscan_size(size)  # drawn at the Ken Burns source size: sharp text
    text = " ".join(
        f"{scene.heading or ''} {shot.description}" for scene in plan.scenes for shot in scene.shots
    )
    if fonts.find_font(text, pillow_first=True) is None:
        log.warning("cards without their text: %s", fonts.no_font_message(text))
    stills = []
    index = 0
    for si, scene in enumerate(plan.scenes):
        for shot in scene.shots:
            card = functools.partial(
                visuals.make_card,
                scene.heading,
                shot.description,
                scene_index=si,
                shot_index=index,
                size=card_size,
                seed=request.seed,
                centered=shot.centered,
            )
            stills.append(card() if draw else card)
            index += 1
    return stills


def _pictures(plan: Plan, user_images: list, request: FilmRequest, engines):
    """Prepared pictures (Ken Burns sources or clips) as object-store refs, the picture of each
    shot, and which pictures are clips.

    Ray tasks draw the cards and prepare the pictures, on whichever cores of the cluster are
    free, while the driver goes on to the subtitles and the frames (a chunk task takes its
    pictures when they are ready), so the driver never holds the film's pictures. The sample
    screenplay's 60 s film without images starts its frames 0.09 s into the render instead of
    0.45 s (cards take ~60 ms each to draw; same total time on 2 cores)."""
    ray_local.start()  # no-op when Ray is already up (a job on the cluster, the server, tests)
    size = (request.width, request.height)
    # Cards are drawn by the tasks, unless a clip engine may animate them: it needs them here.
    stills = _stills(plan, user_images, request, engines, draw=engines is not None)
    pictures: list[ray.ObjectRef] = []
    picture_of_shot: list[int] = []
    seen: dict[int, int] = {}
    for still in stills:
        if id(still) not in seen:  # a reused user image is prepared once
            seen[id(still)] = len(pictures)
            pictures.append(_prepared_picture.remote(still, size))
        picture_of_shot.append(seen[id(still)])
    clips: set[int] = set()
    if engines is not None and not user_images:
        for i, still in enumerate(stills):
            clip = engines.clip(still, 14, size, request.seed + i)
            if clip:
                clips.add(len(pictures))
                picture_of_shot[i] = len(pictures)
                pictures.append(ray.put(np.stack(clip)))
    return pictures, picture_of_shot, clips


@ray.remote(num_cpus=1)
def _prepared_picture(still, size: tuple[int, int]) -> np.ndarray:
    """A shot's picture (a PIL image, or the call that draws its card) ready for Ken Burns."""
    return visuals.prepare_picture(still() if callable(still) else still, size)


def _mix(request: FilmRequest, film_timeline, speech, bed: Future) -> np.ndarray:
    """The film's audio: every line at its place on the timeline over the ducked music bed."""
    placed = [(tl.start, clip) for tl, clip in zip(film_timeline.lines, _flat(speech))]
    return mix.mix(placed, bed.result(), request.duration, SAMPLE_RATE)


def _music(plan: Plan, request: FilmRequest, track, engines) -> np.ndarray | None:
    if track is not None:
        return track
    if request.music == "none":
        return None
    if engines is not None:
        bed = engines.music(f"{plan.mood} film score, cinematic, instrumental", request.duration)
        if bed is not None:
            return bed
    return music.generated_bed(request.duration, plan.mood, request.seed, SAMPLE_RATE)


def _cached_mix(cache: _StageCache, *args) -> np.ndarray:
    return cache.put("mix", _mix(*args))


def _in_background(work: Callable, *args) -> Future:
    """Run `work(*args)` in a daemon thread; its result (or error) arrives through the Future. A
    render that fails or is cancelled meanwhile lets the thread finish and drops its result."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(work(*args))
        except BaseException as error:  # noqa: BLE001 - handed to whoever waits on the future
            future.set_exception(error)

    threading.Thread(target=run, name=work.__name__, daemon=True).start()
    return future


def _encode(
    spec: frames.FrameSpec, pictures, audio: np.ndarray | Future, path: Path, report
) -> Path:
    report("frames", 0, f"rendering {spec.total} frames")
    with FilmEncoder(path, spec.width, spec.height, spec.fps, audio) as encoder:
        for chunk in frames.stream_chunks(spec, pictures):
            encoder.write_chunk(chunk)
            report("frames", encoder.frames / spec.total, f"frame {encoder.frames}/{spec.total}")
    report("frames", 1, f"{spec.total} frames")
    return path


def _thumbnail(spec: frames.FrameSpec, pictures, title: str):
    """The thumbnail picture: the best of the middle frames of up to eight shots spread over
    the film (rendered without subtitles), with the title on it."""
    clean = frames.FrameSpec(**{**spec.__dict__, "cues": [], "subtitle_sample": None})
    renderer = frames.FrameRenderer(clean, pictures)
    step = max(1, len(spec.shots) // 8)
    middles = [(s.start + s.end) // 2 for s in spec.shots[::step]]
    candidates = (yuv420_to_rgb(renderer.render(i), spec.width, spec.height) for i in middles)
    picture = thumbnail.make_thumbnail(candidates, title)  # holds the best so far and the next
    del renderer, candidates
    release_freed_memory()  # the renderer's planes, which this thread's arena would keep
    return picture


def _studio_engines(request: FilmRequest):
    if request.tier != "studio":
        return None
    if request.models_dir is None:
        raise InputError(
            "models_dir", "the studio tier needs a local model directory (--models DIR)"
        )
    from pipelines.engines import StudioEngines

    return StudioEngines.local(request.models_dir)


def _lengths(speech: list[list[np.ndarray]]) -> list[list[float]]:
    return [[len(clip) / SAMPLE_RATE for clip in clips] for clips in speech]


def _flat(speech: list[list[np.ndarray]]) -> list[np.ndarray]:
    return [clip for clips in speech for clip in clips]


# --- files ---------------------------------------------------------------------------------


def _outputs(output: Path) -> dict[str, Path]:
    video = Path(output)
    if video.suffix.lower() != ".mp4":
        raise InputError("output", f"{video} must end in .mp4")
    return {
        "video": video,
        "srt": video.with_suffix(".srt"),
        "vtt": video.with_suffix(".vtt"),
        "thumbnail": video.with_suffix(".jpg"),
    }


def _part(path: Path) -> Path:
    return path.with_name(path.name + ".part")


def _check_writable(video: Path) -> None:
    folder = video.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("output", f"cannot create {folder}: {exc.strerror}") from None
    if video.is_dir():
        raise InputError("output", f"{video} is a directory")
    if not os.access(folder, os.W_OK):
        raise InputError("output", f"{folder} is not writable")


def _commit(video_part: Path, outputs: dict[str, Path], keep_video: bool) -> None:
    """Move the finished files into place (the film last, so its presence means complete)."""
    for key in ("srt", "vtt", "thumbnail"):
        os.replace(_part(outputs[key]), outputs[key])
    if keep_video:  # the cached copy stays in the work dir for a resumed job
        import shutil

        shutil.copyfile(video_part, _part(outputs["video"]))
        os.replace(_part(outputs["video"]), outputs["video"])
    else:
        os.replace(video_part, outputs["video"])


class _Reporter:
    """Maps (stage, fraction of the stage) onto the overall percent and calls the callback."""

    def __init__(self, progress: Progress | None):
        self.progress = progress

    def __call__(self, stage: str, fraction: float, message: str) -> None:
        if self.progress is None:
            return
        start, end = STAGES[stage]
        self.progress(stage, start + (end - start) * min(max(fraction, 0.0), 1.0), message)


class _StageCache:
    """Stage outputs kept in a work dir, keyed by the request, so a retried render resumes."""

    def __init__(self, work_dir: Path | None, request: FilmRequest):
        self.dir = Path(work_dir) if work_dir else None
        if self.dir:
            self.dir = self.dir / self.key(request)
            self.dir.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(request: FilmRequest) -> str:
        """What the film depends on: the request, with files by content rather than by path
        (a retried job downloads its assets to a new place)."""
        digest = hashlib.sha256()
        files = [*request.images, *([request.music] if isinstance(request.music, Path) else [])]
        digest.update(request.model_dump_json(exclude={"images", "music"}).encode())
        digest.update(
            str(request.music if not isinstance(request.music, Path) else "file").encode()
        )
        for path in files:
            digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
        return digest.hexdigest()[:16]

    def get(self, name: str):
        if self.dir and (self.dir / f"{name}.pkl").exists():
            return pickle.loads((self.dir / f"{name}.pkl").read_bytes())
        return None

    def put(self, name: str, value):
        if self.dir:
            tmp = self.dir / f"{name}.pkl.tmp"
            tmp.write_bytes(pickle.dumps(value, protocol=5))
            os.replace(tmp, self.dir / f"{name}.pkl")
        return value

    def path(self, name: str) -> Path | None:
        return self.dir / name if self.dir else None

    def keep(self, name: str, path: Path) -> Path:
        if not self.dir:
            return path
        os.replace(path, self.dir / name)
        return self.dir / name
