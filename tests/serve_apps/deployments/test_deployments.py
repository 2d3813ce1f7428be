"""The studio app on Ray Serve: every engine deployment, reached through handles and HTTP."""

from __future__ import annotations

import base64
import io
import wave

import httpx
import numpy as np
import pytest
from PIL import Image

from pipelines import translate
from pipelines.engines import ENGINES, StudioEngines
from pipelines.errors import InputError
from pipelines.plan import Plan, Scene, Shot
from pipelines.translate.llm import LLMTranslator
from serve_apps.studio import build_gateway_app
from tests.utils.studio import assert_same_picture

SIZE = (320, 180)
ROUTE = "/studio"


@pytest.fixture(scope="module")
def studio(serve_session, tiny_models):
    """The whole studio app with the decorators' T4 GPU fractions on one logical GPU.

    The CPU share is zeroed: this box has 2 cores, and each replica would reserve one."""
    no_cpu = {"ray_actor_options": {"num_cpus": 0}}
    app = build_gateway_app(
        {
            "models_dir": str(tiny_models),
            "options": {name: no_cpu for name in ENGINES},
            "gateway_options": no_cpu,
        }
    )
    serve_session.run(app, name="studio", route_prefix=ROUTE)
    yield serve_session.get_app_handle("studio")
    serve_session.delete("studio")


@pytest.fixture(scope="module")
def handles(studio, serve_session):
    names = {
        "llm": "LLM",
        "sdxl": "SDXL",
        "svd": "SVD",
        "tts": "TTS",
        "musicgen": "MusicGen",
        "lipsync": "LipSync",
        "animatediff": "AnimateDiff",
    }
    return {
        engine: serve_session.get_deployment_handle(name, "studio")
        for engine, name in names.items()
    }


def test_the_t4_set_fits_on_one_gpu(studio, serve_session):
    """SDXL 0.36 + SVD 0.33 + LLM 0.08 + MusicGen 0.09 + TTS 0.02 = 0.88 GPU: all placed.
    LipSync and AnimateDiff start at zero replicas (on a T4 they wait for a card: t4.yaml)."""
    deployments = serve_session.status().applications["studio"].deployments
    on_demand = ("LipSync", "AnimateDiff")
    running = {name: d.replica_states for name, d in deployments.items() if name not in on_demand}
    assert running == {
        name: {"RUNNING": 1} for name in ("LLM", "SDXL", "SVD", "TTS", "MusicGen", "StudioGateway")
    }
    assert all(deployments[name].replica_states.get("RUNNING", 0) == 0 for name in on_demand)


