"""Verse: a poem read a line at a time, heard and captioned as a poem."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pysubs2
import pytest

from pipelines import orchestrator, verse, voice
from pipelines.engines import DraftEngines
from pipelines.errors import InputError
from pipelines.orchestrator import render_film
from pipelines.plan import NARRATOR
from pipelines.request import make_request
from pipelines.timeline import LINE_PAUSE, STANZA_TAIL
from serve_apps.jobs.storyboard import document_of, plan_of
from tests.utils.film import SCRIPT, SHORT_FILMS
from tests.utils.probe import decode_audio

POEM = """The lamps come on,
the gulls go still.

I walk the wall;
the lamps come on.
"""
LINES = ["The lamps come on,", "the gulls go still.", "I walk the wall;", "the lamps come on."]


def test_short_lines_in_stanzas_are_read_as_verse():
    plan = verse.analyze(POEM)
    assert plan.format == "verse"
    assert [[line.text for line in shot.lines] for shot in plan.shots] == [LINES[:2], LINES[2:]]
    assert plan.shots[0].description == "The lamps come on,\nthe gulls go still."


@pytest.mark.parametrize(
    "text",
    [
        "A kettle hums. The night is long and the house is cold.\n\nMara waits by the door.",
        # a sentence running on from one stanza into the next is prose set in short lines
        "The lamps come on\nalong the quay and\n\nthe gulls go still\nas the boats come in.",
        SCRIPT,  # Fountain
    ],
)
def test_prose_and_screenplays_stay_as_they_are(text):
    assert verse.analyze(text).format != "verse"


def test_a_repeated_line_is_a_refrain_whatever_its_case_and_punctuation():
    plan = verse.analyze(POEM)
    assert [line.refrain for line in plan.lines] == [0, None, None, 0]
    assert [line.refrain for line in verse.analyze(POEM.replace("the lamps", "and")).lines] == [
        None
    ] * 4


def test_a_refrain_is_spoken_with_the_same_audio_each_time():
    plan = verse.analyze(POEM)
    voices = voice.cast(plan.characters, "en")
    timings: list = []
    speech = voice.speak_to_fit(plan, voices, "en", 12.0, DraftEngines(), lambda *_: None, timings)
    (first, _), (_, again) = speech
    assert np.array_equal(first, again)
    assert timings[0][0] == timings[1][1]  # the same words at the same times: the same melody
    alone = voice.synthesize(LINES[3], voices[NARRATOR])  # what the line says on its own
    assert not np.array_equal(alone, first)


def test_an_edited_storyboard_keeps_its_stanzas_and_finds_its_refrains_again():
    """A poem's storyboard, edited so a second line is said twice, renders as verse with the new
    refrain spoken once (the document round trip the storyboard job and the render make)."""
    document = document_of(asdict(verse.analyze(POEM)), [None, None], [None, None])
    document["scenes"][0]["shots"][1]["lines"][0]["text"] = "The gulls go still!"
    request = make_request(SHORT_FILMS, script=POEM, duration=12, plan=plan_of(document, str))
    plan = orchestrator.analyze(request, DraftEngines())
    assert [shot.verse for shot in plan.shots] == [True, True]
    assert [line.refrain for line in plan.lines] == [0, 1, 1, 0]


def test_form_overrides_detection():
    assert verse.analyze(POEM, "prose").format == "prose"
    prose = "The lamps come on along the quay.\n\nThe gulls go still."
    assert [len(s.lines) for s in verse.analyze(prose, "verse").shots] == [1, 1]
    with pytest.raises(InputError) as refused:
        verse.analyze(SCRIPT, "verse")
    assert refused.value.field == "form"
    with pytest.raises(InputError, match="form"):
        make_request(SHORT_FILMS, script=POEM, duration=14, form="sonnet")


def silences(audio: np.ndarray, sr: int = 48000) -> list[float]:
    """Lengths in seconds of the quiet runs between sounds (10 ms frames under −40 dBFS)."""
    hop = sr // 100
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > 0.01)
    gaps = np.diff(loud) - 1
    return [g / 100 for g in gaps if g >= 15]  # pauses, not the gaps between words


@pytest.fixture(scope="module")
def film(ray_session, tmp_path_factory):
    out = tmp_path_factory.mktemp("verse") / "poem.mp4"
    request = make_request(SHORT_FILMS, script=POEM, duration=12.0, music="none", seed=3)
    return render_film(request, out)


def test_one_cue_per_line(film):
    """The refrain, said twice, is captioned twice, each time as written."""
    assert [cue.plaintext for cue in pysubs2.load(str(film.srt))] == LINES


def test_pauses_at_line_ends_and_longer_at_the_stanza_end(film):
    """Measured in the film's audio: three pauses between four lines, the middle one (the
    stanza's end) the longest."""
    pauses = silences(decode_audio(film.video).mean(axis=1))
    assert len(pauses) == 3, pauses
    line_1, stanza, line_2 = pauses
    for pause in (line_1, line_2):
        assert LINE_PAUSE - 0.1 <= pause <= LINE_PAUSE + 0.3
    assert stanza >= STANZA_TAIL + 0.3 and stanza > 1.8 * max(line_1, line_2)


def test_a_stanza_card_keeps_its_line_breaks():
    from pipelines.cards import fit_text

    font, lines = fit_text("\n".join(LINES), 900, [40], 8, None, keep_breaks=True)
    assert lines == LINES
    _, prose = fit_text(" ".join(LINES), 900, [40], 8, None)
    assert len(prose) < len(LINES)
