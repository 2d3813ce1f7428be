"""A tanpura drone, synthesised: the bed under a chant or a recited poem (`--music tanpura`).

Four strings plucked in turn, Pa–sa–sa–Sa (or Ma–sa–sa–Sa): the lower fifth, the middle Sa
twice and the Sa an octave down, tuned to the film's Sa (`FilmOptions.tonic`). Each string is
`DETUNE_CENTS`-apart Karplus–Strong strings (a delay line of one period with a two-tap
averaging filter in its loop: a plucked string's decay, brightest first), and each loop has the
jawari in it: the flat curved bridge the string grazes, which clips the string's excursion on
one side on every pass and so keeps feeding energy into the high overtones (the buzz that makes
a tanpura a tanpura, where a plain plucked string only grows duller).

The pattern (one cycle of four plucks) is rendered over enough cycles for every string's ring
to die away, and the last cycle, where the earlier cycles' tails have settled into a steady
state, is the loop: tiled end to end it joins without a click.

Hand-written: no maintained Python package synthesises a tanpura; Karplus–Strong is a few
lines of NumPy, computed a period at a time (the loop only looks one period back).
Run alone: `python -m pipelines.tanpura C#3 -o /tmp/tanpura.wav`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage, signal

from pipelines.errors import InputError

SAMPLE_RATE = 48000
TUNINGS = {"pa": (0.75, 1.0, 1.0, 0.5), "ma": (2 / 3, 1.0, 1.0, 0.5)}  # × Sa, in plucking order
PLUCK_GAP_S = (1.1, 1.1, 1.1, 1.6)  # after each string: the fourth rests before the next cycle
RING_S = 7.0  # a string rings this long (to −60 dB) before the loop forgets it
DETUNE_CENTS = (-2.5, 0.0, 2.5)  # the strings that make up one string, beating slowly
JAWARI = 0.5  # how far the bridge clips the string's excursion (0: a plain KS string)
PEAK_DBFS = -6.0
FADE_S = 1.0
# A bed is band-limited here: with the jawari's buzz reaching to 24 kHz, the film's AAC (192
# kbps) drops the top bands and lifts the mix's true peak by up to 2.9 dB (benchmarks/).
BAND_HZ = 16000.0

_NOTE = re.compile(r"([A-Ga-g])([#b]?)(-?\d)")
_SEMITONES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
SA_RANGE_HZ = (55.0, 523.26)  # A1 … C5: what a voice or a tanpura can take as its Sa


def note_hz(name: str, field: str = "tonic") -> float:
    """The frequency of a note name ("C#3", "Bb2", "G#3"; A4 = 440 Hz), InputError on `field`
    for a name that is not a note or lies outside SA_RANGE_HZ."""
    match = _NOTE.fullmatch(name.strip())
    if not match:
        raise InputError(field, f"{name!r} is not a note name like C#3 or Bb2")
    letter, accidental, octave = match.groups()
    semitone = _SEMITONES[letter.upper()] + {"#": 1, "b": -1, "": 0}[accidental]
    hz = 440.0 * 2 ** ((semitone - 9) / 12 + int(octave) - 4)
    if not SA_RANGE_HZ[0] <= hz <= SA_RANGE_HZ[1] + 0.01:
        raise InputError(field, f"{name} ({hz:.1f} Hz) is outside A1–C5")
    return hz


def note_name(hz: float) -> str:
    """The nearest note's name without its octave, sharps for black keys: 138.59 → "C#"."""
    names = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
    return names[(round(12 * np.log2(hz / 440.0)) + 9) % 12]