def test_every_engine_answers_through_its_handle(handles):
    engines = StudioEngines.from_handles(handles)
    assert engines.available() == dict.fromkeys(ENGINES, True)

    fallback = Plan(
        "Keeper",
        [Scene("INT. LIGHTHOUSE - NIGHT", [Shot("The keeper climbs."), Shot("Rain.")])],
        [],
    )
    plan = engines.plan("INT. LIGHTHOUSE - NIGHT\n\nThe keeper climbs.", fallback)
    assert [s.description for s in plan.shots] == ["The keeper climbs.", "Rain."] and all(
        s.prompt for s in plan.shots
    )

    pictures = engines.pictures(
        ["a lighthouse", "rain", "a lantern"], SIZE, seed=2
    )  # batched in the replica
    assert [(p.size, p.mode) for p in pictures] == [(SIZE, "RGB")] * 3

    clip = engines.clip(pictures[0], 14, SIZE, seed=2)
    assert len(clip) == 14 and clip[0].shape == (180, 320, 3) and clip[0].dtype == np.uint8

    speech = engines.speak_lines(["Who is there?", "Only me.", "Hello."], "en", [0, 1, 0])
    assert all(s.dtype == np.float32 and s.ndim == 1 and len(s) for s in speech)
    assert engines.speak("Bonjour.", "fr", 0) is None

    music = engines.music("calm film score", 3.0)
    assert music.shape == (144000, 2) and music.dtype == np.float32

    # LipSync scales up from zero for its first request
    face = Image.new("RGB", (60, 60), (200, 150, 120))
    talking = engines.lipsync(face, speech[0], 48000, 24)
    assert len(talking) == -(-len(speech[0]) * 24 // 48000) and talking[0].shape == (60, 60, 3)

    # AnimateDiff too: a clip drawn from the shot's prompt, no still needed
    drawn = engines.clip(None, 16, SIZE, seed=2, prompt="waves at dawn", motion="animatediff")
    assert len(drawn) == 16 and drawn[0].shape == (180, 320, 3) and drawn[0].dtype == np.uint8


def test_a_films_lines_come_back_in_order_from_serve(handles):
    """40 lines in two voices travel as 16-line requests and come back each with its own speech:
    every long line's speech is many times longer than any "Hi."'s (a mix-up would pair them)."""
    long = "The keeper climbs the stairs with a lantern, counting every step out loud, and the rain keeps on."
    texts = [long if i % 3 == 0 else "Hi." for i in range(40)]
    speech = StudioEngines.from_handles(handles).speak_lines(
        texts, "en", [i % 2 for i in range(40)]
    )
    assert all(s.dtype == np.float32 and s.ndim == 1 for s in speech)
    longest_hi = max(len(s) for s, text in zip(speech, texts) if text == "Hi.")
    assert min(len(s) for s, text in zip(speech, texts) if text == long) > 5 * longest_hi


def test_subtitles_are_translated_through_the_llm_deployment(handles):
    """The translate stage's LLM backend reaches the Serve deployment through its handle; the
    tiny random model answers noise, so the validator refuses it and says why."""
    engines = StudioEngines.from_handles(handles)
    answers = engines.text_model().generate(["1. Hold on.", "1. Rain.", "1. Dawn."], 4)
    assert len(answers) == 3 and all(isinstance(answer, str) for answer in answers)

    translator = LLMTranslator.from_engines(engines)
    assert translator.unavailable("en", "es") is None
    translator.max_new_tokens, translator.retries = 8, 0
    with pytest.raises(InputError) as refused:
        translate.translate(["Hold on.", "Rain."], "en", "es", [translator])
    assert "llm (the LLM's answer for lines 1–2 failed validation" in refused.value.message


def test_the_same_seed_draws_the_same_picture_locally_and_on_serve(handles, tiny_models):
    remote = StudioEngines.from_handles(handles).pictures(["a lighthouse", "rain"], SIZE, seed=5)
    local = StudioEngines.local(tiny_models).pictures(["a lighthouse", "rain"], SIZE, seed=5)
    # The replica runs torch on its own thread count (Ray gives an actor one CPU): the same
    # picture, give or take a level. Another seed draws a different picture altogether.
    for r, here in zip(remote, local):
        assert_same_picture(r, here)
    other = StudioEngines.local(tiny_models).pictures(["a lighthouse"], SIZE, seed=6)[0]
    assert np.abs(np.asarray(other, np.int16) - np.asarray(local[0], np.int16)).mean() > 10


def test_gateway_over_http(studio, serve_url):
    base = serve_url + ROUTE
    assert httpx.get(f"{base}/engines", timeout=30).json() == dict.fromkeys(ENGINES, True)
    spoken = httpx.post(f"{base}/speak", json={"text": "Who is there?"}, timeout=60)
    with wave.open(io.BytesIO(spoken.content)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (
            48000,
            1,
            2,
        ) and wav.getnframes()
    assert (
        httpx.post(
            f"{base}/speak", json={"text": "Hallo", "language": "de"}, timeout=60
        ).status_code
        == 404
    )
    drawn = httpx.post(
        f"{base}/pictures",
        json={"prompts": ["a lighthouse"], "width": 160, "height": 90},
        timeout=60,
    )
    assert Image.open(io.BytesIO(base64.b64decode(drawn.json()["images"][0]))).size == (160, 90)


def test_a_bad_request_is_a_4xx(studio, serve_url):
    reply = httpx.post(
        f"{serve_url}{ROUTE}/pictures", json={"prompts": [], "width": 10}, timeout=30
    )
    assert reply.status_code == 422


def test_a_reference_travels_through_the_handles(handles, tiny_models):
    """A character's reference reaches the SDXL replica as PNG bytes: the picture it draws is
    the one drawn here with the same reference, and not the one drawn without it."""
    face = Image.new("RGB", (96, 96), (40, 60, 90))
    face.paste((230, 190, 160), (28, 16, 68, 70))
    remote = StudioEngines.from_handles(handles)
    assert remote.takes_references()
    looked = remote.pictures(["Mara at the window"], SIZE, [5], references=[face])[0]
    local = StudioEngines.local(tiny_models)
    assert_same_picture(
        looked, local.pictures(["Mara at the window"], SIZE, [5], references=[face])[0]
    )
    plain = local.pictures(["Mara at the window"], SIZE, [5])[0]
    assert np.abs(np.asarray(looked, np.int16) - np.asarray(plain, np.int16)).mean() > 1
    # AnimateDiff's replica takes a reference the same way.
    assert remote.takes_references("animatediff")
    clip = remote.clip(None, 4, SIZE, 2, prompt="Mara", motion="animatediff", reference=face)
    assert len(clip) == 4 and clip[0].shape == (180, 320, 3)
