"""A whole studio-tier film from the tiny models: noise pictures and clips, noise speech and
music, through the same pipeline and the same checks as a draft-tier film."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.utils.film import (
    SCRIPT,  # the same short scene as the draft-tier film tests
    SHORT_FILMS,
)
from tests.utils.probe import assert_upload_standard, decode_frames, loudness, probe

DURATION = 6.0


@pytest.fixture(scope="module")
def film(studio_ray, tiny_models, tmp_path_factory):
    out = tmp_path_factory.mktemp("studio-film") / "kettle.mp4"
    request = make_request(
        SHORT_FILMS, script=SCRIPT, duration=DURATION, seed=5, tier="studio", models_dir=tiny_models
    )
    return render_film(request, out)


def test_the_llm_wrote_a_prompt_for_every_shot(film):
    assert all(shot.prompt for shot in film.plan.shots)


def test_mp4_meets_the_upload_standard(film):
    p = probe(film.video)
    assert_upload_standard(p, DURATION)


def test_mix_is_minus_14_lufs_with_headroom(film):
    lufs, true_peak = loudness(film.video)
    assert abs(lufs + 14) <= 1
    assert true_peak <= -1.0


def test_the_picture_moves(film):
    first, later = decode_frames(film.video, [0.5, 1.5])
    assert np.abs(first.astype(int) - later.astype(int)).mean() > 0.5
