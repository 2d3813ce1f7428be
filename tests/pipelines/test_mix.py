"""The mix stage: loudness and true peak a meter reads, music that dips under speech."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from pipelines.loudness import measure
from pipelines.mix import (
    DUCK_DB,
    duck_gain,
    limiter_gain,
    mix,
    speech_bus,
)

SR = 48000


def syllables(seconds: float, level: float = 0.3, seed: int = 0) -> np.ndarray:
    """Speech-like: 300 Hz–3 kHz noise in bursts of four syllables a second, peak `level`."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 2
    voice_band = signal.butter(2, [300, 3000], "bandpass", fs=SR, output="sos")
    noise = signal.sosfilt(voice_band, np.random.default_rng(seed).standard_normal(n)) * envelope
    return (level * noise / np.abs(noise).max()).astype(np.float32)


def sweep(seconds: float, level: float = 0.3) -> np.ndarray:
    """A sine sweep 200 Hz → 4 kHz: a voice-band signal with a steady crest factor."""
    t = np.arange(int(seconds * SR)) / SR
    return (level * signal.chirp(t, 200, seconds, 4000, method="log")).astype(np.float32)


def steady_music(seconds: float, level: float = 0.3, hz: float = 110.0) -> np.ndarray:
    """A bass tone and its fifth, in stereo, at constant level (so any dip is the ducker's)."""
    t = np.arange(int(seconds * SR)) / SR
    tone = np.sin(2 * np.pi * hz * t) + 0.5 * np.sin(2 * np.pi * 1.5 * hz * t)
    return np.stack([tone, tone], axis=1).astype(np.float32) * level / 1.5


def band(audio: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    """`audio` through a steep band filter (either edge may be open), zero phase."""
    if low and high:
        sos = signal.butter(6, [low, high], "bandpass", fs=SR, output="sos")
    elif high:
        sos = signal.butter(6, high, "lowpass", fs=SR, output="sos")
    else:
        sos = signal.butter(6, low, "highpass", fs=SR, output="sos")
    return signal.sosfiltfilt(sos, audio, axis=0)


def band_rms_db(audio: np.ndarray, low: float | None, high: float | None) -> float:
    return 10 * np.log10(np.mean(band(audio, low, high) ** 2) + 1e-20)


def lines(voice, level: float) -> list[tuple[float, np.ndarray]]:
    return [(1.0, voice(2.5, level)), (5.5, voice(3.0, level)), (10.0, voice(2.0, level))]


# --- loudness and peak ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "voice, speech_level, music_level",
    [
        (syllables, 0.3, 0.3),  # ordinary
        (sweep, 0.3, 0.2),  # a sine sweep for speech
        (syllables, 1.0, 4.0),  # very loud: music far past full scale
        (syllables, 1e-4, 1e-4),  # very quiet: −80 dBFS, under BS.1770's absolute gate
    ],
    ids=["ordinary", "sweep", "very-loud", "very-quiet"],
)
def test_mix_meets_loudness_and_true_peak(voice, speech_level, music_level):
    music = steady_music(14, music_level, hz=82.4) + steady_music(14, music_level / 3, hz=330)
    out = mix(lines(voice, speech_level), music, 13.5)
    assert out.shape == (round(13.5 * SR), 2) and out.dtype == np.float32
    lufs, true_peak = measure(out)
    assert lufs == pytest.approx(-14, abs=1)
    assert true_peak <= -1.0


@pytest.mark.parametrize("case", ["speech only", "music only"])
def test_one_source_alone_is_mastered_too(case):
    speech = lines(syllables, 0.8) if case == "speech only" else []
    music = steady_music(12, 0.05) if case == "music only" else None
    lufs, true_peak = measure(mix(speech, music, 12))
    assert lufs == pytest.approx(-14, abs=1) and true_peak <= -1.0


def test_peaky_speech_is_limited_not_clipped():
    """Speech with a crest factor beyond 13 dB cannot reach −14 LUFS under −1 dBTP unlimited."""
    voice = syllables(8, 0.25)
    burst = np.hanning(480) * np.sin(2 * np.pi * 2000 * np.arange(480) / SR)
    voice[SR : SR + 480] += burst  # a 10 ms plosive 12 dB over the rest
    out = mix([(0.0, voice)], None, 8)
    lufs, true_peak = measure(out)
    assert lufs == pytest.approx(-14, abs=1) and true_peak <= -1.0
    # the output is the input (less what lies under hearing) under a smooth gain: clipping
    # would jump within a waveform cycle
    from pipelines.mix import _without_rumble

    voice = _without_rumble(voice, SR)
    heard = np.abs(voice) > 0.02
    gain_db = np.full(len(voice), np.nan)
    gain_db[heard] = 20 * np.log10(np.abs(out[heard, 0] / voice[heard]))
    assert np.nanmax(gain_db) - np.nanmin(gain_db) > 3  # the limiter did work
    assert np.nanmax(np.abs(np.diff(gain_db))) < 0.1  # sample to sample


