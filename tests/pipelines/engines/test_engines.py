"""Each studio engine, loaded from a saved tiny model directory through the production loader."""

from __future__ import annotations

import json
import pickle
import shutil
import warnings

import numpy as np
import pytest
from PIL import Image

from pipelines.engines import StudioEngines, check_models_dir
from pipelines.engines.framing import cover_fit, generation_size
from pipelines.engines.llm import LLMEngine, parse_notes, with_derived_prompts
from pipelines.engines.loader import choose_device
from pipelines.engines.musicgen import MusicGenEngine, loop_to_length
from pipelines.engines.random_weights import main as tiny_main
from pipelines.engines.sdxl import SDXLEngine
from pipelines.engines.svd import SVDEngine
from pipelines.engines.tts import TTSEngine
from pipelines.plan import Line, Plan, Scene, Shot
from tests.utils.studio import assert_same_picture

SIZE = (1280, 720)


def lighthouse() -> Plan:
    return Plan(
        title="The Keeper",
        scenes=[
            Scene(
                "INT. LIGHTHOUSE - NIGHT",
                [Shot("The keeper climbs the stairs.", [Line("ANNA", "Who is there?")])],
            ),
            Scene(
                "EXT. SEA - DAWN",
                [Shot("Waves break on the rocks."), Shot("", [Line("TOM", "Only me.")])],
            ),
        ],
        characters=["ANNA", "TOM"],
    )


# -- the model directory ------------------------------------------------------------------


def test_tiny_cli_writes_what_the_loader_reads(tmp_path):
    tiny_main([str(tmp_path), "--engines", "tts,llm", "--languages", "en,de"])
    status = {s.engine: s for s in check_models_dir(tmp_path)}
    assert status["tts"].ready and status["tts"].notes == ["languages: de, en"]
    assert status["llm"].ready
    assert not status["sdxl"].ready and status["sdxl"].missing[0].startswith("sdxl/")


def test_check_names_what_is_missing(tiny_models, tmp_path):
    assert all(s.ready for s in check_models_dir(tiny_models))
    shutil.copytree(tiny_models / "sdxl", tmp_path / "sdxl")
    for weights in (tmp_path / "sdxl" / "vae").glob("*.safetensors"):
        weights.unlink()
    (tmp_path / "tts" / "fr").mkdir(parents=True)
    status = {s.engine: s for s in check_models_dir(tmp_path)}
    assert status["sdxl"].missing == ["sdxl/vae/ weights (*.safetensors)"]
    assert status["tts"].missing == [
        "tts/fr/config.json",
        "tts/fr/ weights (*.safetensors)",
        "tts/fr/vocab.json",
    ]
    assert "missing" in status["svd"].line()


# -- engines, each alone ------------------------------------------------------------------


def test_device_is_cpu_without_cuda():
    assert choose_device() == "cpu"


def test_sdxl_draws_each_prompt_at_the_exact_size(tiny_models):
    engine = SDXLEngine.load(tiny_models / "sdxl")
    pictures = engine(["a lighthouse at dusk", "rain on a window"], SIZE, seed=3)
    assert [(p.size, p.mode) for p in pictures] == [(SIZE, "RGB")] * 2
    assert np.asarray(pictures[0]).std() > 1  # noise, not a blank
    alone = engine(["rain on a window"], SIZE, seed=[4])[0]  # prompt i is seeded seed + i
    assert_same_picture(alone, pictures[1])  # a batch of one and of two: the same picture
    other = engine(["rain on a window"], SIZE, seed=[5])[0]
    assert np.abs(np.asarray(other, np.int16) - np.asarray(alone, np.int16)).mean() > 10


@pytest.fixture(scope="module")
def svd(tiny_models) -> SVDEngine:
    return SVDEngine.load(tiny_models / "svd")


