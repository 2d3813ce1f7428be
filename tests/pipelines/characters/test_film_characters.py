"""A two-character scene, rendered: each speaker on their side, their mouth moving only while
they speak."""

from __future__ import annotations

import av
import numpy as np
import pysubs2
import pytest

from pipelines.characters.looks import distinct_palettes
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.pipelines.characters.staged import cast_of
from tests.utils.film import SHORT_FILMS

SCENE = """INT. PIER - DAY

IRIS
Bob met Pam by the map.

TEO
Maybe, maybe not.
"""
DURATION = 6.0
FPS = 24


@pytest.fixture(scope="module")
def film(ray_session, tmp_path_factory):
    out = tmp_path_factory.mktemp("pier") / "pier.mp4"
    request = make_request(SHORT_FILMS, script=SCENE, duration=DURATION, seed=3, music="none")
    result = render_film(request, out)
    with av.open(str(result.video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    cues = pysubs2.load(str(result.srt))
    return request, cast_of(request), frames, cues


def crop(frame, box):
    x, y, w, h = box
    return frame[y : y + h, x : x + w].astype(int)


def frames_of(cue) -> range:
    return range(round(cue.start / 1000 * FPS) + 1, round(cue.end / 1000 * FPS) - 1)


def test_iris_stands_on_her_side_in_her_colours(film):
    request, cast, frames, cues = film
    iris, teo = cast.standing("IRIS", 0), cast.standing("TEO", 0)
    assert iris.x + cast.sprites[iris.character].width <= request.width // 2 + 4  # left
    assert teo.x >= request.width // 2 - 4  # right
    shirt = distinct_palettes(["IRIS", "TEO"])["IRIS"].shirt
    sprite = cast.sprites[iris.character]
    x, y = iris.x + sprite.width // 2, iris.y + int(sprite.height * 0.8)
    for i in frames_of(cues[0]):
        patch = frames[i][y - 8 : y + 8, x - 40 : x + 40].reshape(-1, 3).mean(axis=0)
        assert np.abs(patch - shirt).max() < 30, (i, patch, shirt)


def test_mouths_move_only_while_their_owner_speaks(film):
    _, cast, frames, cues = film
    iris_line, teo_line = frames_of(cues[0]), frames_of(cues[1])
    iris_box, teo_box = cast.mouth_box("IRIS", 0), cast.mouth_box("TEO", 0)

    def changes(box, span):
        return [np.abs(crop(frames[i], box) - crop(frames[i - 1], box)).mean() for i in span]

    # IRIS speaks: her mouth changes from frame to frame; TEO's stays still.
    assert sum(c > 4 for c in changes(iris_box, iris_line)) >= len(iris_line) // 4
    assert max(changes(teo_box, iris_line)) < 2
    # Before anyone speaks (the shot's lead-in): both still.
    silence = range(2, iris_line.start - 3)
    assert len(silence) >= 3
    assert max(changes(iris_box, silence) + changes(teo_box, silence)) < 2
    # Then TEO speaks and IRIS rests.
    assert sum(c > 4 for c in changes(teo_box, teo_line)) >= len(teo_line) // 4
    assert max(changes(iris_box, range(teo_line.start + 3, teo_line.stop))) < 2


def test_no_characters_shows_nobody():
    request = make_request(SHORT_FILMS, script=SCENE, duration=DURATION, characters=False)
    assert cast_of(request) is None
