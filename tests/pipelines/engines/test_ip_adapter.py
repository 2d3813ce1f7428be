"""The same face in every shot: a picture of the character conditions SDXL's stills through a
tiny IP-Adapter (and its CLIP image encoder) built from configs, loaded with diffusers'
`load_ip_adapter` from MODELS/sdxl/ip_adapter/."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipelines.engines import check_models_dir
from pipelines.engines.sdxl import SDXLEngine
from pipelines.errors import InputError

SIZE = (64, 64)
PROMPTS = ["Mara at the window", "Mara by the kettle"]


@pytest.fixture(scope="module")
def sdxl(tiny_models):
    return SDXLEngine.load(tiny_models / "sdxl")  # its own: the adapter stays in this UNet


def mara() -> Image.Image:
    """The character's reference picture: a face in a red scarf."""
    image = Image.new("RGB", (128, 128), (40, 60, 90))
    draw = ImageDraw.Draw(image)
    draw.ellipse((34, 16, 94, 86), fill=(230, 190, 160))
    draw.rectangle((30, 86, 98, 112), fill=(200, 30, 40))
    return image


def pixels(image) -> np.ndarray:
    return np.asarray(image, dtype=float)


@pytest.fixture
def received(sdxl, monkeypatch):
    """The keyword arguments of every SDXL pipeline call (plain or ControlNet), as it got them."""
    calls = []
    for cls in {type(sdxl.pipe), type(sdxl._control_pipe("pose"))}:
        original = cls.__call__

        def spy(self, *args, _original=original, **kwargs):
            calls.append(kwargs)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__call__", spy)
    return calls


def test_the_reference_reaches_the_pipeline_and_changes_the_stills(sdxl, received):
    plain = sdxl(PROMPTS, SIZE, seed=3)
    conditioned = sdxl(PROMPTS, SIZE, seed=3, reference=mara())
    assert "ip_adapter_image" not in received[0]
    assert np.array_equal(pixels(received[1]["ip_adapter_image"]), pixels(mara()))
    assert [im.size for im in conditioned] == [SIZE, SIZE]
    for a, b in zip(plain, conditioned):
        assert np.abs(pixels(a) - pixels(b)).mean() > 1.0
    # Once the adapter is in, a still without a reference is the one drawn before it was.
    again = sdxl(PROMPTS, SIZE, seed=3)
    assert [pixels(im).tolist() for im in again] == [pixels(im).tolist() for im in plain]


def test_reference_and_pose_together(sdxl, received):
    pose = Image.new("RGB", (96, 96), "black")
    ImageDraw.Draw(pose).line((48, 10, 48, 90), fill="white", width=3)
    posed = sdxl(PROMPTS, SIZE, seed=3, control=pose)
    both = sdxl(PROMPTS, SIZE, seed=3, control=pose, reference=mara())
    assert np.array_equal(pixels(received[-1]["ip_adapter_image"]), pixels(mara()))
    assert len(received[-1]["image"]) == 2  # the pose, once per prompt
    for a, b in zip(posed, both):
        assert np.abs(pixels(a) - pixels(b)).mean() > 1.0


def test_a_reference_without_an_adapter_is_refused(tiny_models, tmp_path):
    shutil.copytree(tiny_models / "sdxl", tmp_path / "sdxl")
    shutil.rmtree(tmp_path / "sdxl" / "ip_adapter")
    engine = SDXLEngine.load(tmp_path / "sdxl")
    assert engine(["Mara"], SIZE, seed=1)  # without a reference it draws as before
    with pytest.raises(InputError, match="needs an IP-Adapter") as error:
        engine(["Mara"], SIZE, seed=1, reference=mara())
    assert error.value.field == "reference"


def test_models_check_reports_the_ip_adapter(tiny_models, tmp_path):
    (status,) = [s for s in check_models_dir(tiny_models) if s.engine == "sdxl"]
    assert "IP-Adapter: sdxl/ip_adapter" in status.line()
    shutil.copytree(tiny_models / "sdxl", tmp_path / "sdxl")
    shutil.rmtree(tmp_path / "sdxl" / "ip_adapter" / "image_encoder")
    (status,) = [s for s in check_models_dir(tmp_path) if s.engine == "sdxl"]
    assert status.ready and "IP-Adapter skipped: sdxl/ip_adapter/image_encoder/config.json" in (
        status.line()
    )
