"""A tabla loop, synthesised: a light theka under the tanpura (`--music tanpura+tabla`).

    tāla (keherwa 8, dadra 6, teentaal 16 beats) → its theka, one bol a beat
      → each bol a stroke (or two at once: dha = na + ge, dhin = tin + ge)
      → each stroke damped modal synthesis: a few exponentially decaying sine modes and a
        short noise burst (the finger's strike), the dayan's modes near-harmonic on its
        tuning (the syāhī's doing), the bayan's a low mode that the heel of the hand bends up
      → one cycle, rendered circularly (each stroke's ring that runs past the cycle's end is
        added back at its start), so that tiled end to end it loops without a click

The dayan is tuned to the film's Sa (`FilmOptions.tonic`) in the octave DAYAN_RANGE_HZ, the
bayan two octaves under it. A beat lasts `BEAT_S`, a heavy syllable of the chant (two light
ones at `chant.LIGHT_SECONDS`): the loop keeps the chant's tempo. The first beat of the cycle
(sam) is stressed.

Hand-written: no maintained Python package synthesises tabla strokes; modal synthesis is a
sum of damped sines in NumPy. Run alone: `python -m pipelines.tabla keherwa -o /tmp/tabla.wav`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import signal

from pipelines import tanpura
from pipelines.errors import InputError
from pipelines.sanskrit import chant

SAMPLE_RATE = 48000
THEKAS = {
    "keherwa": ("dha", "ge", "na", "tin", "na", "ke", "dhin", "na"),
    "dadra": ("dha", "dhin", "na", "dha", "tin", "na"),
    "teentaal": (
        "dha", "dhin", "dhin", "dha", "dha", "dhin", "dhin", "dha",
        "dha", "tin", "tin", "na", "na", "dhin", "dhin", "dha",
    ),
}  # fmt: skip
TALAS = tuple(THEKAS)
BEAT_S = 2 * chant.LIGHT_SECONDS  # a heavy syllable of the chant at its own pace
DAYAN_RANGE_HZ = (220.0, 440.0)  # the right drum: Sa in this octave
SAM_GAIN, BEAT_GAIN = 1.0, 0.75  # the cycle's first beat stressed
PEAK_DBFS = -18.0  # light: its loudness ~8 dB under the tanpura (peak −6 dBFS)
RING_S = 1.2  # the longest a stroke rings before it is cut (−60 dB well before)
FADE_S = 1.0

# Stroke → modes (multiple of the drum's tuning, amplitude, decay time constant in seconds)
# and the strike's noise (amplitude, decay s). Dayan strokes sound its near-harmonic modes;
# tin lets the fundamental ring, na (on the rim) the upper modes.
_DAYAN = {
    "na": (((1.0, 0.45, 0.20), (2.0, 1.0, 0.28), (3.0, 0.7, 0.16), (4.02, 0.45, 0.10),
            (5.03, 0.3, 0.06)), (0.5, 0.004)),
    "tin": (((1.0, 1.0, 0.38), (2.0, 0.45, 0.22), (3.0, 0.2, 0.12), (4.02, 0.08, 0.08)),
            (0.35, 0.003)),
}  # fmt: skip
_BAYAN = {
    "ge": (((1.0, 1.0, 0.35), (1.52, 0.3, 0.15), (2.1, 0.12, 0.08)), (0.3, 0.006)),
    "ke": (((1.0, 0.5, 0.025), (2.3, 0.2, 0.015)), (0.9, 0.012)),
}  # fmt: skip
_BOLS = {"dha": ("na", "ge"), "dhin": ("tin", "ge"), "na": ("na",), "tin": ("tin",),
         "ge": ("ge",), "ke": ("ke",)}  # fmt: skip
GE_BEND = 0.12  # the bayan's pitch rises this share over GE_BEND_S: the heel pressing in
GE_BEND_S = 0.15


def dayan_hz(sa_hz: float) -> float:
    """The right drum's tuning: Sa moved by octaves into DAYAN_RANGE_HZ."""
    hz = sa_hz
    while hz < DAYAN_RANGE_HZ[0]:
        hz *= 2
    while hz >= DAYAN_RANGE_HZ[1]:
        hz /= 2
    return hz


