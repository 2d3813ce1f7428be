"""A document becomes a two-host show: written by the LLM through the chat API (a local server
speaking the protocol), asked again once when its answer is not valid, else by the rules."""

from __future__ import annotations

import json
import logging

import librosa
import numpy as np
import pysubs2
import pytest

from infra.settings import get_settings
from pipelines import conversation, script
from pipelines.engines import DraftEngines
from pipelines.errors import InputError
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.utils.fake_chat import FakeChat, Reply
from tests.utils.film import SHORT_FILMS
from tests.utils.probe import decode_audio

NOTES = """# Rivers

Rivers carry water from the hills to the sea. They shape the land.

## Floods

A flood spreads silt over the fields. Farmers welcome it.

- Dams hold floods back.
"""
SHOW = {
    "title": "Rivers",
    "hosts": ["Alex", "Maya"],
    "turns": [
        {"speaker": "Alex", "line": "Where does river water go?", "chapter": "Rivers"},
        {"speaker": "Maya", "line": "Down to the sea, shaping the land.", "chapter": None},
        {"speaker": "Alex", "line": "And floods?", "chapter": "Floods"},
        {"speaker": "Maya", "line": "They leave rich silt on the fields."},
    ],
}
DURATION = 12.0


@pytest.fixture
def chat(monkeypatch):
    """The fake chat API, configured as an operator's environment would."""
    with FakeChat() as fake:
        for name, value in {
            "FILMSTUDIO_LLM_BASE_URL": fake.base_url,
            "FILMSTUDIO_LLM_MODEL": "tiny-chat",
            "FILMSTUDIO_LLM_RETRY_BASE_S": "0.01",
            "FILMSTUDIO_LLM_TIMEOUT_S": "5",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield fake
    get_settings.cache_clear()


@pytest.fixture
def no_llm(monkeypatch):
    monkeypatch.delenv("FILMSTUDIO_LLM_BASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def request(**fields):
    return make_request(SHORT_FILMS, **{"from_document": NOTES, "duration": DURATION, **fields})


def test_the_llms_show_is_rendered_with_two_voices(chat, ray_session, tmp_path):
    chat.replies = [Reply(content="Here it is: " + json.dumps(SHOW))]
    result = render_film(request(music="none", seed=2), tmp_path / "rivers.mp4")

    asked = chat.requests[0].body["messages"][0]["content"]
    assert "Rivers carry water from the hills to the sea." in asked
    assert "at most 30 words" in asked  # 12 s at 150 words a minute
    cues = pysubs2.load(str(result.srt))
    assert [c.text for c in cues] == [t["line"] for t in SHOW["turns"]]
    assert [title for _, title in result.chapters] == ["Rivers", "Floods"]
    assert {line.speaker for line in result.plan.lines} == {"ALEX", "MAYA"}
    assert not [w for w in result.warnings if "LLM" in w]

    audio, rate = decode_audio(result.video).mean(axis=1), 48000

    def pitch(cue) -> float:
        clip = audio[int(cue.start / 1000 * rate) : int(cue.end / 1000 * rate)]
        f0, voiced, _ = librosa.pyin(clip, fmin=60, fmax=400, sr=rate, frame_length=4096)
        return float(np.nanmedian(f0[voiced]))

    alex, maya = (
        np.mean([pitch(cues[0]), pitch(cues[2])]),
        np.mean([pitch(cues[1]), pitch(cues[3])]),
    )
    assert abs(12 * np.log2(alex / maya)) > 1.5, (alex, maya)  # two voices


def test_an_invalid_answer_is_asked_again_once_then_the_rules_write_it(chat, caplog):
    one_host = {**SHOW, "turns": [{**t, "speaker": "Alex"} for t in SHOW["turns"]]}
    chat.replies = [Reply(content='{"title": "Riv", }'), Reply(content=json.dumps(one_host))]
    with caplog.at_level(logging.WARNING):
        written, warnings = conversation.write_show(request(duration=30.0), DraftEngines())

    assert len(chat.requests) == 2
    again = chat.requests[1].body["messages"][0]["content"]
    assert "Your previous answer was rejected: the JSON does not parse" in again
    (warning,) = warnings
    assert "not valid after 2 tries (only one host speaks)" in warning
    assert any(warning == r.getMessage() for r in caplog.records)
    plan = script.analyze(written.script)
    assert [(line.speaker, line.text) for line in plan.lines][:2] == [
        ("HOST A", "Rivers carry water from the hills to the sea. They shape the land."),
        ("HOST B", "A flood spreads silt over the fields. Farmers welcome it."),
    ]


def test_an_answer_too_long_for_the_film_is_refused(chat):
    long = {**SHOW, "turns": SHOW["turns"] * 3}
    chat.replies = [Reply(content=json.dumps(long)), Reply(content=json.dumps(SHOW))]
    written, warnings = conversation.write_show(request(), DraftEngines())
    assert (
        "63 words of dialogue; the limit is 30" in chat.requests[1].body["messages"][0]["content"]
    )
    assert warnings == []
    assert [line.text for line in script.analyze(written.script).lines][-1] == (
        "They leave rich silt on the fields."
    )


def test_the_studio_llm_is_asked_too(no_llm, tmp_path):
    """The tiny random LLM answers noise: asked twice, then the rules write the show."""
    from pipelines.engines import StudioEngines
    from pipelines.engines.random_weights import build_tiny_models

    models = build_tiny_models(tmp_path, engines=("llm",))
    engines = StudioEngines(models_dir=models, ready={"llm"})
    written, warnings = conversation.write_show(request(tier="studio", models_dir=models), engines)
    assert "the LLM's conversation was not valid after 2 tries" in warnings[0]
    assert {line.speaker for line in script.analyze(written.script).lines} == {"HOST A", "HOST B"}


def test_without_an_llm_paragraphs_alternate_and_headings_are_chapters(no_llm):
    written, warnings = conversation.write_show(request(duration=30.0), DraftEngines())
    assert "no LLM to write the show" in warnings[0]
    plan = script.analyze(written.script)
    assert plan.title == "Rivers"
    assert [(line.speaker, line.text) for line in plan.lines] == [
        ("HOST A", "Rivers carry water from the hills to the sea. They shape the land."),
        ("HOST B", "A flood spreads silt over the fields. Farmers welcome it."),
        ("HOST A", "Dams hold floods back."),
    ]
    assert [scene.heading for scene in plan.scenes] == [None, "Floods"]


def test_a_document_longer_than_the_film_is_cut_with_a_warning(no_llm):
    written, warnings = conversation.write_show(request(duration=6.0), DraftEngines())
    assert "the paragraphs from 'A flood spreads silt over the…' on are left out" in warnings[-1]
    assert len(script.analyze(written.script).lines) == 2  # one paragraph split between both


def test_a_document_with_nothing_to_say_or_beside_a_script_is_refused(no_llm):
    with pytest.raises(InputError, match="the document has no text") as error:
        conversation.write_show(
            make_request(SHORT_FILMS, from_document="![](a.png)", duration=5.0), DraftEngines()
        )
    assert error.value.field == "from_document"
    with pytest.raises(InputError, match="a script or a document, not both"):
        make_request(SHORT_FILMS, script="Hello.", from_document=NOTES, duration=5.0)
