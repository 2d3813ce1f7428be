"""The same character in every shot: a reference through a ControlNet, and the SDXL LoRAs."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipelines.engines import check_models_dir
from pipelines.engines.sdxl import SDXLEngine
from pipelines.errors import InputError

SIZE = (64, 64)


@pytest.fixture(scope="module")
def sdxl(tiny_models):
    return SDXLEngine.load(tiny_models / "sdxl")


def reference() -> Image.Image:
    """A stick figure: the pose the character should take."""
    image = Image.new("RGB", (96, 96), "black")
    draw = ImageDraw.Draw(image)
    draw.ellipse((38, 8, 58, 28), outline="white", width=3)
    draw.line((48, 28, 48, 64), fill="white", width=3)
    draw.line((20, 40, 76, 40), fill="white", width=3)
    draw.line((48, 64, 28, 90), fill="white", width=3)
    draw.line((48, 64, 68, 90), fill="white", width=3)
    return image


def test_a_reference_conditions_every_still(sdxl, monkeypatch):
    prompts = ["Mara at the window", "Mara by the kettle"]
    plain = sdxl(prompts, SIZE, seed=3)
    control_pipe = sdxl._control_pipe("pose")
    seen = {}
    call = type(control_pipe).__call__

    def spy(self, *args, **kwargs):
        seen.update(kwargs)
        return call(self, *args, **kwargs)

    monkeypatch.setattr(type(control_pipe), "__call__", spy)
    posed = sdxl(prompts, SIZE, seed=3, control=reference())
    assert [im.size for im in posed] == [SIZE, SIZE]
    assert len(seen["image"]) == 2  # the reference, once per prompt, at the generation size
    assert seen["image"][0].size == (seen["width"], seen["height"])
    assert np.asarray(seen["image"][0]).max() == 255  # the figure's white lines, not a blank
    for a, b in zip(plain, posed):
        assert np.abs(np.asarray(a, float) - np.asarray(b, float)).mean() > 1.0
    again = sdxl(prompts, SIZE, seed=3, control=reference())
    assert [np.asarray(im).tolist() for im in again] == [np.asarray(im).tolist() for im in posed]


def test_an_unknown_control_kind_names_what_there_is(sdxl):
    with pytest.raises(InputError, match="no ControlNet 'depth'.*there are: pose"):
        sdxl(["a"], SIZE, control=reference(), control_kind="depth")


def test_models_check_reports_the_controlnet(tiny_models):
    (sdxl,) = [s for s in check_models_dir(tiny_models) if s.engine == "sdxl"]
    assert "ControlNet: pose" in sdxl.line()


def lora_copy(tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models / "sdxl", models / "sdxl")
    (models / "sdxl" / "lora").mkdir()
    return models


def test_a_lora_changes_the_picture(sdxl, tiny_models, tmp_path):
    import torch
    from diffusers import StableDiffusionXLPipeline
    from peft import LoraConfig, get_peft_model_state_dict

    models = lora_copy(tiny_models, tmp_path)
    unet = sdxl.pipe.unet
    unet.add_adapter(LoraConfig(r=2, target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    with torch.no_grad():
        for name, param in unet.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.5)
    layers = get_peft_model_state_dict(unet)
    unet.delete_adapters(unet.active_adapters())  # leave the shared engine as it was
    StableDiffusionXLPipeline.save_lora_weights(
        models / "sdxl" / "lora", unet_lora_layers=layers, weight_name="mara.safetensors"
    )
    styled = SDXLEngine.load(models / "sdxl")(["Mara"], SIZE, seed=3)[0]
    plain = sdxl(["Mara"], SIZE, seed=3)[0]
    assert np.abs(np.asarray(styled, float) - np.asarray(plain, float)).mean() > 1.0


def test_a_malformed_lora_is_refused_by_name(tiny_models, tmp_path):
    models = lora_copy(tiny_models, tmp_path)
    (models / "sdxl" / "lora" / "broken.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(InputError, match="broken.safetensors"):
        SDXLEngine.load(models / "sdxl")


def test_the_cli_lists_controlnets_and_the_chat_api(tiny_models, monkeypatch):
    from typer.testing import CliRunner

    from filmstudio.cli import app
    from infra.settings import get_settings

    monkeypatch.setenv("FILMSTUDIO_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("FILMSTUDIO_LLM_API_KEY", "sk-never-shown")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["models", "check", str(tiny_models)], terminal_width=300)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "ControlNet: pose" in result.output
    assert "the chat API at http://127.0.0.1:9/v1" in result.output
    assert "sk-never-shown" not in result.output