@pytest.mark.parametrize("frames", [14, 25])
def test_svd_animates_a_still(svd, frames):
    clip = svd(Image.new("RGB", (640, 360), (200, 90, 40)), frames, (320, 180), seed=1)
    assert len(clip) == frames
    assert {(f.shape, f.dtype) for f in clip} == {((180, 320, 3), np.dtype(np.uint8))}


def test_tts_speaks_48khz_mono_and_declines_unknown_languages(tiny_models):
    engine = TTSEngine.load(tiny_models / "tts")
    assert engine.languages == ["en"]
    speech = engine(["Hello there.", "A much longer line of dialogue, spoken slowly.", "!!!"], "en")
    assert [(s.dtype, s.ndim) for s in speech] == [(np.float32, 1)] * 3
    assert len(speech[0]) > 0 and len(speech[0]) % 3 == 0  # 16 kHz model × 3 = 48 kHz
    assert len(speech[2]) == 0  # nothing the tokenizer could spell
    assert engine(["Bonjour."], "fr") is None


def test_batch_resampling_on_the_model_device_matches_scipy():
    """The TTS engine resamples a whole batch where the model ran; the samples are those of
    scipy's resample_poly (the CPU path), line by line, for 16 and 24 kHz models and for a
    ratio that is not a whole number."""
    import torch
    from scipy.signal import resample_poly

    from pipelines.engines.tts import resample_batch

    rng = np.random.default_rng(0)
    for rate, up, down in ((16_000, 3, 1), (24_000, 2, 1), (22_050, 320, 147)):
        lengths = torch.tensor([rate // 2, rate // 5, rate // 3])
        waves = torch.zeros(3, int(lengths.max()))
        for row, n in zip(waves, lengths):
            row[:n] = torch.from_numpy(rng.normal(0, 0.2, int(n)).astype(np.float32))
        out, out_lengths = resample_batch(waves, lengths, rate, 48_000)
        for row, n, wave, m in zip(out, out_lengths.tolist(), waves, lengths.tolist()):
            expected = resample_poly(wave[:m].numpy(), up, down)
            assert n == len(expected)
            # the padded batch sees zeros past a line's end, as resample_poly does: equal samples
            assert np.allclose(row[:n].numpy(), expected, atol=1e-5)


def test_musicgen_matches_any_length(tiny_models):
    engine = MusicGenEngine.load(tiny_models / "musicgen")
    assert engine.max_seconds == 2.0  # the tiny model's studio.json
    music = engine("calm film score", duration_s=5.3)  # longer than one piece: looped
    assert music.shape == (round(5.3 * 48000), 2) and music.dtype == np.float32
    assert np.isfinite(music).all() and music.std() > 0


def test_llm_output_that_is_not_json_keeps_the_plan(tiny_models):
    engine = LLMEngine.load(tiny_models / "llm")
    plan = engine.plan("INT. LIGHTHOUSE - NIGHT", lighthouse())  # random weights: never valid JSON
    assert [s.description for s in plan.shots] == [s.description for s in lighthouse().shots]
    assert plan.shots[0].prompt.startswith(
        "The keeper climbs the stairs, interior, lighthouse, night"
    )
    assert plan.shots[2].prompt.startswith("Tom talking, exterior, sea, dawn")


class ScriptedLLM:
    """A backend that answers with given texts, to test what the engine does with them."""

    device = "cpu"

    def __init__(self, *answers: str):
        self.answers = list(answers)
        self.prompts: list[str] = []

    def generate(self, prompts, max_new_tokens):
        self.prompts += prompts
        return [self.answers.pop(0) for _ in prompts]


def test_llm_valid_json_fills_prompts_and_mood_per_chunk():
    good = {
        "mood": "tense",
        "shots": [
            {"shot": 1, "prompt": "a lantern on a spiral stair", "camera": "low angle"},
            {"shot": 2, "prompt": "grey waves at dawn", "camera": ""},
        ],
    }
    engine = LLMEngine(ScriptedLLM("Sure! " + json.dumps(good), "{not json"), shots_per_request=2)
    plan = engine.plan("script", lighthouse())
    assert [(s.prompt, s.camera) for s in plan.shots[:2]] == [
        ("a lantern on a spiral stair", "low angle"),
        ("grey waves at dawn", None),
    ]
    assert plan.shots[2].prompt.startswith("Tom talking")  # its chunk's answer was invalid
    assert plan.mood == "tense"
    assert "1. [INT. LIGHTHOUSE - NIGHT] The keeper climbs the stairs." in engine.backend.prompts[0]


@pytest.mark.parametrize(
    "answer",
    [
        '{"shots": [{"shot": 1, "prompt": ""}]}',  # an empty prompt
        '{"shots": [{"shot": 2, "prompt": "a lantern"}]}',  # wrong numbering
        '{"mood": "cheerful", "shots": [{"shot": 1, "prompt": "a lantern"}]}',  # not a mood
        '{"shots": [{"shot": 1, "prompt": "a lantern"}, {"shot": 2, "prompt": "sea"}]}',  # too many shots
        "no json at all",
    ],
)
def test_invalid_answers_are_refused(answer):
    assert parse_notes(answer, 1) is None


def test_derived_prompts_leave_the_fallback_untouched():
    plan = lighthouse()
    derived = with_derived_prompts(plan)
    assert all(s.prompt for s in derived.shots) and not any(s.prompt for s in plan.shots)


# -- helpers ------------------------------------------------------------------------------


def test_generation_size_keeps_the_aspect_near_the_native_area():
    assert generation_size((1280, 720), 1024, 64) == (1344, 768)
    assert generation_size((1080, 1920), 1024, 64) == (768, 1344)
    assert generation_size((1080, 1080), 1024, 64) == (1024, 1024)


def test_cover_fit_is_exact_and_crops_the_centre():
    image = Image.new("RGB", (100, 50), "black")
    image.paste((255, 0, 0), (25, 0, 75, 50))
    fitted = cover_fit(image, (50, 50))
    assert fitted.size == (50, 50) and fitted.getpixel((25, 25)) == (255, 0, 0)


def test_loop_crossfades_to_the_exact_length():
    piece = np.ones((1000, 2), np.float32)
    looped = loop_to_length(piece, 3500, crossfade=100)
    assert looped.shape == (3500, 2)
    assert np.abs(looped - 1).max() < 0.5  # equal-power crossfade of a constant dips ≤ 1 - 1/√2


# -- the facade, local --------------------------------------------------------------------


def test_local_facade_serves_what_the_directory_has(tiny_models, tmp_path):
    for name in ("llm", "sdxl", "tts"):
        shutil.copytree(tiny_models / name, tmp_path / name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        engines = StudioEngines.local(tmp_path)
    assert engines.available() == {
        "llm": True,
        "sdxl": True,
        "svd": False,
        "tts": True,
        "musicgen": False,
        "lipsync": False,
        "animatediff": False,
    }
    assert sorted(str(w.message).split(":")[1].strip() for w in caught) == [
        "animatediff",
        "lipsync",
        "musicgen",
        "svd",
    ]

    plan = engines.plan("script", lighthouse())
    assert all(s.prompt for s in plan.shots)
    pictures = engines.pictures([s.prompt for s in plan.shots], SIZE, seed=1)
    assert [p.size for p in pictures] == [SIZE] * 3
    assert engines.clip(pictures[0], 14, SIZE, seed=1) == []  # no SVD: the draft path animates
    assert engines.music("calm", 3.0) is None
    speech = engines.speak("Who is there?", "en", speaker=1)
    assert speech.dtype == np.float32 and speech.ndim == 1
    assert engines.speak("Qui est là ?", "fr", speaker=1) is None
    lines = engines.speak_lines(["One.", "Two.", "Three."], "en", [0, 1, 0])
    assert all(a is not None and a.ndim == 1 for a in lines)

    shipped = pickle.loads(pickle.dumps(engines))  # e.g. into a Ray task: engines reload there
    assert shipped.available() == engines.available()
    engines.release()
