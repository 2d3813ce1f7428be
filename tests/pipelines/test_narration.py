"""`--narration`: the user's recording is the voice; the script is found in it; `--podcast`
writes the episode beside the film."""

from __future__ import annotations

import json

import av
import numpy as np
import pysubs2
import pytest
from scipy.io import wavfile

from pipelines import voice
from pipelines.narration import align, load_recording
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.utils.film import SCRIPT, SHORT_FILMS
from tests.utils.probe import decode_audio, loudness, probe

SR = 48000
LINES = ["A kettle hums.", "Is anyone there?", "Only me."]  # what SCRIPT's plan speaks
HINDI = ["केतली गुनगुनाती है।", "क्या कोई वहाँ है?", "बस मैं।"]


def espeak_recording(lines, language="en", stretch=0.9, pause_after=1, pause_s=2.0):
    """A recording made by espeak of `lines` in another voice than the aligner's reference,
    time-stretched to `stretch` of its length, with a `pause_s` pause after line
    `pause_after`; and each line's start (its first voiced sample) in it."""
    import librosa

    speaker = voice.list_voices(language)[3]
    gap = np.zeros(int(0.4 * SR), np.float32)
    parts, starts, t = [gap], [], len(gap)
    for i, text in enumerate(lines):
        clip = voice.synthesize(text, speaker)
        voiced = np.flatnonzero(np.abs(clip) > 0.02 * np.abs(clip).max())
        starts.append((t + voiced[0]) / SR)
        after = np.zeros(int(pause_s * SR), np.float32) if i == pause_after else gap
        parts += [clip, after]
        t += len(clip) + len(after)
    recording = librosa.effects.time_stretch(np.concatenate(parts), rate=1 / stretch)
    return recording.astype(np.float32), [s * stretch for s in starts]


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    recording, starts = espeak_recording(LINES)
    path = tmp_path_factory.mktemp("talk") / "talk.wav"
    wavfile.write(path, SR, (recording * 32767).astype(np.int16))
    return path, starts, len(recording) / SR


@pytest.fixture(scope="module")
def film(ray_session, talk, tmp_path_factory):
    out = tmp_path_factory.mktemp("narrated") / "kettle.mp4"
    request = make_request(
        SHORT_FILMS, script=SCRIPT, duration=2.0, seed=5, narration=talk[0], podcast=True
    )
    return render_film(request, out)


def test_cues_start_on_the_recorded_words(film, talk):
    _, starts, _ = talk
    cues = pysubs2.load(str(film.srt))
    firsts = [
        next(c.start / 1000 for c in cues if c.plaintext.split()[0] in line) for line in LINES
    ]
    assert np.abs(np.array(firsts) - starts).max() <= 0.1, (firsts, starts)
    assert film.warnings == []


def test_the_film_is_as_long_as_the_recording(film, talk):
    assert probe(film.video).duration == pytest.approx(talk[2], abs=0.1)
    assert film.duration == pytest.approx(talk[2], abs=0.01)


def test_the_recording_is_the_voice(film):
    lufs, true_peak = loudness(film.video)
    assert lufs == pytest.approx(-14, abs=1) and true_peak <= -1.0


def test_hindi_is_aligned_through_espeak_and_dtw():
    recording, starts = espeak_recording(HINDI, language="hi")
    found = align(recording, SR, HINDI, "hi")
    assert found.missing == []
    assert np.abs(np.array([s for s, _ in found.spans]) - starts).max() <= 0.1


def test_a_line_missing_from_the_recording_is_named():
    recording, starts = espeak_recording(LINES)
    script = [LINES[0], "The lighthouse keeper climbs the stairs.", *LINES[1:]]
    found = align(recording, SR, script, "en")
    assert found.missing == ["The lighthouse keeper climbs the stairs."]
    spoken = [span[0] for span in found.spans if span is not None]
    assert np.abs(np.array(spoken) - starts).max() <= 0.1


def test_an_ad_lib_in_the_recording_is_passed_over():
    with_ad_lib = [LINES[0], "Well, you know, I was just thinking.", *LINES[1:]]
    recording, starts = espeak_recording(with_ad_lib, pause_after=2)
    found = align(recording, SR, LINES, "en")
    assert found.missing == []
    spoken = np.array([span[0] for span in found.spans])
    assert np.abs(spoken - np.array(starts)[[0, 2, 3]]).max() <= 0.1


def test_a_recording_that_is_not_audio_is_refused(tmp_path):
    bad = tmp_path / "talk.mp3"
    bad.write_bytes(b"not audio at all")
    with pytest.raises(Exception, match="narration"):
        load_recording(bad)


# --- the podcast export ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["m4a", "mp3"])
def test_the_episode_is_at_podcast_loudness_with_chapters(film, kind):
    path = getattr(film.podcast, kind)
    audio = decode_audio(path)
    import pyloudnorm
    from scipy.signal import resample_poly

    lufs = pyloudnorm.Meter(SR).integrated_loudness(audio)
    true_peak = 20 * np.log10(np.abs(resample_poly(audio, 4, 1, axis=0)).max())
    assert lufs == pytest.approx(-16, abs=0.5) and true_peak <= -1.0
    assert len(audio) / SR == pytest.approx(film.duration, abs=0.1)
    titles = [title for _, title in film.chapters]
    if kind == "m4a":
        with av.open(str(path)) as container:
            read = [c["metadata"].get("title") for c in container.chapters()]
    else:
        from mutagen.id3 import ID3

        read = [str(f.sub_frames["TIT2"]) for f in ID3(path).getall("CHAP")]
    assert read == titles and titles


def test_the_episode_has_a_transcript(film):
    text = film.podcast.transcript.read_text()
    assert all(line in text for line in LINES)
    segments = json.loads(film.podcast.transcript_json.read_text())["segments"]
    assert [s["body"] for s in segments][0] == LINES[0]
    assert all(s["startTime"] < s["endTime"] for s in segments)
