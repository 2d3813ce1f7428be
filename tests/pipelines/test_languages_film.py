"""Films in several languages: soft subtitle tracks in the MP4 and dubbing, checked the way a
viewer's player sees them (streams and their language tags, sidecar files, speech onsets)."""

from __future__ import annotations

import av
import numpy as np
import pysubs2
import pytest

from pipelines.errors import InputError
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.utils.film import SCRIPT, SHORT_FILMS
from tests.utils.probe import decode_audio

DURATION = 8.0
SPANISH = "Una tetera zumba.\n¿Alguien?\nSolo yo.\n"
HINDI = "केतली गुनगुनाती है।\nक्या कोई है?\nबस मैं।\n"


def subtitle_streams(path):
    with av.open(str(path)) as film:
        return [(s.codec_context.name, s.metadata.get("language")) for s in film.streams.subtitles]


def test_three_language_film_carries_three_tagged_subtitle_streams(ray_session, tmp_path):
    (tmp_path / "es.txt").write_text(SPANISH, encoding="utf-8")
    (tmp_path / "hi.txt").write_text(HINDI, encoding="utf-8")
    request = make_request(
        SHORT_FILMS,
        script=SCRIPT,
        duration=DURATION,
        music="none",
        subtitles="en,es,hi",
        translations={"es": tmp_path / "es.txt", "hi": tmp_path / "hi.txt"},
    )
    film = render_film(request, tmp_path / "kettle.mp4")
    assert subtitle_streams(film.video) == [
        ("mov_text", "eng"),
        ("mov_text", "spa"),
        ("mov_text", "hin"),
    ]
    assert sorted(p.name for p in tmp_path.glob("kettle.*.srt")) == [
        "kettle.en.srt",
        "kettle.es.srt",
        "kettle.hi.srt",
    ]
    source = pysubs2.load(str(film.srt))
    spanish = pysubs2.load(str(tmp_path / "kettle.es.srt"))
    assert [e.plaintext for e in spanish] == SPANISH.splitlines()
    assert [e.start for e in spanish] == [e.start for e in source]  # the source cues' timing
    assert (tmp_path / "kettle.hi.vtt").read_text(encoding="utf-8").startswith("WEBVTT")
    with av.open(str(film.video)) as mp4:  # the player's Spanish track reads the same
        stream = mp4.streams.subtitles[1]
        texts = [bytes(p)[2:].decode() for p in mp4.demux(stream) if p.size > 2]
    assert texts == SPANISH.splitlines()


def test_a_language_no_translator_serves_is_refused_before_any_work(tmp_path):
    request = make_request(SHORT_FILMS, script=SCRIPT, duration=DURATION, subtitles="ta")
    with pytest.raises(InputError) as refused:
        render_film(request, tmp_path / "film.mp4")
    assert refused.value.field == "subtitles"
    assert "no translator for en → ta; tried user (no file for ta)" in refused.value.message
    assert not list(tmp_path.iterdir())


def test_spanish_dub_speaks_spanish_holds_length_and_cues_follow_speech(ray_session, tmp_path):
    (tmp_path / "es.txt").write_text(SPANISH, encoding="utf-8")
    request = make_request(
        SHORT_FILMS,
        script=SCRIPT,
        duration=DURATION,
        music="none",
        dub="es",
        subtitles="en",
        translations={"es": tmp_path / "es.txt"},
    )
    film = render_film(request, tmp_path / "doblaje.mp4")
    lines = film.plan.lines
    assert [line.text for line in lines] == SPANISH.splitlines()
    assert [line.original for line in lines] == ["A kettle hums.", "Is anyone there?", "Only me."]
    cues = pysubs2.load(str(film.srt))
    assert [c.plaintext for c in cues] == SPANISH.splitlines()
    english = pysubs2.load(str(tmp_path / "doblaje.en.srt"))
    assert [c.plaintext for c in english] == [line.original for line in lines]
    assert [c.start for c in english] == [c.start for c in cues]
    audio = decode_audio(film.video).mean(axis=1)
    assert abs(len(audio) / 48000 - DURATION) <= 0.5
    hop = 480  # 10 ms
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    loud = np.sqrt((frames**2).mean(axis=1)) > 0.01
    onsets = [i * hop / 48000 for i in range(1, len(loud)) if loud[i] and not loud[i - 5 : i].any()]
    for cue in cues:
        nearest = min(onsets, key=lambda t: abs(t - cue.start / 1000))
        assert abs(nearest - cue.start / 1000) <= 0.1, (cue.plaintext, cue.start, onsets)


def test_burning_a_track_no_font_covers_is_refused_naming_the_font(
    ray_session, tmp_path, monkeypatch
):
    from pipelines import fonts

    monkeypatch.setattr(fonts, "FONT_DIRS", [])  # no installed fonts: Pillow's covers Latin only
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    (tmp_path / "hi.txt").write_text(HINDI, encoding="utf-8")
    request = make_request(
        SHORT_FILMS,
        script=SCRIPT,
        duration=DURATION,
        music="none",
        subtitles="hi",
        burn_subtitles=True,
        burn_language="hi",
        translations={"hi": tmp_path / "hi.txt"},
    )
    out = tmp_path / "out"
    with pytest.raises(InputError) as refused:
        render_film(request, out / "film.mp4")
    assert refused.value.field == "burn_language"
    assert "Devanagari" in refused.value.message
    assert not any(out.iterdir())
