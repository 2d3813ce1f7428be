"""The LLM through an OpenAI-compatible chat API, against a local server speaking the protocol."""

from __future__ import annotations

import json
import logging

import pytest

from infra.settings import Settings, get_settings
from pipelines.engines import DraftEngines
from pipelines.engines.llm import LLMEngine
from pipelines.engines.llm_api import ChatAPI, api_engine
from pipelines.orchestrator import storyboard
from pipelines.request import make_request
from pipelines.script import analyze
from tests.pipelines.engines.test_engines import lighthouse
from tests.utils.fake_chat import FakeChat, Reply
from tests.utils.film import SCRIPT, SHORT_FILMS

KEY = "sk-test-0123456789abcdef"

GOOD = {
    "mood": "tense",
    "shots": [
        {"shot": 1, "prompt": "a lantern on a spiral stair", "camera": "low angle"},
        {"shot": 2, "prompt": "grey waves at dawn", "camera": "wide"},
        {"shot": 3, "prompt": "a fisherman in the mist", "camera": ""},
    ],
}


@pytest.fixture
def chat():
    with FakeChat() as fake:
        yield fake


@pytest.fixture
def configured(chat, monkeypatch):
    """The settings pointing at the fake, as an operator's environment would."""
    for name, value in {
        "FILMSTUDIO_LLM_BASE_URL": chat.base_url,
        "FILMSTUDIO_LLM_API_KEY": KEY,
        "FILMSTUDIO_LLM_MODEL": "tiny-chat",
        "FILMSTUDIO_LLM_RETRY_BASE_S": "0.01",
        "FILMSTUDIO_LLM_TIMEOUT_S": "2",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield chat
    get_settings.cache_clear()


def engine(chat: FakeChat, **options) -> LLMEngine:
    options = {"retry_base_s": 0.01, **options}
    return LLMEngine(ChatAPI(chat.base_url, "tiny-chat", KEY, **options))


@pytest.mark.parametrize("stream", [False, True])
def test_a_valid_answer_fills_the_plan(chat, stream):
    chat.replies = [Reply(content="Here you are:\n" + json.dumps(GOOD))]
    plan = engine(chat, stream=stream).plan("INT. LIGHTHOUSE - NIGHT", lighthouse())
    assert [(s.prompt, s.camera) for s in plan.shots] == [
        ("a lantern on a spiral stair", "low angle"),
        ("grey waves at dawn", "wide"),
        ("a fisherman in the mist", None),
    ]
    assert plan.mood == "tense"
    (seen,) = chat.requests
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["Authorization"] == f"Bearer {KEY}"
    assert seen.body["model"] == "tiny-chat" and seen.body.get("stream", False) is stream
    assert seen.body["response_format"] == {"type": "json_object"}
    assert (
        "1. [INT. LIGHTHOUSE - NIGHT] The keeper climbs the stairs."
        in (seen.body["messages"][0]["content"])
    )


def test_malformed_json_falls_back_with_a_warning(chat, caplog):
    chat.replies = [Reply(content='{"mood": "tense", "shots": [{"shot": 1, "prompt": "a lan')]
    with caplog.at_level(logging.WARNING):
        plan = engine(chat).plan("script", lighthouse())
    assert plan.shots[0].prompt.startswith("The keeper climbs the stairs, interior, lighthouse")
    assert plan.shots[2].prompt.startswith("Tom talking, exterior, sea, dawn")
    assert plan.mood == lighthouse().mood
    assert any("not the JSON asked for" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("stream", [False, True])
def test_429_and_5xx_are_retried(chat, stream):
    chat.replies = [
        Reply(status=429, retry_after="0"),
        Reply(status=503),
        Reply(content=json.dumps(GOOD)),
    ]
    plan = engine(chat, stream=stream).plan("script", lighthouse())
    assert plan.shots[0].prompt == "a lantern on a spiral stair"
    assert len(chat.requests) == 3


def test_backoff_grows_and_honours_retry_after(chat):
    waits: list[float] = []
    chat.replies = [Reply(status=429, retry_after="0.5")] + [Reply(status=500)] * 3
    api = ChatAPI(chat.base_url, "m", KEY, max_retries=3, retry_base_s=1.0, sleep=waits.append)
    assert api.generate(["a prompt"], 64) == [""]  # given up: the shots keep derived prompts
    assert len(chat.requests) == 4
    assert waits[0] == 0.5  # the server's Retry-After
    assert 0 <= waits[1] <= 2.0 and 0 <= waits[2] <= 4.0  # full jitter under base * 2**n


def test_a_timeout_is_retried_then_given_up(chat, caplog):
    chat.replies = [Reply(content=json.dumps(GOOD), delay_s=1.0)]
    api = ChatAPI(chat.base_url, "m", KEY, timeout_s=0.2, max_retries=1, retry_base_s=0.01)
    with caplog.at_level(logging.WARNING):
        plan = LLMEngine(api).plan("script", lighthouse())
    assert len(chat.requests) == 2
    assert plan.shots[1].prompt.startswith("Waves break on the rocks")
    assert any("ReadTimeout" in r.getMessage() for r in caplog.records)


def test_a_refusal_is_not_retried(chat, caplog):
    chat.replies = [Reply(status=401)]
    with caplog.at_level(logging.WARNING):
        plan = engine(chat).plan("script", lighthouse())
    assert len(chat.requests) == 1
    assert plan.shots[0].prompt.startswith("The keeper climbs")
    assert any("HTTP 401" in r.getMessage() for r in caplog.records)


def test_the_token_budget_caps_a_films_requests(chat, caplog):
    one = {"shots": [{"shot": 1, "prompt": "a lantern on a spiral stair"}]}
    chat.replies = [Reply(content=json.dumps(one), total_tokens=1100)]
    api = ChatAPI(chat.base_url, "m", KEY, token_budget=1200)
    with caplog.at_level(logging.WARNING):
        plan = LLMEngine(api, shots_per_request=1).plan("script", lighthouse())
    assert len(chat.requests) == 1  # the first spent 1100 of 1200: no room for a second prompt
    assert chat.requests[0].body["max_tokens"] <= 1200
    assert plan.shots[0].prompt == "a lantern on a spiral stair"
    assert plan.shots[1].prompt.startswith("Waves break")
    assert any("token budget" in r.getMessage() for r in caplog.records)


def test_not_configured_means_no_api():
    assert ChatAPI.from_settings(Settings(llm_base_url=None)) is None


def test_the_draft_tier_plans_with_the_api_and_never_logs_the_key(configured, caplog, tmp_path):
    configured.replies = [
        Reply(status=429, retry_after="0"),
        Reply(
            content=json.dumps(
                {"mood": "tense", "shots": [{"shot": 1, "prompt": "a kettle steaming"}]}
            )
        ),
    ]
    request = make_request(SHORT_FILMS, script=SCRIPT, duration=3, tier="draft")
    with caplog.at_level(logging.DEBUG):  # every logger, httpx's and httpcore's included
        board = storyboard(request, tmp_path)
    assert [s.prompt for s in board.plan.shots] == ["a kettle steaming"]
    assert board.plan.mood == "tense" and len(board.stills) == 1
    assert len(configured.requests) == 2
    assert caplog.records and not [r for r in caplog.records if KEY in r.getMessage()]
    assert KEY not in repr(get_settings()) and KEY not in repr(api_engine().backend)
    assert KEY not in json.dumps(request.model_dump(mode="json"))


def test_a_key_echoed_by_the_server_is_masked(configured, caplog):
    configured.replies = [Reply(status=401, content=f"Incorrect API key provided: {KEY}")]
    with caplog.at_level(logging.DEBUG):
        plan = DraftEngines().plan(SCRIPT, analyze(SCRIPT))
    assert plan.shots[0].prompt.startswith("A kettle hums, interior, kitchen")  # derived
    said = [r.getMessage() for r in caplog.records]
    assert any("HTTP 401" in line and "provided: ***" in line for line in said)
    assert not [line for line in said if KEY in line]
