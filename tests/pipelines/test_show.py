"""A two-host show from a "NAME: line" transcript, rendered: two voices, the host who speaks
lit and the other dimmed, one subtitle cue per line, chapters from the scene headings."""

from __future__ import annotations

import json

import av
import librosa
import numpy as np
import pysubs2
import pytest

from pipelines import script
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.pipelines.characters.staged import cast_of
from tests.utils.film import SHORT_FILMS

SHOW = """INT. STUDIO - DAY

HOST A: Welcome to the show.
HOST B: Thanks, glad to be here.

EXT. RIVER - DAY

HOST A: Rivers are wide.
HOST B: And cold.
"""
DURATION = 10.0
FPS = 24


def test_a_transcript_reads_as_two_speakers_and_prose_stays_prose():
    plan = script.analyze(SHOW)
    assert [(line.speaker, line.text) for line in plan.lines] == [
        ("HOST A", "Welcome to the show."),
        ("HOST B", "Thanks, glad to be here."),
        ("HOST A", "Rivers are wide."),
        ("HOST B", "And cold."),
    ]
    assert [scene.heading for scene in plan.scenes] == ["INT. STUDIO - DAY", "EXT. RIVER - DAY"]
    named = script.analyze("Title: Talk\n\nAlice: Hello there.\nBob: Hi.\nHow are you?\n")
    assert [(line.speaker, line.text) for line in named.lines] == [
        ("ALICE", "Hello there."),
        ("BOB", "Hi. How are you?"),
    ]
    assert named.title == "Talk"
    prose = script.analyze("Note: one line of prose is not a show.")
    assert {line.speaker for line in prose.lines} == {"NARRATOR"}


@pytest.fixture(scope="module")
def show(ray_session, tmp_path_factory):
    out = tmp_path_factory.mktemp("show") / "show.mp4"
    request = make_request(
        SHORT_FILMS, script=SHOW, duration=DURATION, seed=1, music="none", podcast=True
    )
    result = render_film(request, out)
    with av.open(str(result.video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    with av.open(str(result.video)) as container:
        audio = np.concatenate(
            [f.to_ndarray().mean(axis=0) for f in container.decode(audio=0)]
        ).astype(np.float32)
        rate = container.streams.audio[0].rate
    return request, result, frames, (audio, rate), pysubs2.load(str(result.srt))


def test_one_cue_per_line_and_chapters_from_the_headings(show):
    _, result, _, _, cues = show
    assert [c.text for c in cues] == [
        "Welcome to the show.",
        "Thanks, glad to be here.",
        "Rivers are wide.",
        "And cold.",
    ]
    assert [title for _, title in result.chapters] == ["INT. STUDIO - DAY", "EXT. RIVER - DAY"]
    assert result.chapters[0][0] == 0.0
    assert cues[1].end / 1000 <= result.chapters[1][0] <= cues[2].start / 1000
    with av.open(str(result.video)) as container:  # the film carries them as its chapters
        marks = container.chapters()
    assert [m["metadata"]["title"] for m in marks] == [t for _, t in result.chapters]
    assert abs(marks[1]["start"] * marks[1]["time_base"] - result.chapters[1][0]) < 0.01


def test_the_episode_transcript_names_each_host(show):
    _, result, _, _, cues = show
    segments = json.loads(result.podcast.transcript_json.read_text())["segments"]
    assert [(s["speaker"], s["body"]) for s in segments] == [
        ("HOST A", "Welcome to the show."),
        ("HOST B", "Thanks, glad to be here."),
        ("HOST A", "Rivers are wide."),
        ("HOST B", "And cold."),
    ]
    lines = result.podcast.transcript.read_text().splitlines()
    assert lines[1].endswith("] HOST B: Thanks, glad to be here."), lines


def test_the_two_hosts_speak_in_different_voices(show):
    _, _, _, (audio, rate), cues = show

    def pitch(cue) -> float:
        clip = audio[int(cue.start / 1000 * rate) : int(cue.end / 1000 * rate)]
        f0, voiced, _ = librosa.pyin(clip, fmin=60, fmax=400, sr=rate, frame_length=4096)
        return float(np.nanmedian(f0[voiced]))

    a = [pitch(cues[0]), pitch(cues[2])]
    b = [pitch(cues[1]), pitch(cues[3])]
    # each host keeps a voice; the two differ by more than a semitone and a half
    assert abs(12 * np.log2(a[0] / a[1])) < 2 and abs(12 * np.log2(b[0] / b[1])) < 2, (a, b)
    assert abs(12 * np.log2(np.mean(a) / np.mean(b))) > 1.5, (a, b)


def test_both_hosts_in_every_shot_the_speaker_lit(show):
    request, _, frames, _, cues = show
    cast = cast_of(request)
    for shot in (0, 1):  # both hosts stand in both scenes, each on their side
        a, b = cast.standing("HOST A", shot), cast.standing("HOST B", shot)
        assert a is not None and b is not None
        assert a.x < request.width // 2 <= b.x

    def brightness(name: str, cue) -> float:
        s = cast.standing(name, 0)
        sprite = cast.sprites[s.character]
        x, y = s.x + sprite.width // 2, s.y + int(sprite.height * 0.8)  # the shirt
        middle = round((cue.start + cue.end) / 2000 * FPS)
        return float(frames[middle][y - 8 : y + 8, x - 30 : x + 30].mean())

    # HOST A speaks: A lit, B greyed and dimmed; then the other way round.
    assert brightness("HOST A", cues[0]) > 1.25 * brightness("HOST A", cues[1])
    assert brightness("HOST B", cues[1]) > 1.25 * brightness("HOST B", cues[0])
