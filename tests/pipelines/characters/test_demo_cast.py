"""The demo film (`make demo`, samples/sample.fountain) shows IRIS and TEO speaking."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipelines.characters import mouths
from pipelines.request import make_request
from tests.pipelines.characters.staged import cast_of

SAMPLE = Path(__file__).parents[3] / "samples" / "sample.fountain"


def test_iris_and_teo_are_seen_speaking_their_lines():
    request = make_request(script=SAMPLE.read_text(), duration=60, seed=7)
    cast, film_timeline = cast_of(request, with_timeline=True)
    assert cast.names == ["TEO", "IRIS"]  # in order of their first line on screen
    fps = request.fps
    seen = {name: 0 for name in cast.names}
    for tl in film_timeline.lines:
        name = tl.line.speaker
        if name not in cast.names or tl.line.extension:
            if name in cast.names:  # IRIS's voice-over: heard, not seen (and the narrator)
                assert cast.standing(name, tl.shot_index) is None
            continue
        assert cast.standing(name, tl.shot_index) is not None, tl.line
        k = cast.names.index(name)
        span = cast.mouth[k][round(tl.start * fps) : round(tl.end * fps)]
        assert len(set(span.tolist())) >= 3  # the mouth moves through several shapes
        assert (span != mouths.REST).mean() > 0.6
        seen[name] += 1
    assert seen == {"TEO": 2, "IRIS": 2}
    # Between lines, every mouth rests.
    speaking = np.zeros(len(cast.mouth[0]), bool)
    for tl in film_timeline.lines:
        speaking[round(tl.start * fps) - 1 : round(tl.end * fps) + 1] = True
    for track in cast.mouth:
        assert set(track[~speaking].tolist()) == {mouths.REST}
