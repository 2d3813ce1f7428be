"""Music for the film: a procedural bed that follows the mood, or the user's own track.

request → plan → assets (voice, images, clips, **music**) → timeline → frames + mix → MP4.

Both paths return float32 stereo at `SAMPLE_RATE`, shape (n, 2), n = round(duration_s * sr),
with fades at both ends. Loudness is the mixer's job (pipelines/mix.py): the generated bed is
only peak-normalised to about −6 dBFS, and a user's track keeps its own level.

The generated bed (draft tier, no weights) is a small piece of music, hand-written in numpy
because no maintained library synthesises one without model weights:

* harmony — a four-chord progression in Roman numerals ("I V vi IV", "i bVI bIII bVII"),
  whose key, mode and tempo follow the mood (`mood_key`); one chord per bar, the progression
  played twice per phrase;
* voices — soft pads (three detuned band-limited saws, ADSR, low-passed), a bass line, an
  arpeggio of the chord and a little melody, each panned for a gentle stereo spread;
* space — a convolution reverb with a synthetic, exponentially decaying noise impulse response;
* form — the phrase is rendered once as a seamless loop (notes and reverb tails that run past
  its end wrap round to its start), then tiled to length; the arpeggio and melody enter after
  the first bars and the melody rests every third phrase, so a long bed breathes.

Rendering one phrase and tiling it is what keeps a five-minute bed to a fraction of a second:
no per-sample Python loops, one numpy expression per note. The seed picks the progression,
the voicing, the arpeggio order and the melody, so the same seed gives identical audio.

Run alone: ``python -m pipelines.music --mood tense --duration 20 -o /tmp/bed.wav``.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from scipy import fft, signal

from pipelines import tabla, tanpura
from pipelines.errors import InputError
from pipelines.plan import MOODS
from pipelines.wav import write_wav

SAMPLE_RATE = 48000
PEAK_DBFS = -6.0  # the generated bed's peak; the mixer sets the final loudness
BED_FADE_S = 2.0  # fade-in and fade-out of the generated bed
TRACK_FADE_IN_S = 1.0  # fades of a user's track
TRACK_FADE_OUT_S = 2.0
LOOP_XFADE_S = 0.1  # crossfade where a short user track loops round

BEATS_PER_BAR = 4
NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


# --- What each mood sounds like ------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """The musical choices behind one mood."""

    key: str  # tonic, one of NOTE_NAMES
    mode: str  # "major" or "minor"
    bpm: float
    progressions: tuple[str, ...]  # one chord per bar, Roman numerals; the seed picks one
    bass: tuple[tuple[float, float, int], ...]  # (beat, length in beats, semitones over root)
    arp_step: float  # beats between arpeggio notes
    arp_density: float  # share of arpeggio steps that sound (sparse moods leave gaps)
    melody: tuple[tuple[tuple[float, float], ...], ...]  # rhythms a bar can take: (beat, length)
    cutoff_hz: float  # pad low-pass: darker moods are darker
    pad_attack_s: float
    reverb_s: float  # reverb decay time (RT60)


_SLOW = (((0.0, 3.0),), ((0.0, 2.0), (2.0, 2.0)), ((1.0, 3.0),), ((0.0, 4.0),))
_MEDIUM = (
    ((0.0, 1.5), (1.5, 0.5), (2.0, 2.0)),
    ((0.0, 1.0), (1.0, 1.0), (2.0, 2.0)),
    ((0.0, 2.0), (2.0, 1.0), (3.0, 1.0)),
    ((0.0, 3.0), (3.0, 1.0)),
)
_LIVELY = (
    ((0.0, 0.5), (0.5, 0.5), (1.0, 1.0), (2.0, 0.5), (2.5, 0.5), (3.0, 1.0)),
    ((0.0, 1.0), (1.0, 0.5), (1.5, 0.5), (2.0, 2.0)),
    ((0.0, 0.5), (0.5, 1.5), (2.0, 1.0), (3.0, 1.0)),
)
_SPARSE = (((0.0, 4.0),), ((2.0, 2.0),), ((1.0, 1.5),), ())

STYLES: dict[str, Style] = {
    "calm": Style(
        "F",
        "major",
        66,
        ("Iadd9 V vi IVmaj7", "I IVmaj7 I V", "Imaj7 vi IVadd9 V"),
        bass=((0, 4, 0),),
        arp_step=1.0,
        arp_density=0.8,
        melody=_SLOW,
        cutoff_hz=1400,
        pad_attack_s=0.8,
        reverb_s=2.6,
    ),
    "hopeful": Style(
        "G",
        "major",
        92,
        ("I V vi IV", "IV I V vi", "vi IV I V"),
        bass=((0, 2, 0), (2, 1.5, 7), (3.5, 0.5, 0)),
        arp_step=0.5,
        arp_density=1.0,
        melody=_MEDIUM,
        cutoff_hz=2000,
        pad_attack_s=0.35,
        reverb_s=2.0,
    ),
    "joyful": Style(
        "D",
        "major",
        118,
        ("I IV V IV", "I V vi IV", "I iii IV V"),
        bass=tuple((b * 0.5, 0.45, 12 * (b % 2)) for b in range(8)),
        arp_step=0.25,
        arp_density=1.0,
        melody=_LIVELY,
        cutoff_hz=2800,
        pad_attack_s=0.1,
        reverb_s=1.4,
    ),
    "tense": Style(
        "C",
        "minor",
        104,
        ("i bVI bIII bVII", "i iv bVI V", "i bVI bVII i"),
        bass=tuple((b * 0.5, 0.3, 0) for b in range(8)),
        arp_step=0.5,
        arp_density=0.9,
        melody=_MEDIUM,
        cutoff_hz=900,
        pad_attack_s=0.5,
        reverb_s=1.8,
    ),
    "sad": Style(
        "A",
        "minor",
        60,
        ("i bVI bIII bVII", "i iv bVII bIII", "i bVI iv V"),
        bass=((0, 4, 0),),
        arp_step=1.0,
        arp_density=0.7,
        melody=_SLOW,
        cutoff_hz=1100,
        pad_attack_s=1.0,
        reverb_s=3.0,
    ),
    "mysterious": Style(
        "E",
        "minor",
        72,
        ("iadd9 bVImaj7 ivadd9 Vsus4", "isus2 bIIsus2 isus2 bVII", "iadd9 bVII bVImaj7 Vsus4"),
        bass=((0, 3, 0),),
        arp_step=0.5,
        arp_density=0.35,
        melody=_SPARSE,
        cutoff_hz=800,
        pad_attack_s=1.2,
        reverb_s=3.4,
    ),
}


def mood_key(mood: str) -> tuple[str, str, float]:
    """(key name, mode, tempo in bpm) of the bed generated for `mood`, e.g. ("F", "major", 66)."""
    style = _style(mood)
    return style.key, style.mode, style.bpm


def _style(mood: str) -> Style:
    if mood not in STYLES:
        raise InputError("mood", f"{mood!r} is not one of {', '.join(MOODS)}")
    return STYLES[mood]


# --- Harmony: Roman numerals → chords → voicings -------------------------------------------

_NUMERAL = re.compile(
    r"^(b|#)?(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(sus2|sus4|add9|maj7|7)?$"
)
_DEGREE = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
_COLOUR = {"sus2": (0, 2, 7), "sus4": (0, 5, 7), "add9": (14,), "maj7": (11,), "7": (10,)}


def chord(numeral: str) -> tuple[int, tuple[int, ...]]:
    """(root in semitones over the tonic, chord tones in semitones over the root).

    Upper case is major, lower case minor; "b"/"#" alter the root (so minor-key "bVI" is the
    major chord on the flat sixth); a suffix adds colour: sus2, sus4, add9, maj7, 7.
    """
    match = _NUMERAL.match(numeral)
    if not match:
        raise ValueError(f"not a chord numeral: {numeral!r}")
    accidental, degree, colour = match.groups()
    root = _DEGREE[degree.upper()] + {"b": -1, "#": 1, None: 0}[accidental]
    tones = (0, 4, 7) if degree.isupper() else (0, 3, 7)
    if colour in ("sus2", "sus4"):
        tones = _COLOUR[colour]
    elif colour:
        tones = tones + _COLOUR[colour]
    return root % 12, tones


def _lowest(pitch_class: int, low: int) -> int:
    """The MIDI note of `pitch_class` (0 = C) at or just above MIDI note `low`."""
    return low + (pitch_class - low) % 12


def _voicings(
    roots: list[int], tones: list[tuple[int, ...]], tonic: int, rng: np.random.Generator
) -> list[list[int]]:
    """Pad voicings (MIDI notes) for a progression, with smooth voice leading.

    Each chord takes the inversion, in the pad register, nearest the previous voicing; a
    little seeded noise in that choice lets different seeds voice the same progression apart.
    """
    low, high = 52, 79  # E3..G5: the warm middle of a pad
    chosen: list[list[int]] = []
    previous_centre = 64 + rng.uniform(-3, 3)
    for root, chord_tones in zip(roots, tones):
        classes = sorted({(tonic + root + t) % 12 for t in chord_tones})
        candidates = []
        for inversion in range(len(classes)):
            order = classes[inversion:] + classes[:inversion]
            notes = [low + (order[0] - low) % 12]
            for pc in order[1:]:
                notes.append(notes[-1] + (pc - notes[-1]) % 12)
            for shift in (0, 12):
                voiced = [n + shift for n in notes]
                if voiced[-1] <= high:
                    candidates.append(voiced)
        cost = [abs(np.mean(v) - previous_centre) + rng.uniform(0, 2.5) for v in candidates]
        voicing = candidates[int(np.argmin(cost))]
        chosen.append(voicing)
        previous_centre = float(np.mean(voicing))
    return chosen


def _scale(tonic: int, mode: str) -> np.ndarray:
    """Every MIDI note of the key's scale over a wide range."""
    steps = (0, 2, 4, 5, 7, 9, 11) if mode == "major" else (0, 2, 3, 5, 7, 8, 10)
    return np.array([tonic + 12 * octave + s for octave in range(-3, 4) for s in steps])


