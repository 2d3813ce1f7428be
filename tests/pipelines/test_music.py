"""The music stage: what a listener would hear from the generated bed and a user's track."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from pipelines.errors import InputError
from pipelines.music import NOTE_NAMES, decode_audio, generated_bed, load_track, main, mood_key
from pipelines.plan import MOODS

SR = 48000


def chroma(audio: np.ndarray) -> np.ndarray:
    """Energy per pitch class (C = 0) between 50 Hz and 4 kHz, the strongest scaled to 1."""
    mono = audio.mean(axis=1)
    power = np.abs(np.fft.rfft(mono * np.hanning(len(mono)))) ** 2
    hz = np.fft.rfftfreq(len(mono), 1 / SR)
    band = (hz > 50) & (hz < 4000)
    pitch = np.round(69 + 12 * np.log2(hz[band] / 440)).astype(int) % 12
    energy = np.bincount(pitch, weights=power[band], minlength=12)
    return energy / energy.max()


def rms_db(audio: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.square(audio, dtype=np.float64)) + 1e-20)


# --- the generated bed ----------------------------------------------------------------------

BED_S = 24.5


@pytest.fixture(scope="module")
def beds() -> dict[str, np.ndarray]:
    """One bed per mood, shared by the tests that only listen to it."""
    return {mood: generated_bed(BED_S, mood, seed=3) for mood in MOODS}


@pytest.mark.parametrize("mood", MOODS)
def test_each_mood_gives_a_stereo_bed_of_the_requested_length(beds, mood):
    bed = beds[mood]
    assert bed.shape == (round(BED_S * SR), 2) and bed.dtype == np.float32
    assert 20 * np.log10(np.abs(bed).max()) == pytest.approx(-6, abs=0.1)
    middle = bed[4 * SR : 8 * SR]
    assert rms_db(middle) > -40  # not silent
    assert not np.allclose(middle[:, 0], middle[:, 1], atol=1e-3)  # spread across the stereo field
    # faded in and out
    assert rms_db(bed[: SR // 20]) < rms_db(middle) - 20
    assert rms_db(bed[-SR // 20 :]) < rms_db(middle) - 20


@pytest.mark.parametrize("mood", MOODS)
def test_bed_is_chords_that_change_not_a_tone(beds, mood):
    _, _, bpm = mood_key(mood)
    bar = round(4 * 60 / bpm * SR)
    bed = beds[mood]
    chords = []
    for b in range(1, 5):  # the middle half of each bar, away from the chord changes
        c = chroma(bed[b * bar + bar // 4 : b * bar + 3 * bar // 4])
        assert np.count_nonzero(c > 0.1) >= 3, "fewer than three pitches sound together"
        chords.append(frozenset(np.argsort(c)[-3:]))
    assert len(set(chords)) >= 3, "the harmony does not move"
    # and the sound moves in time: notes start and stop
    frames = bed[SR * 2 : -SR * 2, 0]
    level = np.sqrt(np.mean(frames[: len(frames) // 2400 * 2400].reshape(-1, 2400) ** 2, axis=1))
    assert level.std() / level.mean() > 0.1


def test_pure_tone_fails_the_music_check():
    """The check above has teeth: a single sine is one pitch class."""
    tone = np.sin(2 * np.pi * 440 * np.arange(SR) / SR)[:, None].repeat(2, axis=1)
    assert np.count_nonzero(chroma(tone) > 0.1) == 1


@pytest.mark.parametrize("mood", MOODS)
def test_key_and_mode_follow_the_mood(beds, mood):
    key, mode, bpm = mood_key(mood)
    tonic = NOTE_NAMES.index(key)
    c = chroma(beds[mood])
    scale = (0, 2, 4, 5, 7, 9, 11) if mode == "major" else (0, 2, 3, 5, 7, 8, 10)
    in_key = sum(c[(tonic + step) % 12] for step in scale) / c.sum()
    assert in_key > 0.85, "the notes are not in the mood's key"  # chromatic noise: 7/12
    major_third, minor_third = c[(tonic + 4) % 12], c[(tonic + 3) % 12]
    if mode == "major":
        assert major_third > 5 * minor_third
    else:
        assert minor_third > 5 * major_third


def test_tempo_and_mode_table_reads_like_the_moods():
    modes = {mood: mood_key(mood)[1] for mood in MOODS}
    assert {m for m in MOODS if modes[m] == "major"} == {"calm", "hopeful", "joyful"}
    assert mood_key("joyful")[2] > mood_key("hopeful")[2] > mood_key("calm")[2] > mood_key("sad")[2]


def test_same_seed_same_bed_other_seed_other_bed():
    a = generated_bed(8, "hopeful", seed=7)
    assert np.array_equal(a, generated_bed(8, "hopeful", seed=7))
    b = generated_bed(8, "hopeful", seed=8)
    assert np.corrcoef(a[:, 0], b[:, 0])[0, 1] < 0.9


def test_unknown_mood_and_negative_length_are_refused():
    with pytest.raises(InputError) as error:
        generated_bed(5, "angry", seed=0)
    assert error.value.field == "mood" and "calm" in error.value.message
    with pytest.raises(InputError) as error:
        generated_bed(-1, "calm", seed=0)
    assert error.value.field == "duration"
    assert generated_bed(0, "calm", seed=0).shape == (0, 2)


def test_cli_writes_a_wav(tmp_path, capsys):
    out = tmp_path / "bed.wav"
    assert main(["--mood", "tense", "--duration", "3", "-o", str(out)]) == 0
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getnframes()) == (2, SR, 3 * SR)
    assert main(["--mood", "angry", "-o", str(out)]) == 2
    assert "mood" in capsys.readouterr().err


# --- a user's track -------------------------------------------------------------------------


def sine_file(path: Path, seconds: float, hz: float = 440.0) -> Path:
    """A mono half-scale sine: .wav by the wave module, other formats encoded with PyAV."""
    codec = {".mp3": "mp3", ".ogg": "libopus", ".m4a": "aac", ".flac": "flac"}.get(path.suffix)
    rate = 48000 if codec == "libopus" else 44100  # Opus runs at 48 kHz only
    samples = 0.5 * np.sin(2 * np.pi * hz * np.arange(int(seconds * rate)) / rate)
    if codec is None:
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes((samples * 32767).astype("<i2").tobytes())
        return path
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        size = stream.codec_context.frame_size or 1024
        for i in range(0, len(samples), size):
            block = samples[None, i : i + size].astype(np.float32)
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="mono")
            frame.sample_rate = rate
            container.mux(stream.encode(frame))  # PyAV converts to the codec's sample format
        container.mux(stream.encode(None))
    return path


@pytest.mark.parametrize("suffix", [".mp3", ".wav", ".ogg", ".m4a", ".flac"])
def test_short_track_loops_to_length_without_gaps(tmp_path, suffix):
    track = load_track(sine_file(tmp_path / f"song{suffix}", 1.5), 10)
    assert track.shape == (10 * SR, 2) and track.dtype == np.float32
    body = track[SR : 8 * SR, 0]  # past the fade-in, before the fade-out
    windows = body.reshape(-1, SR // 20)  # 50 ms
    level = 10 * np.log10(np.mean(windows**2, axis=1))
    assert level.max() - level.min() < 3, "the loop joins leave a gap or a bump"
    spectrum = np.abs(np.fft.rfft(body))
    assert np.fft.rfftfreq(len(body), 1 / SR)[spectrum.argmax()] == pytest.approx(440, abs=2)


def test_long_track_is_trimmed_and_faded(tmp_path):
    track = load_track(sine_file(tmp_path / "long.wav", 8), 3.5)
    assert track.shape == (round(3.5 * SR), 2)
    full = rms_db(track[int(1.2 * SR) : int(1.4 * SR)])
    assert rms_db(track[: SR // 10]) < full - 15  # fading in over the first second
    assert rms_db(track[-SR // 10 :]) < full - 15  # fading out over the last two
    assert rms_db(track[int(0.5 * SR) : int(0.6 * SR)]) < full - 1  # still rising at 0.5 s


def test_decoding_stops_at_the_length_needed(tmp_path):
    path = sine_file(tmp_path / "long.mp3", 6)
    assert len(decode_audio(path, max_samples=SR)) == SR
    assert len(decode_audio(path)) == pytest.approx(6 * SR, abs=0.1 * SR)


def not_audio(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.mp3"
    if kind == "random":
        path.write_bytes(np.random.default_rng(0).bytes(20_000))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("la la la\n" * 200)
    elif kind == "png":
        path = tmp_path / "cover.png"
        Image.new("RGB", (64, 64), "teal").save(path)
    elif kind == "video":  # a film with no sound
        path = tmp_path / "silent.mp4"
        with av.open(str(path), "w") as container:
            stream = container.add_stream("libx264", rate=24)
            stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
            for i in range(3):
                image = np.full((64, 64, 3), 40 * i, np.uint8)
                container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
            container.mux(stream.encode(None))
    return path


@pytest.mark.parametrize("kind", ["random", "empty", "text", "png", "video", "missing"])
def test_a_file_that_is_not_audio_is_refused(tmp_path, kind):
    path = tmp_path / "missing.mp3" if kind == "missing" else not_audio(tmp_path, kind)
    with pytest.raises(InputError) as error:
        load_track(path, 5)
    assert error.value.field == "music"
    assert f"{path.name} does not decode as audio: " in error.value.message
