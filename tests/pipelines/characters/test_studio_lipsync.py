"""The studio tier's lip-sync model (tiny, random weights) animates a speaker's face in a film;
without the model the drawn mouths stay."""

from __future__ import annotations

import shutil

import av
import numpy as np
import pysubs2
import pytest

from pipelines.engines import StudioEngines
from pipelines.engines.lipsync import LipSyncEngine
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.pipelines.characters.staged import cast_of
from tests.utils.film import SHORT_FILMS
from tests.utils.probe import assert_upload_standard, probe

SCENE = "INT. PIER - DAY\n\nIRIS\nBob met Pam by the map.\n"
DURATION = 4.0
FPS = 24


def test_the_engine_gives_a_frame_per_film_frame(tiny_models):
    engine = LipSyncEngine.load(tiny_models / "lipsync")
    face = np.full((90, 80, 3), 180, np.uint8)
    from PIL import Image

    frames = engine(Image.fromarray(face), np.zeros(48000, np.float32), 48000, 25)
    assert len(frames) == 25 and all(f.shape == (90, 80, 3) for f in frames)
    assert (frames[0][:40] == 180).all()  # the upper half is the portrait's own


@pytest.fixture(scope="module")
def film(studio_ray, tiny_models, tmp_path_factory):
    # only the lip-sync model: the rest of the film is the draft tier's
    models = tmp_path_factory.mktemp("lipsync-only")
    shutil.copytree(tiny_models / "lipsync", models / "lipsync")
    request = make_request(
        SHORT_FILMS, script=SCENE, duration=DURATION, seed=2, tier="studio", models_dir=models
    )
    result = render_film(request, tmp_path_factory.mktemp("lipsync-film") / "pier.mp4")
    with av.open(str(result.video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return request, result, frames


def test_a_studio_film_with_lipsync_has_its_shape_and_length(film):
    _, result, frames = film
    assert_upload_standard(probe(result.video), DURATION)
    assert len(frames) == DURATION * FPS and frames[0].shape == (720, 1280, 3)


def test_the_model_redraws_the_speakers_face_while_she_speaks(film):
    request, result, frames = film
    draft = make_request(SHORT_FILMS, script=SCENE, duration=DURATION, seed=2)
    cast = cast_of(draft)
    x, y, w, h = cast.mouth_box("IRIS", 0)
    cue = pysubs2.load(str(result.srt))[0]
    line = range(round(cue.start / 1000 * FPS) + 2, round(cue.end / 1000 * FPS) - 2)
    mouth = [frames[i][y : y + h, x : x + w].astype(int) for i in line]
    drawn = {s: cast.sprites[0].mouths[k].y for k, s in enumerate("ABCDEFGHX")}
    # noise from random weights: far from every drawn mouth shape (compared on luma)
    luma = [m @ np.array([0.299, 0.587, 0.114]) for m in mouth]
    for m in luma[::4]:
        assert min(np.abs(m - d * 1.0).mean() for d in drawn.values()) > 10


def test_without_the_model_no_face_is_animated():
    assert StudioEngines().lipsync(None, np.zeros(10), 48000, 24) is None