# --- Sound: oscillators and envelopes ------------------------------------------------------

_TABLE_SIZE = 4096  # a power of two: a phase wraps round with a bitwise and


def _wavetable(partials: dict[int, float]) -> np.ndarray:
    """One period of a band-limited waveform from {harmonic: amplitude}."""
    phase = np.arange(_TABLE_SIZE) / _TABLE_SIZE
    table = sum(a * np.sin(2 * np.pi * k * phase) for k, a in partials.items())
    return (table / np.abs(table).max()).astype(np.float32)


SAW = _wavetable({k: 1.0 / k for k in range(1, 25)})  # pads: bright, tamed by the low-pass
MELLOW = _wavetable({1: 1.0, 2: 0.25, 3: 0.12, 4: 0.05})  # melody
BASS = _wavetable({1: 1.0, 2: 0.35, 3: 0.12})
BELL = _wavetable({1: 1.0, 2: 0.45, 3: 0.3, 5: 0.12})  # arpeggio attack


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _osc(table: np.ndarray, hz: float, n: int, sr: int, phase: float = 0.0) -> np.ndarray:
    """`n` samples of `table` played at `hz` (phase accumulator, nearest-sample lookup)."""
    return _lookup(table, np.arange(n) * (hz * _TABLE_SIZE / sr) + phase * _TABLE_SIZE)


