"""The film, top to bottom: check inputs → analysis → voices → timeline → visuals → music and
mix → subtitles → frames and encode → sidecars.

`render_film` reads like a diffusers pipeline's `__call__`: numbered steps, each one call into
the stage module that owns it (`script`, `voice`, `timeline`, `visuals`, `music`, `mix`,
`subtitles`, `frames`, `encode`, `thumbnail`). Each stage announces its start, progress and end
to the `progress` listener (`infra.progress.StageEvent`), under the names in `STAGES`.

The tier is an engines object (`pipelines.engines`): the draft tier's has no models, the
studio's has LLM, SDXL, SVD, TTS and MusicGen (in-process or through Ray Serve handles); each
stage asks it first and takes its draft path where it has no answer.

A `Workspace` writes the outputs all or nothing and, with a `work_dir`, keeps each finished
stage's output so a retried render resumes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from infra.progress import Progress, Stages
from pipelines import (
    characters,
    frames,
    mix,
    music,
    preflight,
    subtitles,
    thumbnail,
    timeline,
    verse,
    visuals,
    voice,
)
from pipelines.encode import FilmEncoder, pcm16, release_freed_memory
from pipelines.engines import engines_for
from pipelines.fonts import load_font
from pipelines.pictures import cover_fit, load_image, overscan_size
from pipelines.plan import NARRATOR, Plan
from pipelines.request import FilmRequest
from pipelines.sanskrit import chant, padas
from pipelines.workspace import Workspace

# Each stage's span of the whole render's percent (start, end), in the order they run.
STAGES: dict[str, tuple[float, float]] = {
    "analysis": (0, 3),
    "voices": (3, 12),
    "visuals": (12, 16),
    "music": (16, 22),
    "frames": (22, 96),
    "mux": (96, 100),
}
SAMPLE_RATE = 48000
# Films up to this long are mixed beside the frames; longer ones first, so the mix's working
# set (a few MB per second of film) never adds to the frames' and peak memory stays flat.
MIX_BESIDE_FRAMES_S = 120


class Cancelled(Exception):
    """Raised from a progress listener to stop a render; partial outputs are removed."""


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


@dataclass
class Inputs:
    images: list  # the user's pictures, decoded
    music: np.ndarray | None  # the user's track, fitted to the film


def render_film(
    request: FilmRequest,
    output: Path,
    *,
    work_dir: Path | None = None,
    progress: Progress | None = None,
    engines=None,
) -> FilmResult:
    """Render `request` to `output` (an .mp4) with .srt, .vtt and .jpg beside it."""
    stages = Stages(STAGES, progress)
    workspace = Workspace(output, request, work_dir)
    engines = engines or engines_for(request.tier, request.models_dir)

    # 0. Check inputs: everything a user can get wrong is refused before any work or write.
    inputs = check_inputs(request, workspace)

    # 1. Analysis: script → plan of scenes, shots and spoken lines; a voice per character.
    with stages.stage("analysis", "reading the script") as report:
        plan = workspace.cached("plan", partial(analyze, request, engines))
        voices = voice.cast(plan.characters, request.language, request.voices)
        sa_hz = chant.tonic_hz(request.tonic, voices[NARRATOR].gender)  # drone's and chant's Sa
        check_subtitle_font(request, plan)
        report(1, f"{len(plan.scenes)} scenes, {len(plan.shots)} shots, {len(plan.lines)} lines")

    # Background: the music bed needs only the mood and the length.
    bed = None if workspace.has("mix") else start_music_bed(request, plan, inputs, engines, sa_hz)

    # 2. Voices: every line spoken, faster where the script is long; the audio times the film.
    #    Each line's word and phoneme events come from the same synthesis (the mouths' timing).
    speech, timings = workspace.cached(
        "speech", partial(speak, stages, plan, voices, request, engines, sa_hz)
    )

    # 3. Timeline: shots and lines placed, fitted to the requested duration.
    film_timeline = timeline.build_timeline(plan, voice.lengths(speech), request.duration)

    # 4. Visuals: a picture (or a clip) for every shot, prepared by Ray tasks.
    with stages.stage("visuals", "pictures for every shot") as report:
        size = (request.width, request.height)
        shot_pictures = visuals.prepare(plan, inputs.images, size, request.seed, engines)
        report(1, f"{len(shot_pictures.pictures)} pictures")

    # 4b. Characters: who is seen speaking in which shot; mouths, blinks and nods per frame.
    cast = characters.stage(
        request, plan, film_timeline, speech, timings, voice.SAMPLE_RATE, engines
    )

    # 5. Music and mix: the bed ducked under speech at −14 LUFS; in the background for films
    #    short enough to mix beside the frames.
    with stages.stage("music", "music and mix") as report:
        audio = start_mix(request, workspace, film_timeline, speech, bed)
        del speech, bed  # from here on only the mix is needed: keep the driver small
        report(1, "mixing beside the frames" if isinstance(audio, Future) else "mixed")

    # 6. Subtitles: one cue per spoken line, timed from the speech.
    cues = captions(request, film_timeline)

    # 7. Frames and encode: Ray Data renders and encodes chunks; the thumbnail is chosen beside.
    spec = frame_spec(request, film_timeline, shot_pictures, cues, cast)
    thumb = in_background(thumbnail.from_frames, spec, shot_pictures.pictures, plan.title)
    with workspace.committing():
        workspace.cached_video(partial(encode_film, stages, spec, shot_pictures, audio))

        # 8. Sidecars: subtitles and thumbnail beside the film, all moved into place at once.
        with stages.stage("mux", "subtitles and thumbnail") as report:
            write_sidecars(workspace, cues, thumb)
            report(1, f"wrote {workspace.outputs['video']}")
    chapters = chapters_of(plan, film_timeline)
    return FilmResult(**workspace.outputs, duration=request.duration, plan=plan, chapters=chapters)


@dataclass
class Storyboard:
    plan: Plan
    stills: list[Path]  # one JPEG per shot, in order


def storyboard(
    request: FilmRequest, out_dir: Path, *, progress: Progress | None = None, engines=None
) -> Storyboard:
    """The plan and one still per shot (JPEG), without rendering the film."""
    stages = Stages(STAGES, progress)
    engines = engines or engines_for(request.tier, request.models_dir)
    user_images = [load_image(p, f"images[{i}]") for i, p in enumerate(request.images)]
    with stages.stage("analysis", "reading the script"):
        plan = analyze(request, engines)
    with stages.stage("visuals", "pictures for every shot") as report:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        size = (request.width, request.height)
        paths = []
        for i, image in enumerate(visuals.stills(plan, user_images, size, request.seed, engines)):
            path = out_dir / f"shot-{i + 1:03d}.jpg"
            cover_fit(image, *size).save(path, "JPEG", quality=88)
            paths.append(path)
            report((i + 1) / len(plan.shots), path.name)
    return Storyboard(plan, paths)


# --- the steps ------------------------------------------------------------------------------


def check_inputs(request: FilmRequest, workspace: Workspace) -> Inputs:
    """The script can fit its length, the output is writable, every picture decodes within its
    limits, the music track reads, every character sheet is complete."""
    preflight.check_fits(request)
    workspace.check_writable()
    fit = overscan_size((request.width, request.height))  # the largest a picture is used
    images = [load_image(p, f"images[{i}]", fit) for i, p in enumerate(request.images)]
    track = None
    if isinstance(request.music, Path):
        track = music.load_track(request.music, request.duration, SAMPLE_RATE)
    characters.check_sheet_files(request)
    return Inputs(images, track)


def analyze(request: FilmRequest, engines) -> Plan:
    """The plan by the script's rules (verse read line by line), with the engines' shot prompts
    where they have an LLM."""
    if request.language == "sa":  # Sanskrit: a verse's pādas, chanted (`pipelines.sanskrit`)
        return padas.plan(request.script)
    plan = verse.analyze(request.script, request.form, narrate_action=request.narrate_action)
    return engines.plan(request.script, fallback=plan)


def check_subtitle_font(request: FilmRequest, plan: Plan) -> None:
    """Refuse burned subtitles now if no installed font covers the script's writing system."""
    if request.burn_subtitles:
        load_font(" ".join(line.text for line in plan.lines), 12, field="burn_subtitles")


