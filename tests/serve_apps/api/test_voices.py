"""Voices: the list a person chooses from, and a short clip to hear one first."""

from __future__ import annotations

import io
import wave

from fastapi.testclient import TestClient

from pipelines.voice import list_voices
from serve_apps.api.main import create_app
from tests.utils.platform import make_settings, register

VOICES = "/api/v1/voices"
PREVIEW = "/api/v1/voices/preview"
LINE = {"voice": "hi/m3", "text": "नमस्ते, मेरा नाम आइरिस है।"}


def clip_seconds(body: bytes) -> float:
    with wave.open(io.BytesIO(body)) as clip:
        assert (clip.getnchannels(), clip.getframerate(), clip.getsampwidth()) == (1, 48000, 2)
        return clip.getnframes() / clip.getframerate()


def test_voices_of_a_language_are_the_clis_list_with_names_for_people(client, user):
    response = client.get(VOICES, params={"language": "hi"}, headers=user.headers)
    assert response.status_code == 200
    voices = response.json()
    assert [v["name"] for v in voices] == [v.name for v in list_voices("hi")]
    m3 = next(v for v in voices if v["name"] == "hi/m3")
    assert m3 == {
        "name": "hi/m3",
        "display_name": "Hindi, male 3",
        "language": "hi",
        "gender": "male",
        "variant": "m3",
        "neural": False,
        "engine": "espeak",
    }
    assert {v["gender"] for v in voices} == {"male", "female"}


def test_an_unknown_language_is_refused_naming_it(client, user):
    response = client.get(VOICES, params={"language": "xx-nowhere"}, headers=user.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "language"]


def test_preview_is_a_short_wav_of_the_voice(client, user):
    response = client.post(PREVIEW, json=LINE, headers=user.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/wav"
    assert 0.5 < clip_seconds(response.content) <= 10


def test_the_longest_preview_is_cut_at_ten_seconds(client, user):
    text = ("The lamp turns over the black water " * 6)[:200]
    response = client.post(PREVIEW, json={"voice": "en/m7", "text": text}, headers=user.headers)
    assert response.status_code == 200
    assert clip_seconds(response.content) == 10.0


def test_the_same_voice_and_text_give_the_same_clip(client, user):
    first = client.post(PREVIEW, json=LINE, headers=user.headers)
    again = client.post(PREVIEW, json={**LINE, "voice": " HI/M3 "}, headers=user.headers)
    assert again.content == first.content
    other = client.post(PREVIEW, json={**LINE, "voice": "hi/f2"}, headers=user.headers)
    assert other.content != first.content


def refusal(client, user, **body) -> dict:
    response = client.post(PREVIEW, json={**LINE, **body}, headers=user.headers)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    return error


def test_unknown_voice_empty_or_long_text_are_refused_naming_the_field(client, user):
    assert refusal(client, user, voice="hi/nobody")["loc"] == ["body", "voice"]
    for empty in ("", "   "):
        assert refusal(client, user, text=empty)["loc"] == ["body", "text"]
    long = refusal(client, user, text="a" * 201)
    assert long["loc"] == ["body", "text"] and "200" in long["msg"]


def test_voices_need_sign_in(client):
    assert client.get(VOICES, params={"language": "hi"}).status_code == 401
    assert client.post(PREVIEW, json=LINE).status_code == 401


def test_previews_are_rate_limited_like_every_route(tmp_path, database_url, keys_dir):
    settings = make_settings(tmp_path, database_url, keys_dir, rate_limit_requests=4)
    with TestClient(create_app(settings)) as client:
        user = register(client)  # two requests
        codes = [
            client.post(PREVIEW, json=LINE, headers=user.headers).status_code for _ in range(3)
        ]
        assert codes == [200, 200, 429]
