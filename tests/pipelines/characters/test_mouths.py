"""Mouth shapes follow espeak's own phoneme events, frame by frame."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipelines import voice
from pipelines.characters import mouths

FPS = 24


@pytest.fixture(scope="module")
def spoken():
    audio, events = voice.synthesize_timed("Bob met Pam by the map.", voice.get_voice("en/f2"))
    length = len(audio) / voice.SAMPLE_RATE
    frames = math.ceil(length * FPS) + 12  # and half a second of silence after
    shapes = mouths.frame_shapes(mouths.segments(events, length), frames, FPS)
    return events, length, "".join(mouths.SHAPES[s] for s in shapes)


def test_every_bilabial_frame_is_closed(spoken):
    events, _, shapes = spoken
    bilabials = [e for e in events if e.kind == "phoneme" and e.phoneme.strip("ˈˌː") in "pbm"]
    assert len(bilabials) >= 5  # b, b, p, m, b, m, p
    for e in bilabials:
        assert shapes[int(e.time * FPS)] == "A", (e, shapes)
        if int(e.time * FPS) > 0:  # the lips close a frame before the sound
            assert shapes[int(e.time * FPS) - 1] == "A", (e, shapes)


def test_silence_is_the_rest_shape(spoken):
    _, length, shapes = spoken
    assert set(shapes[math.ceil(length * FPS) + 1 :]) == {"X"}
    assert shapes[0] in "XA"  # before the first phoneme: at rest, or closing for the "b"


def test_shapes_follow_the_phonemes_within_a_frame(spoken):
    """Each phoneme's own shape is on screen within one frame of where espeak says it."""
    events, _, shapes = spoken
    phonemes = [e for e in events if e.kind == "phoneme"]
    for e, nxt in zip(phonemes, phonemes[1:]):
        if nxt.time - e.time < 1.5 / FPS:
            continue  # too short to own a frame of its own
        expected = mouths.shapes_of(e.phoneme)[0]
        first = int(e.time * FPS)
        window = shapes[max(first - 1, 0) : first + 2]
        assert expected in window or (expected != "A" and "A" in window), (e, expected, window)


def test_ipa_table_follows_rhubarb():
    assert mouths.shapes_of("m") == ["A"]
    assert mouths.shapes_of("f") == ["G"]
    assert mouths.shapes_of("ˈuː") == ["F"]
    assert mouths.shapes_of("ˈɑː") == ["D"]
    assert mouths.shapes_of("aɪ") == ["D", "B"]  # a diphthong: both, 60/40
    assert mouths.shapes_of("l") == ["H"]
    assert mouths.shapes_of("") == ["X"]


def test_voices_without_events_open_the_jaw_with_loudness():
    tone = np.sin(np.linspace(0, 2000, 48000)).astype(np.float32) * 0.5
    audio = np.concatenate([np.zeros(24000, np.float32), tone])
    shapes = mouths.loudness_shapes(audio, 48000, 36, FPS)
    assert set(shapes[:11]) == {mouths.REST} and mouths.REST not in set(shapes[13:])
