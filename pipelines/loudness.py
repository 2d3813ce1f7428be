"""Loudness and true peak as BS.1770 reads them: what the master aims at and the tests check.

Loudness is measured with pyloudnorm's K-weighting filters and the standard's gating, run a
few seconds at a time as one float32 cascade (under a third of `pyloudnorm.Meter`'s time; the
tests check both read the same). The true peak uses the standard's own 48-tap interpolator as
cache-sized numpy multiply-adds, faster than scipy's `resample_poly` with its longer filter.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from pyloudnorm.iirfilter import IIRfilter
from scipy import signal

SAMPLE_RATE = 48000


def measure(audio: np.ndarray, sr: int = SAMPLE_RATE) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBTP); (−inf, −inf) for silence."""
    audio = as_channels(audio)
    peak = float(true_peaks(audio).max(initial=0.0))
    return integrated(audio, sr), 20 * np.log10(peak) if peak > 0 else -np.inf


def true_peaks(audio: np.ndarray, above: float = 0.0) -> np.ndarray:
    """Per sample, the largest magnitude across channels after 4× oversampling: (n,).

    Oversampled with BS.1770-4's own interpolator (annex 2: 48 taps, 12 per phase), only where
    a true peak may reach `above`: an interpolated sample is at most `_TRUE_PEAK_GAIN` times the
    largest of the 12 samples it is made from, so a block of `_TRUE_PEAK_BLOCK` samples whose
    own and neighbours' sample peaks stay under `above / _TRUE_PEAK_GAIN` reads 0 (the master
    asks only about peaks near its ceiling: on the benchmark's film it oversamples 44 % and 38 %
    of the samples in its two readings). The blocks that may reach it are gathered, each with
    the samples its filter reaches beyond it, into one run, filtered as 12 multiply-adds of
    shifted views over a piece of it that stays in the CPU's cache: ~4x faster than
    `np.convolve` per phase, and memory stays at a few copies of one channel. `above=0`
    measures every sample.
    """
    audio = as_channels(np.asarray(audio, np.float32))
    n, taps = len(audio), _TRUE_PEAK_PHASES.shape[1]
    block, rows = _TRUE_PEAK_BLOCK, _TRUE_PEAK_ROWS
    blocks = -(-n // block)
    if blocks == 0:
        return np.zeros(0, np.float32)
    segment = block + taps - 1  # a block and the samples its first output reaches back to
    out = np.zeros(blocks * block, np.float32)
    peaks = out.reshape(blocks, block)
    acc, term = np.empty(rows * segment, np.float32), np.empty(rows * segment, np.float32)
    for channel in audio.T:
        padded = np.zeros(
            blocks * block + taps - 1, np.float32
        )  # centred like np.convolve(mode="same")
        padded[taps // 2 : taps // 2 + n] = channel
        own = padded[taps // 2 : taps // 2 + blocks * block].reshape(blocks, block)
        level = np.maximum(own.max(axis=1), -own.min(axis=1))  # no |channel| copy
        near = level.copy()
        np.maximum(near[1:], level[:-1], out=near[1:])
        np.maximum(near[:-1], level[1:], out=near[:-1])
        hot = np.flatnonzero(near * _TRUE_PEAK_GAIN >= above)
        windows = sliding_window_view(padded, segment)[::block]  # block i's segment, no copy
        for start in range(0, len(hot), rows):
            which = hot[start : start + rows]
            run = windows[which].reshape(-1)
            m = len(run) - (taps - 1)
            y, t = acc[:m], term[:m]
            best = peaks[which]
            for phase in _TRUE_PEAK_PHASES:
                np.multiply(run[taps - 1 :], phase[0], out=y)
                for k in range(1, taps):
                    y += np.multiply(run[taps - 1 - k : taps - 1 - k + m], phase[k], out=t)
                np.abs(y, out=y)
                np.maximum(
                    best,
                    acc[: len(which) * segment].reshape(len(which), segment)[:, :block],
                    out=best,
                )
            peaks[which] = best
    return out[:n]


_TRUE_PEAK_BLOCK = 512  # samples whose peak is checked, and skipped, together (~11 ms)
_TRUE_PEAK_ROWS = 64  # blocks filtered per step: ~33k samples, in the CPU's cache


# ITU-R BS.1770-4, annex 2: the polyphase FIR of the true-peak meter, one row per phase.
_TRUE_PEAK_PHASES = np.array(
    [
        [
            0.0017089843750,
            0.0109863281250,
            -0.0196533203125,
            0.0332031250000,
            -0.0594482421875,
            0.1373291015625,
            0.9721679687500,
            -0.1022949218750,
            0.0476074218750,
            -0.0266113281250,
            0.0148925781250,
            -0.0083007812500,
        ],
        [
            -0.0291748046875,
            0.0292968750000,
            -0.0517578125000,
            0.0891113281250,
            -0.1665039062500,
            0.4650878906250,
            0.7797851562500,
            -0.2003173828125,
            0.1015625000000,
            -0.0582275390625,
            0.0330810546875,
            -0.0189208984375,
        ],
        [
            -0.0189208984375,
            0.0330810546875,
            -0.0582275390625,
            0.1015625000000,
            -0.2003173828125,
            0.7797851562500,
            0.4650878906250,
            -0.1665039062500,
            0.0891113281250,
            -0.0517578125000,
            0.0292968750000,
            -0.0291748046875,
        ],
        [
            -0.0083007812500,
            0.0148925781250,
            -0.0266113281250,
            0.0476074218750,
            -0.1022949218750,
            0.9721679687500,
            0.1373291015625,
            -0.0594482421875,
            0.0332031250000,
            -0.0196533203125,
            0.0109863281250,
            0.0017089843750,
        ],
    ],
    np.float32,
)
# The most an interpolated sample can exceed the samples it is made from (the largest phase's
# sum of |taps|, ~2.02: +6.1 dB).
_TRUE_PEAK_GAIN = float(np.abs(_TRUE_PEAK_PHASES).sum(axis=1).max())


def integrated(audio: np.ndarray, sr: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4), or −inf for silence.

    pyloudnorm's K-weighting filters, run as one single-precision cascade over every channel at
    once (`_k_weighted`), then the standard's gating (`gated`). It reads what
    `pyloudnorm.Meter.integrated_loudness` reads (within 0.01 LU, tested) in under a third of
    its time: it filters in double precision and sums each block in a Python loop.
    """
    audio = as_channels(audio)
    step = round(0.1 * sr)
    power = np.empty(max(len(audio), 4 * step) // step, np.float64)  # per 100 ms, all channels
    for start, weighted in _k_weighted(audio, sr):
        subs = weighted[: len(weighted) // step * step].reshape(-1, step, audio.shape[1])
        power[start // step : start // step + len(subs)] = np.einsum("ksc,ksc->k", subs, subs)
    return gated(power, step, sample_peak(audio))


def k_weighted_power(audio: np.ndarray, sr: int) -> np.ndarray:
    """Per sample, the K-weighted audio's power summed over its channels: float32, at least one
    gating block (400 ms) long."""
    audio = as_channels(audio)
    power = np.empty(max(len(audio), 4 * round(0.1 * sr)), np.float32)
    for start, weighted in _k_weighted(audio, sr):
        np.einsum("nc,nc->n", weighted, weighted, out=power[start : start + len(weighted)])
    return power


def sub_block_power(power: np.ndarray, step: int, gain: np.ndarray | None = None) -> np.ndarray:
    """`k_weighted_power` summed per 100 ms sub-block (`step` samples), each sample weighted
    by `gain`² when given (a gain shorter than the power, for audio under one block, holds its
    last value)."""
    n = len(power) // step * step
    if gain is None:
        return power[:n].reshape(-1, step).sum(axis=1, dtype=np.float64)
    if len(gain) < n:
        gain = np.pad(gain, (0, n - len(gain)), mode="edge")
    weighted = np.square(gain[:n])
    weighted *= power[:n]
    return weighted.reshape(-1, step).sum(axis=1, dtype=np.float64)


def _k_weighted(audio: np.ndarray, sr: int) -> Iterator[tuple[int, np.ndarray]]:
    """(start, the K-weighted audio from there): (m, channels) float32, a few seconds at a time
    (no film-length copy), guarded against denormal floats (`_DENORMAL_GUARD`). Audio shorter
    than one gating block comes with silence to make up the rest."""
    step = round(0.1 * sr)
    if len(audio) < 4 * step:
        audio = np.concatenate(
            [audio, np.zeros((4 * step - len(audio), audio.shape[1]), audio.dtype)]
        )
    sos, chunk = _k_weighting(sr), _LOUDNESS_CHUNK_STEPS * step
    state = np.zeros((len(sos), 2, audio.shape[1]), np.float32)
    guard = np.empty((chunk, 1), np.float32)
    guard[0::2], guard[1::2] = _DENORMAL_GUARD, -_DENORMAL_GUARD
    for start in range(0, len(audio), chunk):
        part = audio[start : start + chunk]
        weighted, state = signal.sosfilt(sos, part + guard[: len(part)], axis=0, zi=state)
        yield start, weighted


def gated(power: np.ndarray, step: int, peak: float) -> float:
    """BS.1770's gating over the K-weighted power of each 100 ms sub-block: 400 ms blocks every
    100 ms, each the sum of four sub-blocks; an absolute gate at −70 LUFS and a relative one
    10 LU under the loudness of the blocks above it. The absolute gate is applied as though the
    audio were peak-normalised (its sample `peak`), so very quiet audio is not lost under it."""
    if peak == 0:
        return -np.inf
    blocks = (power[:-3] + power[1:-2] + power[2:-1] + power[3:]) / (4 * step)
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(blocks)
    gated = levels >= -70 + 20 * np.log10(peak)
    if not gated.any():
        return -np.inf
    gated &= levels > -0.691 + 10 * np.log10(blocks[gated].mean()) - 10
    return float(-0.691 + 10 * np.log10(blocks[gated].mean()))


def sample_peak(audio: np.ndarray) -> float:
    """The largest sample magnitude, without an |audio| copy."""
    return max(float(audio.max(initial=0.0)), -float(audio.min(initial=0.0)))


# The K-weighting runs over the audio this many 100 ms sub-blocks at a time (3.2 s): no
# film-length copy of the weighted audio.
_LOUDNESS_CHUNK_STEPS = 32
# Added to the audio before K-weighting, alternating in sign (−200 dBFS at the Nyquist
# frequency, which the filters pass): where the audio is digital silence, between lines of
# speech, the filters' state would otherwise decay into denormal floats, which the CPU handles
# many times slower.
_DENORMAL_GUARD = 1e-10


@functools.lru_cache(maxsize=4)
def _k_weighting(sr: int) -> np.ndarray:
    """BS.1770's K-weighting (a +4 dB high shelf, then a high-pass) as float32 second-order
    sections, from pyloudnorm's filter designs."""
    stages = (
        IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, sr, "high_shelf"),
        IIRfilter(0.0, 0.5, 38.0, sr, "high_pass"),
    )
    return np.array([[*stage.b, *stage.a] for stage in stages], np.float32)


def as_channels(audio: np.ndarray) -> np.ndarray:
    """Audio as (n, channels): a 1-D array is one channel."""
    return audio[:, None] if audio.ndim == 1 else audio