def test_a_dc_offset_takes_no_headroom():
    """Music and speech riding on an offset (as a random-weight MusicGen's bed does: −0.39)
    still master to −14 LUFS: the offset, inaudible and unmeasured, leaves the mix."""
    music = steady_music(8, 0.05) - 0.4
    speech = [(start, clip + 0.2) for start, clip in lines(syllables, 0.3) if start < 7]
    out = mix(speech, music, 8)
    lufs, true_peak = measure(out)
    assert lufs == pytest.approx(-14, abs=0.2) and true_peak <= -1.0
    assert np.abs(out.mean(axis=0)).max() < 1e-3


def test_silence_in_silence_out():
    for speech, music in [([], None), ([(1.0, np.zeros(SR, np.float32))], np.zeros((SR, 2)))]:
        out = mix(speech, music, 3.25)
        assert out.shape == (round(3.25 * SR), 2) and not out.any()
    assert measure(np.zeros((SR, 2))) == (-np.inf, -np.inf)


def test_length_is_the_films_whatever_the_inputs():
    late = [(-0.5, syllables(2)), (9.0, syllables(5))]  # starts before 0 and runs past the end
    out = mix(late, steady_music(4), 10.01)  # music shorter than the film
    assert out.shape == (round(10.01 * SR), 2)


def test_measure_reads_a_calibration_tone_and_intersample_peaks():
    t = np.arange(5 * SR) / SR
    tone = 0.1 * np.sin(2 * np.pi * 997 * t)  # −20 dBFS in both channels
    lufs, true_peak = measure(np.stack([tone, tone], axis=1))
    assert lufs == pytest.approx(-20, abs=0.2)
    assert true_peak == pytest.approx(-20, abs=0.1)
    # a sine at a quarter of the rate, sampled 45° off its crests: samples peak at −3 dB
    quarter = np.sin(2 * np.pi * (SR / 4) * t + np.pi / 4)
    assert 20 * np.log10(np.abs(quarter).max()) == pytest.approx(-3.0, abs=0.1)
    assert measure(quarter)[1] == pytest.approx(0.0, abs=0.3)


# --- ducking --------------------------------------------------------------------------------


def test_music_dips_at_least_10_db_under_speech():
    """Speech (300 Hz–3 kHz) and music (a 110 Hz bass) in separate bands: filter one out."""
    out = mix([(4.0, syllables(4))], steady_music(12), 12)
    music = lambda a, b: band_rms_db(out[int(a * SR) : int(b * SR)], None, 200)  # noqa: E731
    pause_before, under_speech, pause_after = music(0.5, 3.5), music(4.5, 7.5), music(9.5, 11.5)
    assert pause_before - under_speech >= 10
    assert pause_after - under_speech >= 10
    assert abs(pause_before - pause_after) < 1  # comes back up fully


def test_ducked_music_sits_about_18_db_under_the_speech():
    voice = signal.sosfilt(
        signal.butter(4, [500, 3000], "bandpass", fs=SR, output="sos"),
        np.random.default_rng(1).standard_normal(10 * SR),
    ).astype(np.float32)
    out = mix([(0.0, 0.2 * voice)], steady_music(10, hz=65), 10)
    body = out[2 * SR : 8 * SR]
    speech_lufs, music_lufs = measure(band(body, 450, 3500))[0], measure(band(body, None, 150))[0]
    assert speech_lufs - music_lufs == pytest.approx(18, abs=2)


def test_duck_looks_ahead_and_releases():
    start, stop = 2.0, 4.0
    voice = speech_bus([(start, syllables(stop - start))], 8 * SR)
    gain_db = 20 * np.log10(duck_gain(voice))
    assert gain_db.shape == (8 * SR,)
    at = lambda s: gain_db[int(s * SR)]  # noqa: E731
    assert at(start - 0.4) == pytest.approx(0, abs=0.1)  # untouched well before
    assert -DUCK_DB < at(start - 0.06) < -1  # already on the way down before the first word
    assert at(start) <= -10  # fully down when speech starts
    assert at(3.0) == pytest.approx(-DUCK_DB, abs=0.1)  # no pumping between syllables
    assert at(stop + 0.2) < -1  # releasing, not snapping back
    assert at(stop + 0.8) == pytest.approx(0, abs=0.1)  # and back up


