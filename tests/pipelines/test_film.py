"""A whole draft-tier film, checked the way a viewer and YouTube would see it."""

from __future__ import annotations

import numpy as np
import pysubs2
import pytest
from PIL import Image

from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.utils.film import SCRIPT, SHORT_FILMS
from tests.utils.probe import assert_upload_standard, decode_audio, decode_frames, loudness, probe

DURATION = 9.0


@pytest.fixture(scope="module")
def film(ray_session, tmp_path_factory):
    out = tmp_path_factory.mktemp("film") / "kettle.mp4"
    request = make_request(SHORT_FILMS, script=SCRIPT, duration=DURATION, seed=5, music="none")
    return render_film(request, out)


def test_mp4_meets_the_upload_standard(film):
    p = probe(film.video)
    assert_upload_standard(p, DURATION)
    assert p.keyframe_interval <= 12


def test_mix_is_minus_14_lufs_with_headroom(film):
    lufs, true_peak = loudness(film.video)
    assert abs(lufs + 14) <= 1
    assert true_peak <= -1.0


def test_sidecars_sit_beside_the_film(film):
    assert film.srt == film.video.with_suffix(".srt") and film.srt.stat().st_size
    assert film.vtt.read_text().startswith("WEBVTT")
    thumb = Image.open(film.thumbnail)
    assert thumb.format == "JPEG" and thumb.size == (1280, 720)


def test_chapters_are_the_scenes_with_their_start(film):
    assert film.chapters == [(0.0, "INT. KITCHEN - NIGHT")]


def test_each_cue_starts_with_its_spoken_line(film):
    """Cue starts within 100 ms of the speech: checked against the audio itself (music is off,
    so speech onsets are where the silence ends)."""
    cues = pysubs2.load(str(film.srt))
    assert [c.plaintext for c in cues] == ["A kettle hums.", "Is anyone there?", "Only me."]
    audio = decode_audio(film.video).mean(axis=1)
    hop = 480  # 10 ms
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    loud = np.sqrt((frames**2).mean(axis=1)) > 0.01
    onsets = [i * hop / 48000 for i in range(1, len(loud)) if loud[i] and not loud[i - 5 : i].any()]
    for cue in cues:
        nearest = min(onsets, key=lambda t: abs(t - cue.start / 1000))
        assert abs(nearest - cue.start / 1000) <= 0.1, (cue.plaintext, cue.start, onsets)


def test_every_shot_moves(film):
    first, later = decode_frames(film.video, [0.5, 1.5])
    assert np.abs(first.astype(int) - later.astype(int)).mean() > 0.5


def test_same_seed_same_pictures_other_seed_other_pictures(ray_session, film, tmp_path):
    again = render_film(
        make_request(SHORT_FILMS, script=SCRIPT, duration=DURATION, seed=5, music="none"),
        tmp_path / "a.mp4",
    )
    other = render_film(
        make_request(SHORT_FILMS, script=SCRIPT, duration=DURATION, seed=6, music="none"),
        tmp_path / "b.mp4",
    )
    times = [0.5, 4.0, 8.0]
    base = decode_frames(film.video, times)
    for a, b in zip(base, decode_frames(again.video, times)):
        assert np.array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(base, decode_frames(other.video, times)))
    assert pysubs2.load(str(again.srt)).to_string("srt") == pysubs2.load(str(film.srt)).to_string(
        "srt"
    )


def test_user_images_portrait_film_burned_subtitles_and_music(ray_session, tmp_path):
    red = tmp_path / "red.png"
    Image.new("RGB", (400, 1200), (220, 30, 30)).save(red)  # tall: cover-fit crops it
    request = make_request(
        SHORT_FILMS,
        script=SCRIPT,
        duration=8,
        size="1080x1920",
        images=[red],
        burn_subtitles=True,
        music="generated",
    )
    film = render_film(request, tmp_path / "portrait.mp4")
    p = probe(film.video)
    assert (p.width, p.height) == (1080, 1920)
    cue = pysubs2.load(str(film.srt))[1]
    frame = decode_frames(film.video, [(cue.start + cue.end) / 2000])[0]
    top = frame[: 1920 // 2].reshape(-1, 3).mean(axis=0)
    assert top[0] > 150 and top[1] < 80  # the user's picture fills the frame
    bottom = frame[int(1920 * 0.8) :]
    assert (bottom.max(axis=2) > 230).mean() > 0.001  # white subtitle text over the red
    assert abs(loudness(film.video)[0] + 14) <= 1


def test_resume_from_a_work_dir_gives_the_same_film(ray_session, tmp_path):
    request = make_request(SHORT_FILMS, script=SCRIPT, duration=DURATION, seed=2, music="none")
    first = render_film(request, tmp_path / "one.mp4", work_dir=tmp_path / "work")
    stages = sorted(p.name for p in (tmp_path / "work").rglob("*") if p.is_file())
    assert {"plan.pkl", "speech.pkl", "mix.pkl", "film.mp4"} <= set(stages)
    again = render_film(request, tmp_path / "two.mp4", work_dir=tmp_path / "work")
    assert again.video.read_bytes() == first.video.read_bytes()
