"""The tabla loop: a stroke on every beat of its tāla, a cycle of the tāla's length, no click
where it loops, under the tanpura as one bed."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from pipelines import music, tabla, tanpura
from pipelines.engines import DraftEngines
from pipelines.errors import InputError
from pipelines.request import make_request
from tests.utils.film import SHORT_FILMS

SR = 48000
SA = 138.59  # C#3
BEATS = {"keherwa": 8, "dadra": 6, "teentaal": 16}


def onsets(x: np.ndarray) -> np.ndarray:
    """librosa's onset times (s) of mono `x`."""
    return librosa.onset.onset_detect(y=x, sr=SR, units="time", backtrack=False)


@pytest.mark.parametrize("tala", BEATS)
def test_a_stroke_sounds_on_every_beat_of_the_tala(tala):
    loop = tabla.cycle(SA, tala).mean(axis=1)
    cycle_s = len(loop) / SR
    found = onsets(np.tile(loop, 3))
    found = found[(found > cycle_s - 0.1) & (found < 3 * cycle_s - 0.1)]  # whole cycles 2 and 3
    beats = cycle_s + np.arange(2 * BEATS[tala]) * tabla.BEAT_S
    assert len(found) == len(beats)
    assert np.abs(found - beats).max() < 0.03  # within 30 ms of its beat


@pytest.mark.parametrize("tala", BEATS)
def test_the_cycle_is_the_talas_length(tala):
    """Heard, not counted: the loop repeats itself after the tāla's beats and at no shorter
    whole number of beats."""
    loop = tabla.cycle(SA, tala).mean(axis=1)
    beat = round(tabla.BEAT_S * SR)
    assert len(loop) == BEATS[tala] * beat
    x = np.tile(loop, 2)

    def likeness(beats: int) -> float:
        a, b = x[: len(loop)], x[beats * beat : beats * beat + len(loop)]
        return float(a @ b / np.sqrt((a @ a) * (b @ b)))

    assert likeness(BEATS[tala]) > 0.999
    assert max(likeness(k) for k in range(1, BEATS[tala])) < 0.95


@pytest.mark.parametrize("tala", BEATS)
def test_the_loop_joins_without_a_click(tala):
    """Tiled, the loop is exactly the tāla played on (each stroke's ring carries across the
    joint), and the joint jumps no more than a stroke inside the cycle does."""
    loop = tabla.cycle(SA, tala)
    n = len(loop)
    assert np.allclose(np.tile(loop, (3, 1))[n : 2 * n], tabla.cycle(SA, tala, cycles=3)[n : 2 * n])
    jumps = np.abs(np.diff(np.tile(loop[:, 0], 2)))
    beat = round(tabla.BEAT_S * SR)
    inside = max(jumps[k * beat - 1] for k in range(1, BEATS[tala]))
    assert jumps[n - 1] <= inside


def test_tanpura_and_tabla_are_one_bed_tuned_to_sa():
    sa = tanpura.note_hz("G#3")
    engines = DraftEngines()
    both = music.bed(None, "tanpura+tabla", "calm", 8.0, 0, engines, sa_hz=sa, tala="dadra")
    drone = music.bed(None, "tanpura", "calm", 8.0, 0, engines, sa_hz=sa)
    assert both.shape == (8 * SR, 2) and both.dtype == np.float32
    drums = (both - drone).mean(axis=1)
    assert np.allclose(drums, tabla.bed(8.0, sa, "dadra").mean(axis=1), atol=1e-5)
    # light: the tabla more than 6 dB under the drone (RMS)
    assert np.sqrt(np.mean(drums**2)) < 0.5 * np.sqrt(np.mean(drone.mean(axis=1) ** 2))
    assert tabla.dayan_hz(sa) == pytest.approx(2 * sa)  # the dayan on Sa, an octave up


def test_the_tala_is_a_film_option_refused_by_name():
    request = make_request(
        SHORT_FILMS, script="Om.", duration=14, music="tanpura+tabla", tala="teentaal"
    )
    assert request.music == "tanpura+tabla" and request.tala == "teentaal"
    with pytest.raises(InputError) as refused:
        make_request(SHORT_FILMS, script="Om.", duration=14, tala="rupak")
    assert refused.value.field == "tala"
    with pytest.raises(InputError) as refused:
        tabla.cycle(SA, "rupak")
    assert refused.value.field == "tala"
