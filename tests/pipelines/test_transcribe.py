"""`--narration` without a script: the studio tier hears the recording with Whisper (a tiny
random one here: it proves the plumbing, its words are noise) and subtitles what it heard at
the times it was said; the draft tier has no recogniser and says so."""

from __future__ import annotations

import numpy as np
import pysubs2
import pytest
from scipy.io import wavfile

from pipelines.engines.asr import RATE, WINDOW_S, windows
from pipelines.engines.random_weights import build_tiny_asr
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.pipelines.test_narration import LINES, SR, espeak_recording
from tests.utils.film import SHORT_FILMS
from tests.utils.probe import probe


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    recording, _ = espeak_recording(LINES, stretch=1.0, pause_s=0.5)
    path = tmp_path_factory.mktemp("talk") / "talk.wav"
    wavfile.write(path, SR, (recording * 32767).astype(np.int16))
    return path, len(recording) / SR


def render(talk, out, **fields):
    request = make_request(SHORT_FILMS, narration=talk[0], duration=2.0, music="none", **fields)
    return render_film(request, out)


def test_the_studio_tier_subtitles_what_whisper_heard(ray_session, talk, tmp_path):
    models = tmp_path / "models"
    build_tiny_asr(models)
    film = render(talk, tmp_path / "heard.mp4", tier="studio", models_dir=models)

    cues = pysubs2.load(str(film.srt))
    assert len(cues) >= 1 and all(c.text.strip() for c in cues)
    assert all(0 <= c.start < c.end <= talk[1] * 1000 + 50 for c in cues), [
        (c.start, c.end) for c in cues
    ]
    assert [line.text for line in film.plan.lines] == [c.plaintext for c in cues]
    assert probe(film.video).duration == pytest.approx(talk[1], abs=0.1)
    assert not [w for w in film.warnings if "no subtitles" in w]


def test_the_draft_tier_has_no_subtitles_and_says_why(ray_session, talk, tmp_path):
    film = render(talk, tmp_path / "unheard.mp4")
    assert film.srt.read_text().strip() == ""  # an empty subtitle file
    assert any(
        w.startswith(
            "no subtitles: the recording has no script and the draft tier has no speech recogniser"
        )
        for w in film.warnings
    ), film.warnings
    assert probe(film.video).duration == pytest.approx(talk[1], abs=0.1)


def test_long_recordings_are_heard_in_windows_cut_where_it_is_quiet():
    rng = np.random.default_rng(1)
    audio = rng.standard_normal(70 * RATE).astype(np.float32)
    audio[round(28 * RATE) : round(28.2 * RATE)] = 0  # a pause inside the first cut's search
    cuts = windows(audio)
    assert cuts[0][1] == pytest.approx(28 * RATE, abs=RATE // 100)
    assert all(b - a <= WINDOW_S * RATE for a, b in cuts)
    assert [a for a, _ in cuts[1:]] == [b for _, b in cuts[:-1]] and cuts[-1][1] == len(audio)