def start_music_bed(
    request: FilmRequest, plan: Plan, inputs: Inputs, engines, sa_hz: float
) -> Future:
    choice = request.music if isinstance(request.music, str) else "file"
    return in_background(
        partial(music.bed, sa_hz=sa_hz),
        *(inputs.music, choice, plan.mood, request.duration, request.seed, engines),
    )


def start_mix(request, workspace, film_timeline, speech, bed) -> np.ndarray | Future:
    """The mastered soundtrack, kept by the workspace: made in the background for a film of up
    to `MIX_BESIDE_FRAMES_S`, else now and held as 16-bit PCM (half a float mix's memory)."""

    def soundtrack() -> np.ndarray:
        placed = [
            (tl.start, clip)
            for tl, clip in zip(film_timeline.lines, [c for clips in speech for c in clips])
        ]
        return mix.mix(placed, bed.result() if bed else None, request.duration, SAMPLE_RATE)

    if workspace.has("mix") or request.duration > MIX_BESIDE_FRAMES_S:
        audio = pcm16(workspace.cached("mix", soundtrack))
        release_freed_memory()  # the mix's working set, before the frames
        return audio
    return in_background(workspace.cached, "mix", soundtrack)


def frame_spec(
    request: FilmRequest, film_timeline, shot_pictures, cues, cast=None
) -> frames.FrameSpec:
    return frames.frame_spec(
        film_timeline,
        shot_pictures.picture_of_shot,
        shot_pictures.clips,
        width=request.width,
        height=request.height,
        fps=request.fps,
        seed=request.seed,
        cues=[(c.start, c.end, c.text) for c in cues] if request.burn_subtitles else None,
        characters=cast,
    )


