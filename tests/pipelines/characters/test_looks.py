"""A drawn character is the same in every render, and two characters never look alike."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from pipelines.characters.looks import distinct_palettes, drawn_look, hue_gap, palette_of

DRAW = (
    "import hashlib, sys; from pipelines.characters.looks import drawn_look, palette_of; "
    "l = drawn_look(palette_of('IRIS'), 240); "
    "print(hashlib.sha256(l.body.tobytes() + l.head.tobytes()).hexdigest())"
)


def test_the_same_name_draws_the_same_character_in_another_process():
    here = drawn_look(palette_of("Iris"), 240)
    import hashlib

    digest = hashlib.sha256(here.body.tobytes() + here.head.tobytes()).hexdigest()
    other = subprocess.run([sys.executable, "-c", DRAW], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == digest


def test_a_cast_never_shares_a_look():
    names = ["IRIS", "TEO", "MARA", "JONAS", "ANNA", "BEN", "CLARA", "DEV"]
    palettes = distinct_palettes(names)
    looks = {n: drawn_look(p, 120) for n, p in palettes.items()}
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert looks[a].colour != looks[b].colour
            assert not np.array_equal(looks[a].head, looks[b].head)
            gap = abs(palettes[a].shirt_hue - palettes[b].shirt_hue) % 1.0
            assert min(gap, 1 - gap) >= hue_gap(len(names)) - 1e-9, (a, b)


def test_every_mouth_shape_is_drawn_differently():
    look = drawn_look(palette_of("TEO"), 240)
    patches = [look.mouths[s].tobytes() for s in "ABCDEFGHX"]
    assert len(set(patches)) == 9