def _lookup(table: np.ndarray, position: np.ndarray) -> np.ndarray:
    """`table` read at `position` (in table samples, from 0 up): nearest-sample lookup that
    wraps round. The table's size is a power of two, so the wrap is a bitwise and."""
    index = position.astype(np.int32)
    return table.take(np.bitwise_and(index, _TABLE_SIZE - 1, out=index))


def _adsr(gate: int, release: int, attack: int, decay: int, sustain: float) -> np.ndarray:
    """Linear ADSR over gate + release samples: up, down to sustain, hold, then away to 0."""
    attack = max(1, min(attack, gate))
    decay = max(1, min(decay, gate - attack)) if gate > attack else 1
    times = [0, attack, attack + decay, max(gate, attack + decay), gate + release]
    return np.interp(np.arange(gate + release), times, [0, 1, sustain, sustain, 0]).astype(
        np.float32
    )


def _pluck(n: int, sr: int, decay_s: float) -> np.ndarray:
    """A struck note's envelope: 5 ms rise, exponential decay, 20 ms fade at the end."""
    t = np.arange(n) / sr
    env = np.exp(-t / decay_s) * np.minimum(1.0, t / 0.005)
    env *= np.minimum(1.0, (n - np.arange(n)) / (0.02 * sr))
    return env.astype(np.float32)