def speak(stages: Stages, plan: Plan, voices, request: FilmRequest, engines, sa_hz) -> tuple:
    """The voices stage (announced only when it runs: a resumed render keeps its speech): the
    clips per shot, and each clip's espeak events (see `voice.speak_to_fit`)."""
    timings: list = []
    with stages.stage("voices") as report:
        recite = chant.reciter(request.language, sa_hz, request.chant)
        clips = voice.speak_to_fit(
            plan, voices, request.language, request.duration, engines, report, timings, recite
        )
    return clips, timings


def captions(request: FilmRequest, film_timeline) -> list[subtitles.Cue]:
    """A cue per spoken line; for Sanskrit with `subtitle_iast`, each cue's IAST under it."""
    cues = subtitles.make_cues([(tl.start, tl.end, tl.line.text) for tl in film_timeline.lines])
    if request.language == "sa" and request.subtitle_iast:
        for cue in cues:
            cue.text = f"{cue.text}\n{padas.iast(cue.text)}"
    return cues


def encode_film(stages: Stages, spec: frames.FrameSpec, shot_pictures, audio, path: Path) -> Path:
    """Frames rendered and encoded in chunks by Ray Data, stitched in order with the audio."""
    with (
        stages.stage("frames", f"rendering {spec.total} frames") as report,
        FilmEncoder(path, spec.width, spec.height, spec.fps, audio) as encoder,
    ):
        for chunk in frames.stream_chunks(spec, shot_pictures.pictures):
            encoder.write_chunk(chunk)
            report(encoder.frames / spec.total, f"frame {encoder.frames}/{spec.total}")
    return path


def write_sidecars(workspace: Workspace, cues, thumb: Future) -> None:
    subtitles.write_srt(cues, workspace.part("srt"))
    subtitles.write_vtt(cues, workspace.part("vtt"))
    thumbnail.save(thumb.result(), workspace.part("thumbnail"))


def chapters_of(plan: Plan, film_timeline) -> list[tuple[float, str]]:
    """Where each scene starts, with its heading (or its number) as the title."""
    starts: dict[int, float] = {}
    for shot in film_timeline.shots:
        starts.setdefault(shot.scene_index, shot.start)
    return [
        (start, plan.scenes[index].heading or f"Scene {index + 1}")
        for index, start in sorted(starts.items())
    ]


def in_background(work: Callable, *args) -> Future:
    """Run `work(*args)` in a daemon thread; its result (or error) arrives through the Future. A
    render that fails or is cancelled meanwhile lets the thread finish and drops its result."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(work(*args))
        except BaseException as error:  # noqa: BLE001 - handed to whoever waits on the future
            future.set_exception(error)

    threading.Thread(target=run, name=getattr(work, "__name__", "work"), daemon=True).start()
    return future
