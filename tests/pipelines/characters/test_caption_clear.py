"""A drawn card's caption stays readable when characters speak over it: no character pixel
falls inside the caption's panel in any frame of their lines."""

from __future__ import annotations

import av
import numpy as np
import pytest

from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.utils.film import SHORT_FILMS

SCENE = """INT. PIER - DAY

Gulls wheel over the long wooden pier while the tide slaps at the old posts below.

IRIS
Bob met Pam by the map.

TEO
Maybe, maybe not.
"""


def render(tmp_path_factory, name: str, **options) -> np.ndarray:
    """The film's frames (RGB, int16) for SCENE with `options`."""
    request = make_request(
        SHORT_FILMS,
        script=SCENE,
        duration=6.0,
        seed=3,
        music="none",
        narrate_action=False,
        **options,
    )
    result = render_film(request, tmp_path_factory.mktemp(name) / f"{name}.mp4")
    with av.open(str(result.video)) as container:
        return np.stack(
            [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)]
        )


@pytest.fixture(scope="module")
def films(ray_session, tmp_path_factory):
    spoken = render(tmp_path_factory, "spoken", card_text=True, characters=True)
    caption = render(tmp_path_factory, "caption", card_text=True, characters=False)
    bare = render(tmp_path_factory, "bare", card_text=False, characters=False)
    return spoken, caption, bare


def panel_box(caption: np.ndarray, bare: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of where the caption darkens the picture: the rows where a good part
    differs between the film with the caption and the film without, and the columns where most
    of those rows do."""
    differs = np.abs(caption - bare).max(axis=2) > 12
    rows = np.nonzero(differs.mean(axis=1) > 0.3)[0]
    cols = np.nonzero(differs[rows].mean(axis=0) > 0.5)[0]
    return cols[0], rows[0], cols[-1] + 1, rows[-1] + 1


def test_no_character_pixel_falls_inside_the_caption_panel(films):
    spoken, caption, bare = films
    height, width = spoken.shape[1:3]
    seen = 0
    for i in range(len(spoken)):
        x0, y0, x1, y1 = panel_box(caption[i], bare[i])
        assert (x1 - x0) > width * 0.3 and (y1 - y0) > height * 0.05, (i, (x0, y0, x1, y1))
        character = np.abs(spoken[i] - caption[i]).max(axis=2) > 40  # beyond the encoder's noise
        seen += character.sum() > 0.02 * width * height
        inside = character[y0:y1, x0:x1].sum()
        assert inside <= 8, (
            f"frame {i}: {inside} character pixels inside the panel {x0, y0, x1, y1}"
        )
    assert seen >= len(spoken) // 2  # the characters are on screen, beside or below the panel