def _pan(mono: np.ndarray, position: float) -> np.ndarray:
    """Constant-power pan: position −1 (left) … 0 (centre) … +1 (right) → (n, 2)."""
    angle = (position + 1) * np.pi / 4
    out = np.empty((len(mono), 2), np.float32)
    np.multiply(mono, np.float32(np.cos(angle)), out=out[:, 0])
    np.multiply(mono, np.float32(np.sin(angle)), out=out[:, 1])
    return out


class _Loop:
    """A stereo buffer that wraps: what runs past the end sounds again from the start."""

    def __init__(self, n: int):
        self.audio = np.zeros((n, 2), np.float32)

    def add(self, start: int, sound: np.ndarray) -> None:
        n = len(self.audio)
        start %= n
        while len(sound):
            take = min(len(sound), n - start)
            self.audio[start : start + take] += sound[:take]
            sound, start = sound[take:], 0


# --- The layers of the piece ---------------------------------------------------------------


@dataclass
class _Score:
    """Everything the layers share: timing, harmony and the random source."""

    style: Style
    sr: int
    beat: int  # samples per beat
    bars: list[tuple[int, tuple[int, ...]]]  # (root, chord tones) per bar of the phrase
    voicings: list[list[int]]  # pad notes per bar
    tonic: int  # MIDI tonic in the pad register
    rng: np.random.Generator

    @property
    def bar(self) -> int:
        return self.beat * BEATS_PER_BAR

    @property
    def length(self) -> int:
        return self.bar * len(self.bars)


def _pads(score: _Score) -> np.ndarray:
    """Sustained chords: three detuned saws per note (left, centre, right), low-passed."""
    sr, style = score.sr, score.style
    loop = _Loop(score.length)
    release = int(1.2 * sr)
    env = _adsr(score.bar, release, int(style.pad_attack_s * sr), int(0.6 * sr), 0.75)
    for i, notes in enumerate(score.voicings):
        voices = np.zeros((len(env), 2), np.float32)
        for note in notes:
            for cents, position in ((-7, -0.7), (0, 0.0), (7, 0.7)):
                hz = _hz(note + cents / 100)
                voices += _pan(_osc(SAW, hz, len(env), sr, score.rng.random()), position)
        loop.add(i * score.bar, voices * env[:, None] / len(notes))
    return _lowpass_cyclic(loop.audio, style.cutoff_hz, sr)


def _bass(score: _Score) -> np.ndarray:
    """The chord roots in the bass register, in the mood's rhythm."""
    sr, beat = score.sr, score.beat
    loop = _Loop(score.length)
    for i, (root, _) in enumerate(score.bars):
        midi = _lowest(score.tonic + root, 36)  # C2..B2
        for at, length, interval in score.style.bass:
            gate = int(length * beat)
            env = _adsr(gate, int(0.08 * sr), int(0.01 * sr), int(0.3 * sr), 0.6)
            tone = _osc(BASS, _hz(midi + interval), len(env), sr) * env
            loop.add(i * score.bar + int(at * beat), _pan(tone, 0.0))
    return loop.audio


