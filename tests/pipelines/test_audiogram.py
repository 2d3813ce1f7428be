"""The audiogram look: the voice's waveform over the pictures, moving while someone speaks and
flat in silence, with captions larger than burned subtitles."""

from __future__ import annotations

import av
import numpy as np
import pysubs2
import pytest

from pipelines import audiogram
from pipelines.errors import InputError
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from pipelines.subtitles import SubtitleBurner
from tests.utils.film import SCRIPT, SHORT_FILMS

DURATION = 6.0
FPS = 24


@pytest.fixture(scope="module")
def film(ray_session, tmp_path_factory):
    out = tmp_path_factory.mktemp("audiogram") / "audiogram.mp4"
    request = make_request(
        SHORT_FILMS, script=SCRIPT, duration=DURATION, seed=2, music="none", look="audiogram"
    )
    result = render_film(request, out)
    with av.open(str(result.video)) as container:
        luma = [f.to_ndarray(format="gray") for f in container.decode(video=0)]
    return request, luma, pysubs2.load(str(result.srt))


def bars(request, luma) -> np.ndarray:
    """Per column of the waveform's band: how many of its pixels are white (the bars)."""
    x, y, w, h = audiogram.band(request.width, request.height)
    return (luma[y : y + h, x : x + w] > 200).sum(axis=0)


def test_the_waveform_moves_with_speech_and_lies_flat_in_silence(film):
    request, luma, cues = film
    profiles = [bars(request, frame) for frame in luma]
    spoken = [
        i
        for cue in cues
        for i in range(round(cue.start / 1000 * FPS) + 1, round(cue.end / 1000 * FPS) - 1)
    ]
    # while a line is spoken, tall bars, changing from frame to frame
    assert np.mean([p.max() for i, p in enumerate(profiles) if i in spoken]) > 30
    moving = [np.abs(profiles[i] - profiles[i - 1].astype(int)).sum() for i in spoken]
    assert np.mean([m > 100 for m in moving]) > 0.8, moving
    # half a window after the last line (and a margin for its voice's fading tail), nothing is
    # heard: a flat line that does not move
    quiet = range(round((cues[-1].end / 1000 + audiogram.WINDOW_S / 2 + 0.25) * FPS), len(luma))
    assert len(quiet) >= 24
    for i in quiet[1:]:
        assert profiles[i].max() <= 4, (i, profiles[i].max())
        assert np.abs(profiles[i] - profiles[i - 1].astype(int)).sum() <= 40


def test_captions_are_burned_large(film):
    request, luma, cues = film
    x, y, w, h = audiogram.band(request.width, request.height)
    middle = round((cues[0].start + cues[0].end) / 2000 * FPS)
    below = luma[middle][request.height // 2 :]
    assert (below > 240).sum() > 500  # the first line's white letters under the pictures
    usual = SubtitleBurner(request.width, request.height, "Ag")
    large = SubtitleBurner(request.width, request.height, "Ag", scale=audiogram.CAPTION_SCALE)
    assert large.font.size >= 1.4 * usual.font.size


def test_an_unknown_look_is_refused_by_name():
    with pytest.raises(InputError) as error:
        make_request(SHORT_FILMS, script=SCRIPT, duration=DURATION, look="comic")
    assert error.value.field == "look"