def string(
    hz: float, seconds: float, *, jawari: float = JAWARI, seed: int = 0, sr: int = SAMPLE_RATE
) -> np.ndarray:
    """One plucked string at `hz`, `seconds` long, float32 mono, decaying to −60 dB by RING_S.

    Karplus–Strong with the loop's two taps weighted to put the period at exactly sr/hz. With
    `jawari` > 0 the bridge folds back each swing that rises above (1 − jawari) of the string's
    current swing (its peak over the last period), so the buzz lasts as long as the ring."""
    period = sr / hz
    n_delay = int(period)
    frac = period - n_delay  # y[n] = g·((1 − frac)·y[n−N] + frac·y[n−N−1]): a delay of N + frac
    loss = 10 ** (-3 * period / (RING_S * sr))  # −60 dB after RING_S
    total = int(seconds * sr)
    out = np.zeros(total + n_delay + 1, np.float64)
    burst = np.random.default_rng(seed).uniform(-1, 1, n_delay + 1)
    out[: n_delay + 1] = burst - burst.mean()
    at = n_delay + 1
    while at < out.size:  # a period at a time: each sample looks one period back
        end = min(at + n_delay, out.size)
        back = out[at - n_delay - 1 : end - n_delay]
        out[at:end] = loss * ((1 - frac) * back[1:] + frac * back[:-1])
        at = end
    out = out[:total]
    if jawari:
        swing = ndimage.maximum_filter1d(np.abs(out), n_delay + 1, origin=(n_delay + 1) // 2 - 1)
        limit = (1 - jawari) * swing
        out = np.where(out > limit, limit - 0.5 * (out - limit), out)
    return out.astype(np.float32)


def cycle(sa_hz: float, *, tuning: str = "pa", seed: int = 0, sr: int = SAMPLE_RATE) -> np.ndarray:
    """One cycle of the drone in its steady state, float32 (n, 2): tiled, it loops seamlessly."""
    if tuning not in TUNINGS:
        raise InputError("tuning", f"tuning {tuning!r} is not one of {', '.join(TUNINGS)}")
    starts = np.concatenate([[0], np.cumsum(PLUCK_GAP_S)[:-1]])
    length = int(sum(PLUCK_GAP_S) * sr)
    cycles = int(np.ceil(RING_S * 1.2 / sum(PLUCK_GAP_S))) + 1
    ring = int(RING_S * 1.2 * sr)
    out = np.zeros((cycles * length + ring, 2), np.float64)
    pans = (-0.35, -0.1, 0.1, 0.35)  # the four strings across the stereo field
    for index, (ratio, start, pan) in enumerate(zip(TUNINGS[tuning], starts, pans)):
        voice = sum(
            string(
                sa_hz * ratio * 2 ** (cents / 1200),
                RING_S * 1.2,
                seed=seed * 16 + index * 4 + k,
                sr=sr,
            )
            for k, cents in enumerate(DETUNE_CENTS)
        ) / len(DETUNE_CENTS)
        gains = np.array([np.sqrt(0.5 - pan / 2), np.sqrt(0.5 + pan / 2)])
        for c in range(cycles):
            at = c * length + int(start * sr)
            out[at : at + ring] += voice[:, None] * gains
    return out[(cycles - 1) * length : cycles * length].astype(np.float32)


def bed(
    duration_s: float, sa_hz: float, *, tuning: str = "pa", seed: int = 0, sr: int = SAMPLE_RATE
) -> np.ndarray:
    """The drone `duration_s` long, float32 (n, 2), peak PEAK_DBFS, faded in and out."""
    loop = cycle(sa_hz, tuning=tuning, seed=seed, sr=sr)
    n = int(round(duration_s * sr))
    out = np.tile(loop, (n // len(loop) + 1, 1))[:n]
    fade = min(int(FADE_S * sr), n // 2)
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    out[:fade] *= ramp[:, None]
    out[n - fade :] *= ramp[::-1, None]
    peak = float(np.abs(loop).max())
    out = band_limited(out, sr)
    return out * (10 ** (PEAK_DBFS / 20) / peak) if peak else out


def band_limited(audio: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """`audio` (n, channels) without what lies above BAND_HZ (zero phase), float32."""
    if sr <= 2 * BAND_HZ:
        return audio
    sos = signal.butter(4, BAND_HZ, "lowpass", fs=sr, output="sos")
    return signal.sosfiltfilt(sos, audio, axis=0).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    from pipelines.wav import write_wav

    parser = argparse.ArgumentParser(
        prog="python -m pipelines.tanpura", description=__doc__.splitlines()[0]
    )
    parser.add_argument("sa", nargs="?", default="C#3", help="the tonic, a note name (default C#3)")
    parser.add_argument("--tuning", default="pa", choices=sorted(TUNINGS))
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        audio = bed(args.seconds, note_hz(args.sa), tuning=args.tuning)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_wav(args.output, audio)
    print(f"{args.output}: {args.seconds:g} s of tanpura on Sa = {args.sa}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
