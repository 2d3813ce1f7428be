"""A character's life between its mouth shapes: blinks, nods on stressed words, breathing.

All of it is per frame and seeded, so the same film renders the same way every time:

* blinks at random intervals of 2–10 s (uniform; common figures for people at rest), each
  lasting BLINK_S;
* the head dips and comes back (NOD_S, up to NOD_PX of the character's height) at the start of
  each stressed word: a word whose phonemes carry espeak's primary stress mark;
* the body rises and falls with the breath (BREATH_S a cycle) while the character is silent;
  the head stays still then, so a silent face is a still face.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

BLINK_EVERY_S = (2.0, 10.0)
BLINK_S = 0.15
NOD_S = 0.35
NOD_PX = 0.012  # of the character's height
BREATH_S = 4.0
BREATH_PX = 0.006  # of the character's height


def rng_for(name: str, seed: int, what: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{name.upper()}|{seed}|{what}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def blinks(name: str, seed: int, frames: int, fps: int) -> np.ndarray:
    """True on the frames where `name`'s eyes are closed."""
    rng = rng_for(name, seed, "blink")
    out = np.zeros(frames, bool)
    length = max(2, round(BLINK_S * fps))
    t = rng.uniform(*BLINK_EVERY_S) / 2  # the first blink comes sooner
    while (start := round(t * fps)) < frames:
        out[start : start + length] = True
        t += rng.uniform(*BLINK_EVERY_S)
    return out


def stressed_word_starts(events: Sequence) -> list[float]:
    """Times (s, in the clip) where a word with a primary-stressed phoneme starts."""
    starts, current, stressed = [], None, False
    for event in [*events, None]:
        if event is None or event.kind == "word":
            if current is not None and stressed:
                starts.append(current)
            if event is not None:
                current, stressed = event.time, False
        elif event.kind == "phoneme" and "ˈ" in event.phoneme:
            stressed = True
    return starts


def add_nods(nod: np.ndarray, start_frame: int, times: list[float], fps: int, px: float) -> None:
    """Add a dip of `px` pixels (a half sine over NOD_S) at each time after `start_frame`."""
    length = max(2, round(NOD_S * fps))
    curve = np.sin(np.linspace(0, np.pi, length)) * px
    for t in times:
        a = start_frame + round(t * fps)
        b = min(a + length, nod.size)
        if 0 <= a < nod.size:
            nod[a:b] = np.maximum(nod[a:b], curve[: b - a])


def breathing(frames: int, fps: int, px: float, phase: float) -> np.ndarray:
    """Vertical offset (pixels, float) of the body over `frames` frames."""
    t = np.arange(frames) / fps
    return (np.sin(2 * np.pi * (t / BREATH_S + phase)) + 1) / 2 * px