def _arpeggio(score: _Score) -> np.ndarray:
    """The chord's notes an octave over the pads, one per step, up, up-down or shuffled."""
    style, sr, rng = score.style, score.sr, score.rng
    loop = _Loop(score.length)
    order = rng.choice(["up", "updown", "shuffle"])
    step = int(style.arp_step * score.beat)
    steps = BEATS_PER_BAR * score.beat // step
    decay = min(0.6, 1.5 * style.arp_step * 60 / style.bpm)
    n = int(min(3 * decay, 2.0) * sr)
    body, attack = _pluck(n, sr, decay), 0.5 * _pluck(n, sr, decay / 4)  # every note's envelopes
    for i, notes in enumerate(score.voicings):
        notes = [n + 12 for n in notes]
        if order == "updown":
            notes = notes + notes[-2:0:-1]
        elif order == "shuffle":
            notes = list(rng.permutation(notes))
        for s in range(steps):
            if rng.random() > style.arp_density:
                continue
            hz = _hz(notes[s % len(notes)])
            tone = _osc(MELLOW, hz, n, sr) * body
            tone += _osc(BELL, hz, n, sr) * attack
            loop.add(i * score.bar + s * step, _pan(tone, rng.uniform(-0.5, 0.5)))
    return loop.audio


def _melody(score: _Score) -> np.ndarray:
    """A singable line over the chords: chord tones on downbeats, steps in between.

    Each bar takes one of the mood's rhythms; the line moves mostly by step through the scale
    and comes home to the tonic on the phrase's last note.
    """
    style, sr, rng = score.style, score.sr, score.rng
    loop = _Loop(score.length)
    scale = _scale(score.tonic, style.mode)
    low, high = score.tonic + 7, score.tonic + 21
    scale = scale[(scale >= low) & (scale <= high)]
    tonics = [int(m) for m in scale if (m - score.tonic) % 12 == 0]
    note = int(rng.choice(scale))
    rhythms = [style.melody[int(rng.integers(len(style.melody)))] for _ in score.bars]
    for i, ((root, tones), rhythm) in enumerate(zip(score.bars, rhythms)):
        classes = {(score.tonic + root + t) % 12 for t in tones}
        chord_notes = [int(m) for m in scale if m % 12 in classes] or list(scale)
        for j, (at, length) in enumerate(rhythm):
            last = i == len(score.bars) - 1 and j == len(rhythm) - 1
            if last:  # home
                note = min(tonics, key=lambda m: abs(m - note))
            elif j == 0:  # downbeat: the chord tone nearest the line
                near = sorted(chord_notes, key=lambda m: abs(m - note))[:2]
                note = int(rng.choice(near))
            else:  # a step or a skip through the scale
                here = int(np.argmin(np.abs(scale - note)))
                move = int(rng.choice([-2, -1, -1, 1, 1, 2]))
                note = int(scale[np.clip(here + move, 0, len(scale) - 1)])
            gate = int(length * score.beat * 0.9)
            env = _adsr(gate, int(0.25 * sr), int(0.04 * sr), int(0.3 * sr), 0.7)
            t = np.arange(len(env)) / sr
            vibrato = 1 + 0.003 * np.sin(2 * np.pi * 5 * t) * np.minimum(1, t / 0.5)
            phase = np.cumsum(vibrato * _hz(note) / sr)
            tone = _lookup(MELLOW, phase * _TABLE_SIZE) * env
            loop.add(i * score.bar + int(at * score.beat), _pan(tone, 0.2))
    return loop.audio


def _lowpass_cyclic(loop: np.ndarray, cutoff_hz: float, sr: int) -> np.ndarray:
    """Low-pass a loop so its end flows into its start: filter two laps, keep the second."""
    sos = signal.butter(2, cutoff_hz, fs=sr, output="sos")
    twice = signal.sosfilt(sos, np.concatenate([loop, loop]), axis=0)
    return twice[len(loop) :].astype(np.float32)


