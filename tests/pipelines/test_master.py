"""The master lands on its loudness whatever it is given: the issue's corpus of hard inputs,
and a music bed that does not pump under the compressor."""

from __future__ import annotations

import numpy as np
import pytest

import pipelines.mix as mixing
from pipelines.loudness import measure
from tests.pipelines.test_mix import band, steady_music, syllables

SR = 48000


def click_track() -> tuple[list, np.ndarray | None, float]:
    """A metronome's clicks (1 ms, four a second) peaking 20 dB over quiet speech."""
    speech = syllables(10, 0.05)
    for start in np.arange(0.1, 10, 0.25):
        i = int(start * SR)
        speech[i : i + 48] += 0.5 * np.hanning(48).astype(np.float32)
    return [(0.0, speech)], None, 10.0


def shouted_speech() -> tuple[list, np.ndarray | None, float]:
    """Speech driven into saturation, its syllables 0 to 12 dB apart."""
    speech = syllables(10, 1.0, seed=3)
    steps = 10 ** (np.random.default_rng(1).uniform(-12, 0, 40) / 20)
    envelope = np.repeat(steps, len(speech) // 40 + 1)[: len(speech)]
    return [(0.0, np.tanh(3 * speech * envelope).astype(np.float32))], None, 10.0


def bass_heavy_song() -> tuple[list, np.ndarray | None, float]:
    """A user's song: a 45 Hz bass near full scale and a kick drum twice a second, no speech."""
    t = np.arange(12 * SR) / SR
    bass = 0.9 * np.sin(2 * np.pi * 45 * t) * (0.6 + 0.4 * np.sign(np.sin(2 * np.pi * 2 * t)))
    kick = np.zeros_like(t)
    k = np.arange(4800) / SR
    hit = np.sin(2 * np.pi * (60 + 100 * np.exp(-k * 30)) * k) * np.exp(-k * 12)
    for start in np.arange(0, 12, 0.5):
        kick[int(start * SR) : int(start * SR) + 4800] += hit
    return [], np.stack([bass + kick, bass + 0.9 * kick], axis=1).astype(np.float32), 12.0


def near_silence_one_line() -> tuple[list, np.ndarray | None, float]:
    """A recording's −60 dBFS room tone with one loud line in it."""
    tone = (1e-3 * np.random.default_rng(2).standard_normal(12 * SR)).astype(np.float32)
    tone[5 * SR : 5 * SR + int(1.5 * SR)] += syllables(1.5, 0.9)
    return [(0.0, tone)], None, 12.0


@pytest.mark.parametrize(
    "make", [click_track, shouted_speech, bass_heavy_song, near_silence_one_line]
)
@pytest.mark.parametrize("target", [-14.0, -16.0])
def test_every_hard_input_lands_on_its_loudness(make, target):
    speech, music, duration = make()
    mixed = mixing.mix(speech, music, duration)
    out = mixing.master(mixed, target_lufs=target) if target != mixing.TARGET_LUFS else mixed
    lufs, true_peak = measure(out)
    assert lufs == pytest.approx(target, abs=0.5)
    assert true_peak <= -1.0


def bed_level_over_ducking(monkeypatch, threshold_lu: float) -> np.ndarray:
    """The music bed's level (its band, per 400 ms) in the master, less the ducker's dip: what
    the master itself does to the bed, through loud lines and the pauses between them."""
    monkeypatch.setattr(mixing, "COMPRESSOR_THRESHOLD_LU", threshold_lu)
    speech = [
        (1.0, syllables(2.5, 0.9)),
        (5.5, syllables(3.0, 0.9, 1)),
        (10.0, syllables(2.0, 0.9, 2)),
    ]
    out = mixing.mix(speech, steady_music(14, 0.3, hz=60), 13.5)
    bed = band(out[:, 0], None, 150)
    w = int(0.4 * SR)
    k = len(bed) // w
    level = 10 * np.log10(np.mean(bed[: k * w].reshape(k, w) ** 2, axis=1))
    duck = mixing.duck_gain(mixing.speech_bus(speech, len(out)))[: k * w].reshape(k, w)
    return level - 20 * np.log10(duck.mean(axis=1))


def test_the_compressor_does_not_pump_the_bed(monkeypatch):
    with_compressor = bed_level_over_ducking(monkeypatch, mixing.COMPRESSOR_THRESHOLD_LU)
    without = bed_level_over_ducking(monkeypatch, 1000.0)  # the threshold never reached
    swing = np.ptp(with_compressor)
    assert swing <= np.ptp(without) + 3.0
