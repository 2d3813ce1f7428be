"""The studio tier's music for verse and chant: MusicGen asked for what the film's form, mood
and music choice call for (the tiny random-weight MusicGen, through the production loader)."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines import music, tanpura
from pipelines.engines import DraftEngines, StudioEngines
from pipelines.engines.musicgen import MusicGenEngine
from pipelines.engines.random_weights import build_tiny_models

SR = 48000


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    models = build_tiny_models(tmp_path_factory.mktemp("models"), engines=("musicgen",))
    with pytest.warns(UserWarning):  # the engines this directory lacks are named
        studio = StudioEngines.local(models)
    yield studio
    studio.release()


@pytest.fixture
def prompts(monkeypatch):
    """The prompts the MusicGen engine is given (it still generates from each)."""
    given: list[str] = []
    generate = MusicGenEngine.generate

    def recording(self, prompt, seconds, seed=0):
        given.append(prompt)
        return generate(self, prompt, seconds, seed)

    monkeypatch.setattr(MusicGenEngine, "generate", recording)
    return given


@pytest.mark.parametrize(
    "choice, mood, form, tonic, prompt",
    [
        ("tanpura", "calm", "verse", "C#3", "tanpura drone in C#, devotional, slow"),
        (
            "tanpura+tabla",
            "sad",
            "verse",
            "G#3",
            "tanpura drone in G#, light tabla in dadra taal, mournful, slow",
        ),
        (
            "generated",
            "hopeful",
            "verse",
            "C#3",
            "hopeful underscore for a recited poem, sparse, slow, instrumental, no vocals",
        ),
        ("generated", "tense", "prose", "C#3", "tense film score, cinematic, instrumental"),
    ],
)
def test_musicgen_is_asked_for_the_films_form_and_mood(
    engines, prompts, choice, mood, form, tonic, prompt
):
    sa = tanpura.note_hz(tonic)
    bed = music.bed(None, choice, mood, 2.5, 0, engines, sa_hz=sa, tala="dadra", form=form)
    assert prompts == [prompt]
    assert bed.shape == (round(2.5 * SR), 2) and np.isfinite(bed).all() and bed.std() > 0


def test_without_musicgen_the_drone_is_synthesised():
    sa = tanpura.note_hz("C#3")
    bed = music.bed(None, "tanpura", "calm", 2.5, 0, DraftEngines(), sa_hz=sa, form="verse")
    assert np.array_equal(bed, tanpura.bed(2.5, sa))