def _room(decay_s: float, n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """The spectrum of a synthetic room, for circular convolution with an `n`-sample loop.

    Its impulse response is noise (different per channel, for width) under an exponential
    decay reaching −60 dB after `decay_s`, darkened by a gentle low-pass, after a 20 ms
    pre-delay, scaled to unit energy.
    """
    n_ir = min(int(decay_s * sr), n - 1)
    t = np.arange(n_ir) / sr
    ir = rng.standard_normal((n_ir, 2)) * np.exp(-6.9 * t / decay_s)[:, None]
    ir = signal.sosfilt(signal.butter(1, 4000, fs=sr, output="sos"), ir, axis=0)
    ir[: int(0.02 * sr)] = 0
    ir /= np.sqrt(np.sum(ir**2, axis=0))
    return fft.rfft(ir.astype(np.float32), n, axis=0)  # single precision: twice as fast


def _reverb(loop: np.ndarray, room: np.ndarray) -> np.ndarray:
    """The wet signal of `loop` in `room`: circular, so the tail wraps round to the start."""
    wet = fft.irfft(fft.rfft(loop, axis=0) * room, len(loop), axis=0)
    return wet.astype(np.float32)


# --- The generated bed ---------------------------------------------------------------------

# (layer, level, reverb send) — the balance of the little band
_LAYERS = (("pads", 0.6, 0.45), ("bass", 0.35, 0.1), ("arp", 0.22, 0.5), ("melody", 0.28, 0.35))
_RENDER = {"pads": _pads, "bass": _bass, "arp": _arpeggio, "melody": _melody}


def generated_bed(duration_s: float, mood: str, seed: int, sr: int = SAMPLE_RATE) -> np.ndarray:
    """A procedural piece of music for `mood`, `duration_s` long: float32 (n, 2), peak −6 dBFS.

    Same seed, same audio; another seed another progression, voicing, arpeggio and melody.
    """
    n = _n_samples(duration_s, sr)
    style = _style(mood)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    rng = np.random.default_rng(seed)
    score = _compose(style, sr, rng)
    room = _room(style.reverb_s, score.length, sr, rng)
    groups: dict[bytes, list] = {}  # layers that come and go together share one stem and reverb
    for name, level, send in _LAYERS:
        dry, on = _RENDER[name](score), _arrangement(name, n, score)
        stem = groups.setdefault(on.tobytes(), [np.zeros_like(dry), np.zeros_like(dry), on])
        stem[0] += level * dry
        stem[1] += (level * send) * dry  # what the layer sends to the reverb
    stems = [(dry + _reverb(sends, room), on) for dry, sends, on in groups.values()]

    out = _perform(stems, n, score)
    out *= _fades(n, sr, BED_FADE_S, BED_FADE_S)[:, None]
    peak = max(
        float(out.max(initial=0.0)), -float(out.min(initial=0.0))
    )  # no film-length temporary
    if peak > 0:
        out *= 10 ** (PEAK_DBFS / 20) / peak
    return out


def _compose(style: Style, sr: int, rng: np.random.Generator) -> _Score:
    """Pick the progression and voice it: the phrase is the progression played twice.

    The beat is rounded up to an FFT-friendly number of samples (a tempo change far under
    1 %) so the reverb's circular convolution over the phrase stays fast.
    """
    progression = style.progressions[int(rng.integers(len(style.progressions)))].split()
    bars = [chord(numeral) for numeral in progression] * 2
    tonic = _lowest(NOTE_NAMES.index(style.key), 55)
    voicings = _voicings([r for r, _ in bars], [t for _, t in bars], tonic, rng)
    beat = fft.next_fast_len(round(sr * 60 / style.bpm), real=True)
    return _Score(style, sr, beat, bars, voicings, tonic, rng)


def _arrangement(layer: str, n: int, score: _Score) -> np.ndarray:
    """The level (0 or 1) of one layer at the end of each bar of the bed.

    Pads and bass play throughout; the arpeggio enters in bar 2 and the melody in bar 4, and
    the melody rests every third phrase.
    """
    bars = np.arange(-(-n // score.bar))
    on = np.ones(len(bars), np.float32)
    if layer == "arp":
        on[:1] = 0
    elif layer == "melody":
        on[:3] = 0
        on[(bars // len(score.bars)) % 3 == 2] = 0
    return on


def _perform(stems: list[tuple[np.ndarray, np.ndarray]], n: int, score: _Score) -> np.ndarray:
    """Play the looped stems bar by bar to `n` samples, each at its arranged level.

    A change of level ramps linearly across the bar that leads to it, so layers fade in and
    out rather than switch.
    """
    out = np.zeros((n, 2), np.float32)
    ramp = np.linspace(0, 1, score.bar, endpoint=False, dtype=np.float32)[:, None]
    for bar in range(len(stems[0][1])):
        start = bar * score.bar
        take = min(score.bar, n - start)
        source = (bar % len(score.bars)) * score.bar  # the loop is a whole number of bars
        for loop, on in stems:
            before, after = on[max(bar - 1, 0)], on[bar]
            if before == after == 0:
                continue
            piece = loop[source : source + take]
            if before != after:
                piece = piece * (before + (after - before) * ramp[:take])
            out[start : start + take] += piece
    return out


# --- A user's track ------------------------------------------------------------------------


def bed(
    track: np.ndarray | None,
    choice: str,
    mood: str,
    duration_s: float,
    seed: int,
    engines,
    sr: int = SAMPLE_RATE,
    sa_hz: float = 138.59,
    tala: str = "keherwa",
    form: str = "prose",
) -> np.ndarray | None:
    """The film's music: the user's `track` when given, none when `choice` is "none", else
    the engines' score (MusicGen, asked for `score_prompt`) where they have one, else drawn
    here: a tanpura drone on `sa_hz` for "tanpura" (with a tabla loop in `tala` under it for
    "tanpura+tabla"), the generated bed for the mood otherwise."""
    if track is not None:
        return track
    if choice == "none":
        return None
    score = engines.music(score_prompt(choice, mood, form, sa_hz, tala), duration_s)
    if score is not None:
        return score
    if choice in ("tanpura", "tanpura+tabla"):
        drone = tanpura.bed(duration_s, sa_hz, seed=seed, sr=sr)
        if choice == "tanpura":
            return drone
        return drone + tabla.bed(duration_s, sa_hz, tala, seed=seed, sr=sr)
    return generated_bed(duration_s, mood, seed, sr)


# How a mood is said of a drone (calm: the devotional register a drone is mostly used in).
DRONE_FEEL = {"calm": "devotional", "hopeful": "serene", "joyful": "festive", "tense": "intense",
              "sad": "mournful", "mysterious": "meditative"}  # fmt: skip


def score_prompt(choice: str, mood: str, form: str, sa_hz: float, tala: str) -> str:
    """What the studio tier asks MusicGen for, from the music chosen, the script's mood and
    its form: "tanpura drone in C#, devotional, slow" (a tabla in its tāla added for
    "tanpura+tabla"); for verse, a sparse underscore in the mood that leaves room for the
    recitation; otherwise a film score in the mood."""
    if choice in ("tanpura", "tanpura+tabla"):
        tabla_words = f", light tabla in {tala} taal" if choice == "tanpura+tabla" else ""
        feel = DRONE_FEEL.get(mood, mood)
        return f"tanpura drone in {tanpura.note_name(sa_hz)}{tabla_words}, {feel}, slow"
    if form == "verse":
        return f"{mood} underscore for a recited poem, sparse, slow, instrumental, no vocals"
    return f"{mood} film score, cinematic, instrumental"


def load_track(path: Path, duration_s: float, sr: int = SAMPLE_RATE) -> np.ndarray:
    """The user's music, `duration_s` long: float32 (n, 2) at `sr`.

    Decoded by PyAV (anything FFmpeg reads), resampled to stereo `sr`, trimmed when long or
    looped with short crossfades when short, faded in over 1 s and out over 2 s. Only the
    length needed is decoded. A file that is not audio raises InputError("music", …).
    """
    n = _n_samples(duration_s, sr)
    track = decode_audio(path, sr, max_samples=n)
    if len(track) < n:
        track = _loop_to(track, n, int(LOOP_XFADE_S * sr))
    out = track[:n].copy()
    out *= _fades(n, sr, TRACK_FADE_IN_S, TRACK_FADE_OUT_S)[:, None]
    return out


def decode_audio(
    path: Path, sr: int = SAMPLE_RATE, max_samples: int | None = None, field: str = "music"
) -> np.ndarray:
    """Decode the first audio stream of `path` to float32 stereo (n, 2) at `sr` with PyAV.

    Stops once `max_samples` are decoded. Anything that is not decodable audio — a missing or
    empty file, an image, random bytes, a file with no audio stream or no samples — raises
    InputError(field, "<name> does not decode as audio: <reason>").
    """
    name = Path(path).name

    def refuse(reason: str) -> InputError:
        return InputError(field, f"{name} does not decode as audio: {reason}")

    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as error:
        raise refuse(_reason(error)) from None
    chunks: list[np.ndarray] = []
    with container:
        if not container.streams.audio:
            raise refuse("it has no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="stereo", rate=sr)
        decoded = 0
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1, 2))
                    decoded += out.samples
                if max_samples is not None and decoded >= max_samples:
                    break
            else:
                chunks += [out.to_ndarray().reshape(-1, 2) for out in resampler.resample(None)]
        except (av.FFmpegError, ValueError) as error:
            raise refuse(_reason(error)) from None
    if not chunks or sum(len(c) for c in chunks) == 0:
        raise refuse("it holds no audio samples")
    audio = np.concatenate(chunks)
    if not np.isfinite(audio).all():
        raise refuse("it decodes to invalid samples")
    return audio[:max_samples] if max_samples is not None else audio


def _reason(error: Exception) -> str:
    """FFmpeg's own words for an error, without the file path it repeats."""
    return str(getattr(error, "strerror", None) or error).strip() or type(error).__name__


def _loop_to(track: np.ndarray, n: int, xfade: int) -> np.ndarray:
    """Repeat `track` to at least `n` samples, joining each lap with an equal-power crossfade."""
    xfade = min(xfade, len(track) // 4)
    fade_in = np.sin(np.linspace(0, np.pi / 2, xfade, dtype=np.float32))[:, None]
    fade_out = np.cos(np.linspace(0, np.pi / 2, xfade, dtype=np.float32))[:, None]
    out = np.zeros((n + len(track), 2), np.float32)
    out[: len(track)] = track
    end = len(track)
    while end < n:
        start = end - xfade
        out[start:end] = out[start:end] * fade_out + track[:xfade] * fade_in
        out[end : start + len(track)] = track[xfade:]
        end = start + len(track)
    return out[: max(n, end)]


# --- Shared helpers ------------------------------------------------------------------------


def _n_samples(duration_s: float, sr: int) -> int:
    if not np.isfinite(duration_s) or duration_s < 0:
        raise InputError("duration", f"{duration_s} s is not a length; it must be 0 or more")
    return round(duration_s * sr)


def _fades(n: int, sr: int, fade_in_s: float, fade_out_s: float) -> np.ndarray:
    """Gain with raised-cosine fades at both ends (shortened to fit a very short clip)."""
    gain = np.ones(n, np.float32)
    for seconds, direction in ((fade_in_s, 1), (fade_out_s, -1)):
        k = min(int(seconds * sr), n // 2)
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, k))).astype(np.float32)
        if direction == 1:
            gain[:k] *= ramp
        else:
            gain[n - k :] *= ramp[::-1]
    return gain


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.music", description="Write a film's music bed as a WAV file."
    )
    parser.add_argument("--mood", default="calm", help=f"one of {', '.join(MOODS)}")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--track", type=Path, help="use this audio file instead of generating")
    parser.add_argument("-o", "--output", type=Path, required=True, help="WAV file to write")
    args = parser.parse_args(argv)
    try:
        if args.track:
            audio = load_track(args.track, args.duration)
        else:
            audio = generated_bed(args.duration, args.mood, args.seed)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_wav(args.output, audio, SAMPLE_RATE)
    key, mode, bpm = mood_key(args.mood)
    source = args.track or f"{args.mood}: {key} {mode}, {bpm:g} bpm, seed {args.seed}"
    print(f"wrote {args.output} ({len(audio) / SAMPLE_RATE:.1f} s, {source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
