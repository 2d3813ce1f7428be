"""AnimateDiff (`--motion animatediff`): a tiny MotionAdapter on a tiny SD 1.5-style base, built
from configs, saved and loaded through the production loader; alone and in a studio film."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from pipelines import references
from pipelines.engines import StudioEngines, check_models_dir
from pipelines.engines.animatediff import AnimateDiffEngine
from pipelines.errors import InputError
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.utils.film import SCRIPT, SHORT_FILMS
from tests.utils.probe import assert_upload_standard, decode_frames, probe

DURATION = 6.0


@pytest.fixture(scope="module")
def animatediff(tiny_models) -> AnimateDiffEngine:
    return AnimateDiffEngine.load(tiny_models / "animatediff")


@pytest.mark.parametrize("frames", [14, 16])
def test_a_prompt_becomes_a_clip_of_the_frames_and_size_asked(animatediff, frames):
    clip = animatediff("waves break on the rocks at dawn", frames, (320, 180), seed=1)
    assert len(clip) == frames
    assert {(f.shape, f.dtype) for f in clip} == {((180, 320, 3), np.dtype(np.uint8))}
    assert np.abs(clip[0].astype(int) - clip[-1].astype(int)).mean() > 0  # frames differ


def test_a_reference_gives_the_clip_its_look(animatediff, monkeypatch):
    """The character's picture reaches the pipeline through the IP-Adapter and changes the clip;
    a clip without one is the same as before the adapter was loaded."""
    received = []
    call = type(animatediff.pipe).__call__

    def spy(self, *args, **kwargs):
        received.append(kwargs)
        return call(self, *args, **kwargs)

    monkeypatch.setattr(type(animatediff.pipe), "__call__", spy)
    face = Image.new("RGB", (64, 64), (200, 30, 40))
    plain = np.stack(animatediff("Mara at the window", 8, (128, 72), seed=2))
    looked = np.stack(animatediff("Mara at the window", 8, (128, 72), seed=2, reference=face))
    again = np.stack(animatediff("Mara at the window", 8, (128, 72), seed=2))
    assert np.array_equal(np.asarray(received[1]["ip_adapter_image"]), np.asarray(face))
    assert looked.shape == plain.shape == (8, 72, 128, 3)
    assert np.abs(looked.astype(int) - plain.astype(int)).mean() > 1.0
    assert np.array_equal(again, plain)


def test_check_names_the_missing_adapter(tiny_models, tmp_path):
    (status,) = [s for s in check_models_dir(tiny_models) if s.engine == "animatediff"]
    assert status.ready and status.notes == ["IP-Adapter: animatediff/ip_adapter"]
    shutil.copytree(tiny_models / "animatediff", tmp_path / "animatediff")
    shutil.rmtree(tmp_path / "animatediff" / "motion_adapter")
    status = {s.engine: s for s in check_models_dir(tmp_path)}["animatediff"]
    assert status.missing == [
        "animatediff/motion_adapter/config.json",
        "animatediff/motion_adapter/ weights (*.safetensors)",
    ]


def test_the_motion_option_chooses_the_clip_engine(tiny_models):
    engines = StudioEngines.local(tiny_models)
    assert engines.moves("svd") and engines.moves("animatediff")
    assert not engines.moves("kenburns")
    clip = engines.clip(None, 16, (256, 144), 3, prompt="a kettle on a stove", motion="animatediff")
    assert [f.shape for f in clip] == [(144, 256, 3)] * 16
    assert engines.clip(None, 16, (256, 144), 3, motion="kenburns") == []


def test_an_unknown_motion_is_refused_naming_the_field():
    with pytest.raises(InputError) as error:
        make_request(SHORT_FILMS, script=SCRIPT, duration=DURATION, motion="warp")
    assert error.value.field == "motion"
    assert "svd" in error.value.message and "animatediff" in error.value.message


@pytest.fixture(scope="module")
def film(studio_ray, tiny_models, tmp_path_factory):
    calls = []
    original = AnimateDiffEngine.__call__

    def counted(self, prompt, *args, **kwargs):
        calls.append((prompt, kwargs.get("reference")))
        return original(self, prompt, *args, **kwargs)

    out = tmp_path_factory.mktemp("animatediff-film") / "kettle.mp4"
    request = make_request(
        SHORT_FILMS,
        script=SCRIPT,
        duration=DURATION,
        seed=5,
        tier="studio",
        models_dir=tiny_models,
        motion="animatediff",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AnimateDiffEngine, "__call__", counted)
        result = render_film(request, out)
    return result, calls


def test_a_studio_film_with_animatediff_meets_the_upload_standard(film):
    result, calls = film
    # A clip per shot, from its prompt saying who stands where, with the look of whoever is seen
    # in it (Mara: her first still, the tiny models having an IP-Adapter for AnimateDiff too).
    assert [prompt for prompt, _ in calls] == references.prompts(result.plan)
    seen = references.seen(result.plan)
    assert [reference is not None for _, reference in calls] == [bool(s) for s in seen]
    assert any(seen)
    assert_upload_standard(probe(result.video), DURATION)
    first, later = decode_frames(result.video, [0.5, 1.5])
    assert np.abs(first.astype(int) - later.astype(int)).mean() > 0.5