def stroke(name: str, sa_hz: float, *, seed: int = 0, sr: int = SAMPLE_RATE) -> np.ndarray:
    """One stroke (`na`, `tin`, `ge`, `ke`) on drums tuned to `sa_hz`, float32 mono, RING_S
    long, starting at its first sample."""
    t = np.arange(int(RING_S * sr)) / sr
    if name in _DAYAN:
        (modes, (noise, noise_tau)), tuning = _DAYAN[name], dayan_hz(sa_hz)
        phase = 2 * np.pi * tuning * t
    elif name in _BAYAN:
        (modes, (noise, noise_tau)), tuning = _BAYAN[name], dayan_hz(sa_hz) / 4
        bend = 1 + GE_BEND * (1 - np.exp(-t / GE_BEND_S)) if name == "ge" else 1.0
        phase = 2 * np.pi * tuning * np.cumsum(np.broadcast_to(bend, t.shape)) / sr
    else:
        raise InputError("tala", f"stroke {name!r} is not one of {', '.join(_DAYAN | _BAYAN)}")
    out = sum(a * np.exp(-t / tau) * np.sin(ratio * phase) for ratio, a, tau in modes)
    burst = np.random.default_rng(seed).standard_normal(t.size) * np.exp(-t / noise_tau)
    high = signal.butter(2, min(tuning * 2, sr / 4), "highpass", fs=sr, output="sos")
    out = out + noise * signal.sosfilt(high, burst)
    return (out / max(float(np.abs(out).max()), 1e-9)).astype(np.float32)


def cycle(
    sa_hz: float,
    tala: str = "keherwa",
    *,
    beat_s: float = BEAT_S,
    seed: int = 0,
    sr: int = SAMPLE_RATE,
    cycles: int = 1,
) -> np.ndarray:
    """One cycle of the tāla's theka, float32 (n, 2), n = beats × `beat_s` × `sr`: tiled, it
    loops seamlessly (each stroke's ring past the end is folded back onto the start).
    `cycles` > 1 plays that many cycles straight through (folded the same way)."""
    if tala not in THEKAS:
        raise InputError("tala", f"tāla {tala!r} is not one of {', '.join(TALAS)}")
    bols = THEKAS[tala]
    beat = int(round(beat_s * sr))
    length = beat * len(bols) * cycles
    ring = int(RING_S * sr)
    out = np.zeros(length + ring, np.float64)
    for index in range(len(bols) * cycles):
        at, place = index * beat, index % len(bols)
        gain = SAM_GAIN if place == 0 else BEAT_GAIN
        for k, name in enumerate(_BOLS[bols[place]]):
            hit = stroke(name, sa_hz, seed=seed * 64 + place * 2 + k, sr=sr)
            out[at : at + ring] += gain * hit
    loop = out[:length].copy()
    tail = out[length:]
    while tail.size:  # a ring longer than the cycle wraps more than once
        take = min(tail.size, length)
        loop[:take] += tail[:take]
        tail = tail[take:]
    pan = np.array([np.sqrt(0.55), np.sqrt(0.45)])  # a little right of centre, as seated
    return (loop[:, None] * pan).astype(np.float32)


def bed(
    duration_s: float,
    sa_hz: float,
    tala: str = "keherwa",
    *,
    beat_s: float = BEAT_S,
    seed: int = 0,
    sr: int = SAMPLE_RATE,
) -> np.ndarray:
    """The loop `duration_s` long, float32 (n, 2), peak PEAK_DBFS, faded in and out: to add to
    the tanpura's bed."""
    loop = cycle(sa_hz, tala, beat_s=beat_s, seed=seed, sr=sr)
    n = int(round(duration_s * sr))
    out = np.tile(loop, (n // len(loop) + 1, 1))[:n]
    fade = min(int(FADE_S * sr), n // 2)
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    out[:fade] *= ramp[:, None]
    out[n - fade :] *= ramp[::-1, None]
    peak = float(np.abs(loop).max())
    out = tanpura.band_limited(out, sr)  # as the drone, for the AAC's sake
    return out * (10 ** (PEAK_DBFS / 20) / peak) if peak else out


def main(argv: list[str] | None = None) -> int:
    from pipelines.wav import write_wav

    parser = argparse.ArgumentParser(
        prog="python -m pipelines.tabla", description=__doc__.splitlines()[0]
    )
    parser.add_argument("tala", nargs="?", default="keherwa", choices=TALAS)
    parser.add_argument("--sa", default="C#3", help="the tonic, a note name (default C#3)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        audio = bed(args.seconds, tanpura.note_hz(args.sa), args.tala)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_wav(args.output, audio)
    print(f"{args.output}: {args.seconds:g} s of {args.tala} on Sa = {args.sa}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