def test_duck_gain_changes_smoothly():
    """No clicks: the gain moves at most 0.5 dB in any millisecond."""
    speech = [(0.3, syllables(0.4)), (1.0, syllables(1.3, seed=1)), (2.5, sweep(0.2))]
    gain_db = 20 * np.log10(duck_gain(speech_bus(speech, 4 * SR)))
    per_ms = np.abs(np.diff(gain_db[:: SR // 1000]))
    assert per_ms.max() <= 0.5
    assert gain_db.min() == pytest.approx(-DUCK_DB, abs=0.1)


def test_limiter_glides_down_before_a_peak():
    peaks = np.full(SR, 0.5, np.float32)
    peaks[SR // 2] = 4.0  # +12 dBTP, needing ~13.5 dB of reduction
    gain_db = 20 * np.log10(limiter_gain(peaks))
    assert 20 * np.log10(4.0) + gain_db[SR // 2] <= -1.5 + 1e-3  # the peak is brought under
    assert gain_db[SR // 2 - int(0.004 * SR)] < -1  # the gain was already falling 4 ms before
    assert gain_db[SR // 2 - int(0.02 * SR)] == 0  # and untouched well before
    assert np.abs(np.diff(gain_db)).max() < 0.2  # per sample: a glide, not a step


@pytest.mark.parametrize("make_up", [1.0, 1.6, 5.0])
def test_limiter_filters_only_near_peaks_and_gives_what_filtering_everything_gives(make_up):
    from scipy import ndimage

    from pipelines.mix import LIMIT_DBTP, LIMITER_LOOKAHEAD_S

    rng = np.random.default_rng(5)
    peaks = np.abs(rng.normal(0, 0.02, 3 * SR + 17)).astype(np.float32)
    peaks[rng.integers(0, len(peaks), 9)] = 3.0
    peaks[:3], peaks[-2:] = 2.0, 2.5  # at the very ends too
    need = np.minimum(1.0, 10 ** (LIMIT_DBTP / 20) / (make_up * peaks)).astype(np.float32)
    width = 2 * round(LIMITER_LOOKAHEAD_S * SR) + 1
    everywhere = ndimage.uniform_filter1d(
        ndimage.minimum_filter1d(need, width, mode="nearest"), width, mode="nearest"
    ) * np.float32(make_up)
    gain = limiter_gain(peaks, make_up=make_up)
    np.testing.assert_allclose(gain, everywhere, rtol=1e-6)
    assert (gain == np.float32(make_up)).mean() > 0.5  # most of it untouched


@pytest.mark.parametrize(
    "make",
    [
        lambda: np.stack([syllables(7.3, 0.5), syllables(7.3, 0.2, seed=1)], axis=1),  # stereo
        lambda: steady_music(9.05, 0.3) + np.stack([syllables(9.05, 0.4)] * 2, axis=1),
        lambda: syllables(3.7, 0.6),  # mono
        lambda: syllables(0.25, 0.5),  # shorter than one gating block
        lambda: np.stack([syllables(6, 1e-4)] * 2, axis=1),  # −80 dBFS: under the absolute gate
        lambda: speech_bus(lines(syllables, 0.3), 14 * SR),  # lines between digital silence
    ],
    ids=["stereo", "speech-over-music", "mono", "short", "very-quiet", "lines-and-silence"],
)
def test_loudness_reads_what_pyloudnorm_reads(make):
    import pyloudnorm

    audio = make()
    meter = pyloudnorm.Meter(SR)
    padded = np.zeros((max(len(audio), SR // 2), *audio.shape[1:]), np.float32)  # ≥ one block
    padded[: len(audio)] = audio
    expected = meter.integrated_loudness(padded)
    if not np.isfinite(expected):  # pyloudnorm gates very quiet audio out: compare it louder
        expected = meter.integrated_loudness(padded * 1e4) - 80
    assert measure(audio)[0] == pytest.approx(expected, abs=0.01)


def test_true_peaks_skip_only_what_cannot_reach_the_threshold():
    from pipelines.loudness import true_peaks

    rng = np.random.default_rng(3)
    audio = np.stack([syllables(6, 0.9), syllables(6, 0.5, seed=1)], axis=1)
    audio[SR : 2 * SR] *= 0.05  # a quiet stretch
    audio[3 * SR + 7] = [0.99, -0.99]  # a lone spike
    audio += rng.normal(0, 1e-4, audio.shape).astype(np.float32)
    exact = true_peaks(audio)
    above = 10 ** (-4 / 20)
    quick = true_peaks(audio, above=above)
    reaching = exact >= above
    assert reaching.any() and (~reaching).any()
    np.testing.assert_array_equal(quick[reaching], exact[reaching])  # every peak that matters
    assert (quick[~reaching] < above).all()  # the rest read under the threshold
    assert (quick <= exact).all()
    assert true_peaks(np.zeros((0, 2), np.float32)).shape == (0,)


def test_click_heavy_audio_is_made_up_to_the_target_under_its_ceiling():
    """Clicks 20 dB over the speech, ten a second: each round of limiting takes back loudness
    the make-up gave, and the make-up lifts peaks the first true-peak reading left out; they
    are read and limited too, and the film still reads −14 LUFS."""
    voice = syllables(10, 0.3)
    t = np.arange(SR // 200) / SR
    for start in range(SR // 2, 9 * SR, SR // 10):
        voice[start : start + len(t)] += 2.0 * np.hanning(len(t)) * np.sin(2 * np.pi * 2000 * t)
    lufs, true_peak = measure(mix([(0.0, voice)], None, 10))
    assert true_peak <= -1.0
    assert lufs == pytest.approx(-14.0, abs=0.2)
