"""Mouth shapes from the voice itself: espeak's phoneme events → one of nine shapes per frame.

The shapes are the animation convention Rhubarb Lip Sync and its users name (its README):

    A closed, lips pressed (m b p)    B slightly open, teeth (most consonants, "ee")
    C open ("eh", "ae")               D wide open ("aa")
    E slightly rounded ("ao", "er")   F puckered ("oo", "ow", w)
    G upper teeth on lower lip (f v)  H tongue raised (l)
    X rest: silence

The phoneme table follows Rhubarb's rules (`animationRules.cpp`) translated to the IPA names
espeak-ng reports, so it holds for every language espeak speaks. Hand-written: Rhubarb itself
ships no library (its binaries recognise speech, which espeak's events make unnecessary).

Smoothing, per frame: each frame takes the shape that covers most of it, except that a closure
(A) anywhere in a frame wins it, and a closure is anticipated by one frame (the lips close
before the sound); so no shape is shorter than a frame and every m/b/p is seen closed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SHAPES = "ABCDEFGHX"
REST = SHAPES.index("X")
CLOSED = SHAPES.index("A")

# IPA symbol → shape. Stress and length marks are stripped before lookup; an unknown symbol
# (a consonant: t d k g n s z ʃ r h θ ð …) is B, teeth slightly apart.
_TABLE: dict[str, str] = {
    **dict.fromkeys("pbmɱ", "A"),
    **dict.fromkeys("fvʋ", "G"),
    **dict.fromkeys("uʊwyɯʏʉɥ", "F"),
    **dict.fromkeys("oɔɒɜøœɞ", "E"),
    **dict.fromkeys("aɑæɶ", "D"),
    **dict.fromkeys("eɛɐəʌɘɵ", "C"),
    **dict.fromkeys("iɪjɨ", "B"),
    **dict.fromkeys("lɭʎɫ", "H"),
}
_VOWELS = set("aɑæɶeɛɐəʌɘɵiɪɨoɔɒɜøœɞuʊyɯʏʉ")
_MARKS = str.maketrans("", "", "ˈˌːˑ̃̆ʰʲʷ̩̯")
SPLIT = 0.6  # a diphthong spends this share of its time on its first vowel (Rhubarb: 60/40)
ANTICIPATE_FRAMES = 1  # the lips close this many frames before a bilabial sounds


def shapes_of(phoneme: str) -> list[str]:
    """The shape(s) of one espeak IPA phoneme: one, or two for a diphthong ("aɪ" → D, B);
    X for a pause (espeak names pauses "")."""
    bare = phoneme.translate(_MARKS)
    if not bare:
        return ["X"]
    first = _TABLE.get(bare[0], "B")
    vowels = [c for c in bare if c in _VOWELS]
    if len(vowels) >= 2 and bare[0] in _VOWELS:
        second = _TABLE.get(vowels[1], "B")
        if second != first:
            return [first, second]
    return [first]


def segments(events: Sequence, length: float) -> list[tuple[float, float, str]]:
    """(start s, end s, shape) spans of a clip `length` seconds long, from its espeak events
    (`pipelines.espeak.Event`: phoneme events last until the next one; X before the first)."""
    phonemes = [e for e in events if e.kind == "phoneme"]
    spans: list[tuple[float, float, str]] = []
    if phonemes and phonemes[0].time > 0:
        spans.append((0.0, phonemes[0].time, "X"))
    for event, following in zip(phonemes, [*phonemes[1:], None]):
        start = min(event.time, length)
        end = min(following.time if following else length, length)
        if end <= start:
            continue
        parts = shapes_of(event.phoneme)
        if len(parts) == 2:
            middle = start + SPLIT * (end - start)
            spans += [(start, middle, parts[0]), (middle, end, parts[1])]
        else:
            spans.append((start, end, parts[0]))
    if not phonemes:
        spans.append((0.0, length, "X"))
    return spans


def frame_shapes(spans: list[tuple[float, float, str]], frames: int, fps: int) -> np.ndarray:
    """Shape index (into SHAPES) of each of `frames` frames from t=0: the shape covering most
    of the frame, A wherever a closure touches it (one frame early)."""
    cover = np.zeros((frames, len(SHAPES)))
    for start, end, shape in spans:
        k = SHAPES.index(shape)
        if shape == "A":
            start -= ANTICIPATE_FRAMES / fps
        first, last = max(int(start * fps), 0), min(int(np.ceil(end * fps)), frames)
        for i in range(first, last):
            cover[i, k] += min(end, (i + 1) / fps) - max(start, i / fps)
    out = np.argmax(cover, axis=1)
    out[cover.sum(axis=1) <= 0] = REST
    out[cover[:, CLOSED] > 0] = CLOSED
    return out.astype(np.uint8)


def loudness_shapes(audio: np.ndarray, sample_rate: int, frames: int, fps: int) -> np.ndarray:
    """Shapes for speech with no phoneme events (a model's or Piper's voice): the jaw follows
    the loudness of each frame (X silent, then B, C, D as it gets louder)."""
    out = np.full(frames, REST, np.uint8)
    hop = sample_rate / fps
    peak = float(np.max(np.abs(audio), initial=0.0)) or 1.0
    for i in range(frames):
        chunk = audio[int(i * hop) : int((i + 1) * hop)]
        if chunk.size == 0:
            break
        level = float(np.sqrt(np.mean(np.square(chunk, dtype=np.float64)))) / peak
        if level > 0.02:
            out[i] = SHAPES.index("B" if level < 0.12 else "C" if level < 0.25 else "D")
    return out
