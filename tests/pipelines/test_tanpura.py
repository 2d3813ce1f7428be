"""The tanpura drone: in tune on its Sa, buzzing like a tanpura, looping without a click."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines import music, tanpura
from pipelines.engines import DraftEngines
from pipelines.errors import InputError
from pipelines.request import make_request
from tests.utils.film import SHORT_FILMS

SR = 48000
SA = 138.59  # C#3


def spectrum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.fft.rfftfreq(len(x), 1 / SR), np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2


def cents(a: float, b: float) -> float:
    return 1200 * np.log2(a / b)


def test_note_names_give_their_frequencies():
    assert tanpura.note_hz("A4") == pytest.approx(440.0)
    assert tanpura.note_hz("C#3") == pytest.approx(SA, abs=0.01)
    assert tanpura.note_hz("Db3") == tanpura.note_hz("C#3")
    with pytest.raises(InputError, match="note name"):
        tanpura.note_hz("H2")
    with pytest.raises(InputError) as refused:
        make_request(SHORT_FILMS, script="Hello.", duration=5, sa="C7")
    assert refused.value.field == "sa" and "outside A1–C5" in refused.value.message


def test_a_string_sounds_its_note():
    """The fundamental of a plain string, read off a 4 s spectrum, within 5 cents of its note."""
    for hz in (SA, SA * 0.75, 440.0):
        freqs, power = spectrum(tanpura.string(hz, 4.0, jawari=0))
        near = (freqs > hz * 0.9) & (freqs < hz * 1.1)
        k = np.flatnonzero(near)[np.argmax(power[near])]
        a, b, c = np.log(power[k - 1 : k + 2])
        peak = freqs[k] + 0.5 * (a - c) / (a - 2 * b + c) * (freqs[1] - freqs[0])
        assert abs(cents(peak, hz)) < 5, (hz, peak)


def test_the_drone_holds_sa_pa_and_their_harmonics():
    drone = tanpura.bed(10.0, SA).mean(axis=1)
    freqs, power = spectrum(drone[SR : 9 * SR])
    floor = np.median(power[(freqs > 50) & (freqs < 2000)])

    def level(hz: float) -> float:
        return power[(freqs > hz * 0.995) & (freqs < hz * 1.005)].max() / floor

    notes = {"Sa": SA, "low Sa": SA / 2, "Pa": SA * 0.75}
    for name, hz in notes.items():
        for harmonic in (1, 2, 3):
            assert level(hz * harmonic) > 100, (name, harmonic)
    # a note no string plays (Re, a whole tone above Sa) is far weaker
    assert level(SA * 9 / 8) < level(SA) / 100


def test_the_jawari_keeps_the_high_overtones_alive():
    """More of the sustained sound's energy above the 8th harmonic than a plain KS string."""

    def high_share(x: np.ndarray) -> float:
        freqs, power = spectrum(x[SR // 2 :])
        return power[freqs > 8.5 * SA].sum() / power[freqs > 0.5 * SA].sum()

    plain = high_share(tanpura.string(SA, 4.0, jawari=0))
    buzzing = high_share(tanpura.string(SA, 4.0))
    assert buzzing > 1.3 * plain


def test_the_drone_loops_without_a_click():
    loop = tanpura.cycle(SA)
    drone = tanpura.bed(3.5 * len(loop) / SR, SA)
    jumps = np.abs(np.diff(drone[:, 0]))
    typical = np.percentile(jumps[SR:-SR], 99)
    for joint in (len(loop), 2 * len(loop), 3 * len(loop)):
        assert jumps[joint - 1] <= typical, joint


def test_music_tanpura_is_a_bed_tuned_to_the_films_sa():
    bed = music.bed(None, "tanpura", "calm", 6.0, 0, DraftEngines(), sa_hz=tanpura.note_hz("G#3"))
    assert bed.shape == (6 * SR, 2) and bed.dtype == np.float32
    freqs, power = spectrum(bed[SR : 5 * SR].mean(axis=1))
    strongest = freqs[np.argmax(power * ((freqs > 50) & (freqs < 400)))]
    # the strongest low partial is one of the strings' notes (or an octave of one)
    notes = [207.65 * r * h for r in (0.75, 1.0, 0.5) for h in (1, 2, 3)]
    assert min(abs(cents(strongest, n)) for n in notes) < 15
