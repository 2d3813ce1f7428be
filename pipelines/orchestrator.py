"""The film, top to bottom: check inputs → analysis (and dub) → voices → timeline → visuals →
music and mix → subtitles → languages → frames and encode → sidecars.

`render_film` reads like a diffusers pipeline's `__call__`: numbered steps, each one call into
the stage module that owns it (`script`, `voice`, `timeline`, `visuals`, `music`, `mix`,
`subtitles`, `translate`, `frames`, `encode`, `thumbnail`). Each stage announces its start, progress and end
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
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from infra.progress import Progress, Stages
from pipelines import (
    audiogram,
    characters,
    conversation,
    frames,
    mix,
    music,
    narration,
    podcast,
    preflight,
    references,
    subtitles,
    thumbnail,
    timeline,
    translate,
    verse,
    visuals,
    voice,
)
from pipelines import stream as stream_mod
from pipelines.encode import FilmEncoder, pcm16, release_freed_memory
from pipelines.engines import engines_for
from pipelines.fonts import load_font
from pipelines.illustrator import Drawing
from pipelines.pictures import cover_fit, load_image, overscan_size
from pipelines.plan import NARRATOR, Plan
from pipelines.request import FilmRequest
from pipelines.sanskrit import chant, padas
from pipelines.translate.dub import dub_plan
from pipelines.translate.languages import alpha3
from pipelines.translate.tracks import subtitle_tracks
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
    # language → (SRT, VTT) of each extra subtitle track (`subtitles`), in the order asked
    tracks: dict[str, tuple[Path, Path]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # e.g. script lines not in the recording
    podcast: podcast.PodcastFiles | None = None  # `--podcast`: the audio-only episode
    # CHARACTER → the reference the studio drew for them (their first still), as a PNG beside
    # the film: given back as `references` it keeps their look in the next render
    references: dict[str, Path] = field(default_factory=dict)


@dataclass
class Inputs:
    images: list  # the user's pictures, decoded
    music: np.ndarray | None  # the user's track, fitted to the film
    narration: np.ndarray | None = None  # the user's recording, mono
    duration: float = 0.0  # the film's length: the request's, or the recording's if longer


def render_film(
    request: FilmRequest,
    output: Path,
    *,
    work_dir: Path | None = None,
    progress: Progress | None = None,
    engines=None,
    stream: stream_mod.Publisher | None = None,
) -> FilmResult:
    """Render `request` to `output` (an .mp4) with .srt, .vtt and .jpg beside it; with
    `stream`, the film is also published there as HLS while it renders (`pipelines.stream`)."""
    stages = Stages(STAGES, progress)
    workspace = Workspace(output, request, work_dir)
    engines = engines or engines_for(request.tier, request.models_dir)

    # 0. Check inputs: everything a user can get wrong is refused before any work or write.
    inputs = check_inputs(request, workspace, engines)
    request = request.model_copy(update={"duration": inputs.duration})

    # 0b. Writing: a document (`from_document`) becomes a two-host show's script, written by
    #     the LLM (validated, asked again once) or, without one, by rules (with a warning).
    request, notes = workspace.cached("show", partial(conversation.write_show, request, engines))

    # 0c. Hearing: a recording without a script is transcribed (studio: Whisper, MODELS/asr/);
    #     its sentences are the lines. Without a recogniser there are no subtitles (warned).
    heard = workspace.cached(
        "heard", partial(narration.hear, request, inputs.narration, SAMPLE_RATE, engines)
    )
    notes = notes + (heard.warnings if heard else [])

    # 1. Analysis: script → plan of scenes, shots and spoken lines (translated for a dub); a
    #    voice per character in the language spoken.
    with stages.stage("analysis", "reading the script") as report:
        plan = workspace.cached("plan", partial(analyze, request, engines, heard))
        voices = voice.cast(plan.characters, request.speech_language, request.voices)
        sa_hz = chant.tonic_hz(request.tonic, voices[NARRATOR].gender)  # drone's and chant's Sa
        check_subtitle_font(request, plan)
        visuals.choose(plan, image_names(request))  # every picture the plan names is given
        report(1, f"{len(plan.scenes)} scenes, {len(plan.shots)} shots, {len(plan.lines)} lines")

    # Background: the music bed needs only the mood and the length.
    bed = None if workspace.has("mix") else start_music_bed(request, plan, inputs, engines, sa_hz)

    # 2. Voices: every line spoken, faster where the script is long; the audio times the film.
    #    Each line's word and phoneme events come from the same synthesis (the mouths' timing);
    #    with a `narration` recording, it is the voice and the script is found in it.
    speech, timings = workspace.cached(
        "speech",
        partial(speak, stages, plan, voices, request, engines, sa_hz, inputs.narration, heard),
    )

    # 3. Timeline: shots and lines placed, fitted to the requested duration (or the recording).
    film_timeline = time_film(plan, speech, request)
    warnings = notes + (speech.warnings if isinstance(speech, narration.Narration) else [])

    # 4. Visuals: each character's reference (kept: a retry takes the same looks), then a
    #    picture (or a clip) for every shot, prepared by Ray tasks.
    with stages.stage("visuals", "pictures for every shot") as report:
        refs = workspace.cached("references", partial(character_references, request, plan, engines))
        size = (request.width, request.height)
        shot_pictures = visuals.prepare(
            plan,
            inputs.images,
            size,
            request.seed,
            engines,
            image_names(request),
            caption=card_caption(request),
            motion=request.motion,
            references=refs,
        )
        report(1, f"{len(shot_pictures.pictures)} pictures")

    # 4b. Characters: who is seen speaking in which shot; mouths, blinks and nods per frame
    #     (with a lip-sync model, a character with no look chosen is their reference).
    cast = stage_characters(request, plan, film_timeline, speech, timings, engines, refs)

    # 4c. Audiogram (`look`): the voice's waveform per frame, drawn by the frame tasks.
    waveform = audiogram.levels(request, film_timeline, speech, SAMPLE_RATE)

    # 5. Music and mix: the bed ducked under speech at −14 LUFS; in the background for films
    #    short enough to mix beside the frames.
    with stages.stage("music", "music and mix") as report:
        audio = start_mix(request, workspace, film_timeline, speech, bed)
        del speech, bed  # from here on only the mix is needed: keep the driver small
        report(1, "mixing beside the frames" if isinstance(audio, Future) else "mixed")

    # 6. Subtitles: one cue per spoken line, timed from the speech.
    cues = captions(request, film_timeline)

    # 7. Languages: each extra subtitle track, the cues translated one for one.
    tracks = workspace.cached("tracks", partial(languages, request, film_timeline, cues, engines))

    # 8. Frames and encode: Ray Data renders and encodes chunks; the thumbnail is chosen beside.
    burned = tracks.get(request.burn_language, cues)
    spec = frame_spec(request, film_timeline, shot_pictures, burned, cast, waveform)
    thumb = in_background(thumbnail.from_frames, spec, shot_pictures.pictures, plan.title)
    chapters = chapters_of(plan, film_timeline)
    with workspace.committing():
        workspace.cached_video(
            partial(encode_film, stages, spec, shot_pictures, audio, tracks, chapters, stream)
        )

        # 9. Sidecars: subtitles and thumbnail beside the film, all moved into place at once.
        with stages.stage("mux", "subtitles and thumbnail") as report:
            write_sidecars(workspace, cues, tracks, thumb, refs)
            report(1, f"wrote {workspace.outputs['video']}")

    # 10. Podcast: the same mix at −16 LUFS as M4A and MP3 with chapters, and a transcript.
    spoken = [(tl.start, tl.end, tl.line.speaker) for tl in film_timeline.lines]
    episode = (
        podcast.export(request, output, audio, chapters, cues, spoken) if request.podcast else None
    )
    outputs = workspace.outputs
    return FilmResult(
        video=outputs["video"],
        srt=outputs["srt"],
        vtt=outputs["vtt"],
        thumbnail=outputs["thumbnail"],
        duration=request.duration,
        plan=plan,
        chapters=chapters,
        tracks={lang: (outputs[f"srt-{lang}"], outputs[f"vtt-{lang}"]) for lang in tracks},
        warnings=warnings,
        podcast=episode,
        references={name: outputs[f"reference-{name}"] for name in refs.generated},
    )


@dataclass
class Storyboard:
    plan: Plan
    stills: list[Path]  # one JPEG per shot, in order (only `shots`' when asked for some)
    pictures: list[str | None]  # per shot: the user's picture by file name; None: the studio's
    # CHARACTER → the reference the studio drew for them, as a PNG beside the stills (none for a
    # redraw of some shots: the whole storyboard's drawing kept them)
    references: dict[str, Path] = field(default_factory=dict)


def storyboard(
    request: FilmRequest,
    out_dir: Path,
    *,
    progress: Progress | None = None,
    engines=None,
    shots: list[int] | None = None,
) -> Storyboard:
    """The plan and one still per shot (JPEG), and the references the studio drew (PNG, as
    `render_film`'s), without rendering the film; with `shots` (indexes), the stills of those
    shots only (a redraw)."""
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
        names = image_names(request)
        refs = character_references(request, plan, engines)
        shot_stills = visuals.stills(
            plan,
            user_images,
            size,
            request.seed,
            engines,
            False,
            names,
            card_caption(request),
            refs,
        )
        wanted = range(len(shot_stills)) if shots is None else shots
        for done, i in enumerate(wanted, 1):
            image = shot_stills[i]() if callable(shot_stills[i]) else shot_stills[i]  # a card
            image = image.flat() if isinstance(image, Drawing) else image
            path = out_dir / f"shot-{i + 1:03d}.jpg"
            cover_fit(image, *size).save(path, "JPEG", quality=88)
            paths.append(path)
            report(done / len(wanted), path.name)
        # drawn references kept for the whole storyboard only: a redraw's project has them
        kept = {}
        if shots is None:
            kept = refs.save_drawn(lambda name: out_dir / references.file_name(name))
    pictures = [None if i is None else names[i] for i in visuals.choose(plan, names)]
    return Storyboard(plan, paths, pictures, kept)


# --- the steps ------------------------------------------------------------------------------


def check_inputs(request: FilmRequest, workspace: Workspace, engines) -> Inputs:
    """The script can fit its length, the output is writable, a translator serves every language
    asked for, every picture (and character reference) decodes within its limits, the music
    track reads, every character sheet is complete."""
    preflight.check_fits(request)
    workspace.check_writable()
    backends = translators(request, engines)
    if request.dub:
        translate.check(request.language, request.dub, backends, field="dub")
    for language in request.subtitle_languages:
        if language != request.language or not request.dub:
            translate.check(request.speech_language, language, backends)
    fit = overscan_size((request.width, request.height))  # the largest a picture is used
    images = [load_image(p, f"images[{i}]", fit) for i, p in enumerate(request.images)]
    recording, duration = None, request.duration
    if request.narration is not None:
        recording = narration.load_recording(request.narration, SAMPLE_RATE)
        duration = max(duration, len(recording) / SAMPLE_RATE)
    track = None
    if isinstance(request.music, Path):
        track = music.load_track(request.music, duration, SAMPLE_RATE)
    characters.check_sheet_files(request)
    references.load_given(request)  # each reference picture decodes within its limits
    return Inputs(images, track, recording, duration)


def analyze(request: FilmRequest, engines, heard: narration.Heard | None = None) -> Plan:
    """The plan by the script's rules (verse read line by line), with the engines' shot prompts
    where they have an LLM;
    for a dub, its lines then translated (the prompts stay in the script's language). Or the
    request's own plan (an edited storyboard), as it is but for its refrains, found again in the
    edited lines; or, for a recording without a script, a shot per sentence `heard` in it."""
    if request.plan is not None:
        if request.plan.format == "verse":
            return verse.mark_refrains(request.plan)
        return request.plan
    if heard is not None:
        return narration.heard_plan(heard, len(request.images))
    if request.language == "sa":  # Sanskrit: a verse's pādas, chanted (`pipelines.sanskrit`)
        return padas.plan(request.script)
    plan = verse.analyze(request.script, request.form, narrate_action=request.narrate_action)
    plan = engines.plan(request.script, fallback=plan)
    if request.dub:
        backends = translators(request, engines)
        plan = dub_plan(plan, request.language, request.dub, backends)
    return plan


def character_references(request: FilmRequest, plan: Plan, engines) -> references.References:
    """Each character's reference picture (`pipelines.references`), for the shots the studio
    draws (not those showing the user's pictures)."""
    own = [chosen is None for chosen in visuals.choose(plan, image_names(request))]
    return references.make(request, plan, engines, own)


def translators(request: FilmRequest, engines) -> list:
    return translate.backends_for(request.translations, engines, request.models_dir)


def languages(request: FilmRequest, film_timeline, cues, engines) -> dict[str, list]:
    """{language: cues} of every extra subtitle track; a burned track's font checked."""
    originals = None
    if request.dub:
        spoken = [
            (tl.start, tl.end, tl.line.original or tl.line.text) for tl in film_timeline.lines
        ]
        originals = (request.language, spoken)
    tracks = subtitle_tracks(
        request.subtitle_languages,
        request.speech_language,
        cues,
        translators(request, engines),
        originals=originals,
        fps=request.fps,
        film_end=request.duration,
    )
    if request.captions_burned and request.burn_language in tracks:
        text = " ".join(cue.text for cue in tracks[request.burn_language])
        load_font(text, 12, field="burn_language")
    return tracks


def image_names(request: FilmRequest) -> list[str]:
    """The user's pictures by file name, as `[[image: NAME]]` notes and plans name them."""
    return [Path(path).name for path in request.images]


def card_caption(request: FilmRequest) -> bool:
    """Drawn cards carry the shot's text only when asked, and never beside burned subtitles:
    the spoken line would be on screen twice."""
    return request.card_text and not request.captions_burned


def check_subtitle_font(request: FilmRequest, plan: Plan) -> None:
    """Refuse burned subtitles now if no installed font covers the script's writing system."""
    if request.captions_burned:
        load_font(" ".join(line.text for line in plan.lines), 12, field="burn_subtitles")


def start_music_bed(
    request: FilmRequest, plan: Plan, inputs: Inputs, engines, sa_hz: float
) -> Future:
    choice = request.music if isinstance(request.music, str) else "file"
    return in_background(
        partial(music.bed, sa_hz=sa_hz, tala=request.tala, form=plan.format),
        *(inputs.music, choice, plan.mood, request.duration, request.seed, engines),
    )


def start_mix(request, workspace, film_timeline, speech, bed) -> np.ndarray | Future:
    """The mastered soundtrack, kept by the workspace: made in the background for a film of up
    to `MIX_BESIDE_FRAMES_S`, else now and held as 16-bit PCM (half a float mix's memory)."""

    def soundtrack() -> np.ndarray:
        if isinstance(speech, narration.Narration):
            placed = [(0.0, speech.recording)]
        else:
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
    request: FilmRequest, film_timeline, shot_pictures, cues, cast=None, waveform=None
) -> frames.FrameSpec:
    return frames.frame_spec(
        film_timeline,
        shot_pictures.picture_of_shot,
        shot_pictures.clips,
        width=request.width,
        height=request.height,
        fps=request.fps,
        seed=request.seed,
        cues=[(c.start, c.end, c.text) for c in cues] if request.captions_burned else None,
        characters=cast,
        waveform=waveform,
    )


def speak(
    stages: Stages,
    plan: Plan,
    voices,
    request: FilmRequest,
    engines,
    sa_hz,
    recording=None,
    heard: narration.Heard | None = None,
) -> tuple[list | narration.Narration, list | None]:
    """The voices stage (announced only when it runs: a resumed render keeps its speech): every
    line synthesised, with each clip's espeak events (see `voice.speak_to_fit`); or, given the
    user's `recording`, the script aligned to it, or the sentences `heard` in it where they were
    heard (no events: nobody is seen speaking it)."""
    timings: list = []
    with stages.stage("voices") as report:
        if recording is not None:
            found = narration.place(
                plan,
                recording,
                SAMPLE_RATE,
                request.speech_language,
                request.duration,
                heard.spans if heard else None,
            )
            report(1, f"{len(found.alignment.missing)} script lines not found in the recording")
            return found, None
        recite = chant.reciter(request.language, sa_hz, request.chant)  # Sanskrit: chanted
        clips = voice.speak_to_fit(
            plan,
            voices,
            request.speech_language,
            request.duration,
            engines,
            report,
            timings,
            recite,
        )
    return clips, timings


def time_film(plan: Plan, speech, request: FilmRequest) -> timeline.Timeline:
    """The timeline the recording's alignment made, or one built from the speech's lengths."""
    if isinstance(speech, narration.Narration):
        return speech.timeline
    return timeline.build_timeline(plan, voice.lengths(speech), request.duration)


def stage_characters(request, plan, film_timeline, speech, timings, engines, refs=None):
    """Who is seen speaking where (`characters.stage`), a character's reference (`refs`) as
    their portrait where the engines lip-sync; nobody over the user's own recording."""
    if isinstance(speech, narration.Narration):
        return None
    pictures = refs.pictures if refs else None
    return characters.stage(
        request, plan, film_timeline, speech, timings, voice.SAMPLE_RATE, engines, pictures
    )


def captions(request: FilmRequest, film_timeline) -> list[subtitles.Cue]:
    """A cue per spoken line; for Sanskrit with `subtitle_iast`, each cue's IAST under it."""
    cues = subtitles.make_cues([(tl.start, tl.end, tl.line.text) for tl in film_timeline.lines])
    if request.language == "sa" and request.subtitle_iast:
        for cue in cues:
            cue.text = f"{cue.text}\n{padas.iast(cue.text)}"
    return cues


def encode_film(
    stages: Stages,
    spec: frames.FrameSpec,
    shot_pictures,
    audio,
    tracks,
    chapters,
    stream,
    path: Path,
) -> Path:
    """Frames rendered and encoded in chunks by Ray Data, stitched in order with the audio, a
    soft subtitle stream per extra track and the scenes as chapters; each chunk also published
    as an HLS segment when there is a `stream` to publish to."""
    soft = [
        (alpha3(lang), [(c.start, c.end, c.text) for c in cues]) for lang, cues in tracks.items()
    ]
    ends = [start for start, _ in chapters[1:]] + [spec.total / spec.fps]
    marks = [(start, end, title) for (start, title), end in zip(chapters, ends)]
    if stream is not None:  # a short first chunk: the first segment sooner
        spec = replace(spec, lead=stream_mod.lead_frames(spec.fps))
    with (
        stages.stage("frames", f"rendering {spec.total} frames") as report,
        FilmEncoder(path, spec.width, spec.height, spec.fps, audio, soft, marks) as encoder,
        stream_mod.publishing(stream, spec.fps, spec.total, audio, encoder) as hls,
    ):
        for chunk in frames.stream_chunks(spec, shot_pictures.pictures):
            hls.write_chunk(chunk)  # first: the viewer's segment before the film's remux
            encoder.write_chunk(chunk)
            report(encoder.frames / spec.total, f"frame {encoder.frames}/{spec.total}")
    return path


def write_sidecars(
    workspace: Workspace, cues, tracks: dict[str, list], thumb: Future, refs=None
) -> None:
    subtitles.write_srt(cues, workspace.part("srt"))
    subtitles.write_vtt(cues, workspace.part("vtt"))
    for language, track in tracks.items():
        subtitles.write_srt(track, workspace.part(f"srt-{language}"))
        subtitles.write_vtt(track, workspace.part(f"vtt-{language}"))
    thumbnail.save(thumb.result(), workspace.part("thumbnail"))
    if refs:  # the drawn references, kept as PNGs: film.reference-MARA.png
        refs.save_drawn(
            lambda name: workspace.add_output(f"reference-{name}", "." + references.file_name(name))
        )


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
