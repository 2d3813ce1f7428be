"""Chant: a pāda spoken through espeak's Hindi voice, then paced on its metre and sung on notes.

    pāda ─ sanskrit.speak ─→ audio + phoneme events ─ syllables found from the vowels ─┐
         ─ metre.pada_metre → weights (L/G) and notes of a scale on the tonic (Sa) ────┤
                                                                                        ↓
         pyworld (WORLD vocoder): F0, spectral envelope, aperiodicity at 5 ms frames,
         each syllable's frames stretched to its length (a heavy syllable twice a light one),
         F0 of every voiced frame set to its syllable's note → resynthesised

Notes: without `--chant`, a recitation tone: each pāda rises Sa → Re to the reciting note Ga,
and the pāda that ends a half-verse (written with a danda) falls Re → Sa on its last two
syllables. `--chant "S R G"` instead steps each pāda's syllables through the given sargam notes
in turn (S r R g G m M P d D n N; `'` after a note is the octave above, `.` before it the one
below). A line that is no pāda of a known metre is recited: spoken as espeak says it.

Syllables in the audio: `metre.scan` gives the pāda's syllables; espeak's phoneme events give
its vowels in order (ai and au are two, a visarga's echo vowel one more), so each syllable
starts at its first consonant's event and its vowel at the vowel's.

Hand-written: the note table and the syllable alignment (a few rules). The re-pitching is
`pyworld` (MIT, WORLD is modified-BSD): SSML pitch steps are voice-relative, not a scale.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from pipelines import espeak, sanskrit, tanpura
from pipelines.errors import InputError
from pipelines.sanskrit import metre

SARGAM = {"S": 0, "r": 1, "R": 2, "g": 3, "G": 4, "m": 5, "M": 6, "P": 7, "d": 8, "D": 9, "n": 10,
          "N": 11}  # fmt: skip
_NOTE = re.compile(r"(\.?)([SrRgGmMPdDnN])('?)")
RISE = (0, 2)  # a pāda's first syllables: Sa, Re, then the reciting note
RECITING = 4  # Ga
FALL = (2, 0)  # the last two syllables of a half-verse: Re, Sa
LIGHT_SECONDS = 0.2  # a light syllable at rate 1; a heavy one is twice as long
GLIDE_SECONDS = 0.04  # a note is reached by a slide over its syllable's first consonants
ONSET_SHARE = 0.4  # a syllable's consonants take at most this share of a light syllable: legato
FRAME_MS = 5.0
MAX_CHANT_NOTES = 32
DEFAULT_TONIC = {"male": "C#3", "female": "G#3"}  # Sa for a narrator's voice
_VOWEL = re.compile(r"[aeiouəɛɔɪʊæɐ]")
_HALF_VERSE_END = re.compile(r"[।॥|]\s*[\d०-९]*\s*[।॥|]*\s*$")


def parse_notes(text: str) -> list[int]:
    """`--chant "S R G"` as semitones above Sa; InputError on "chant" for anything else."""
    names = text.split()
    if len(names) > MAX_CHANT_NOTES:
        raise InputError("chant", f"{len(names)} notes; the limit is {MAX_CHANT_NOTES}")
    semitones = []
    for name in names:
        match = _NOTE.fullmatch(name)
        if not match:
            raise InputError(
                "chant",
                f"{name!r} is not a sargam note (S r R g G m M P d D n N, "
                "' after for the octave above, . before for the one below)",
            )
        below, note, above = match.groups()
        semitones.append(SARGAM[note] - 12 * bool(below) + 12 * bool(above))
    return semitones


def pada_notes(count: int, half_verse_end: bool, scale: list[int] | None = None) -> list[int]:
    """The note (semitones above Sa) of each of a pāda's `count` syllables."""
    if scale:
        return [scale[i % len(scale)] for i in range(count)]
    notes = [RECITING] * count
    notes[: len(RISE)] = RISE[:count]
    if half_verse_end and count > len(RISE) + len(FALL):
        notes[-len(FALL) :] = FALL
    return notes


@dataclass(frozen=True)
class Syllable:
    text: str  # IAST
    start: float  # seconds in the chanted audio
    vowel: float  # where its vowel starts
    end: float
    hz: float | None  # its note; None when recited


@dataclass(frozen=True)
class Recited:
    samples: np.ndarray  # float32 at `sample_rate`
    sample_rate: int
    events: list[espeak.Event]  # espeak's word and phoneme events, timed in `samples`
    syllables: list[Syllable]  # empty when recited (no metre recognised)
    metre: str | None


def recite(
    text: str,
    voice: str,
    *,
    wpm: float = 130,
    pitch: int = 40,
    tonic_hz: float = 138.59,
    scale: list[int] | None = None,
    rate: float = 1.0,
) -> Recited:
    """A pāda (any spelling) chanted on notes above `tonic_hz`, or a line in no metre recited.

    `voice` is an espeak voice of the Hindi language ("inc/hi+m1"); `rate` shortens the
    syllables (1.2 is 20 % faster)."""
    pcm, events = espeak.synth_events(
        sanskrit.phoneme_text(text), voice, wpm=wpm, pitch=pitch, phonemes=True
    )
    samples = pcm.astype(np.float64) / 32768.0
    rate_hz = espeak.sample_rate()
    name = metre.pada_metre(text)
    scan = metre.scan(text)
    found = _syllables(scan.syllables, events, samples.size / rate_hz)
    if name is None or found is None:
        return Recited(samples.astype(np.float32), rate_hz, events, [], None)
    notes = pada_notes(len(scan.syllables), bool(_HALF_VERSE_END.search(text)), scale)
    lengths = [LIGHT_SECONDS / rate * (2 if w == "G" else 1) for w in scan.weights]
    hz = [tonic_hz * 2 ** (n / 12) for n in notes]
    return _sing(samples, rate_hz, events, found, lengths, hz, scan.syllables, name)


def _syllables(
    syllables: list[str], events: list[espeak.Event], total: float
) -> list[tuple[float, float]] | None:
    """(start, vowel start) in the spoken audio of each syllable, or None where espeak's vowels
    do not line up with the syllables."""
    wanted = [
        1 + ("ai" in s or "au" in s) + s.endswith("ḥ") for s in syllables
    ]  # vowel events each syllable makes
    phones = [e for e in events if e.kind == "phoneme" and e.phoneme.strip("ˈˌ ")]
    out: list[tuple[float, float]] = []
    pending: list[float] = []
    left = 0  # vowels still owed to the current syllable
    for event in phones:
        if not _VOWEL.match(event.phoneme.strip("ˈˌ")):
            pending.append(event.time)
            continue
        if left:
            left -= 1
            pending = []
            continue
        if len(out) == len(syllables):
            return None
        out.append((pending[0] if pending else event.time, event.time))
        left = wanted[len(out) - 1] - 1
        pending = []
    if len(out) != len(syllables) or not all(0 <= a <= b <= total for a, b in out):
        return None
    return out


def _sing(samples, rate_hz, events, found, lengths, hz, texts, name) -> Recited:
    """Each syllable's frames stretched to its length (its consonants squeezed into at most
    `ONSET_SHARE` of a light syllable, its vowel held at its loudest frame for the rest), voiced
    frames on its note."""
    with warnings.catch_warnings():  # pyworld 0.3.5 imports the deprecated pkg_resources
        warnings.simplefilter("ignore", UserWarning)
        import pyworld  # here, not at the top: only a chant needs it

    f0, times = pyworld.dio(samples, rate_hz, frame_period=FRAME_MS)
    f0 = pyworld.stonemask(samples, f0, times, rate_hz)
    envelope = pyworld.cheaptrick(samples, f0, times, rate_hz)
    aperiodicity = pyworld.d4c(samples, f0, times, rate_hz)
    total = samples.size / rate_hz
    hop = round(rate_hz * FRAME_MS / 1000)
    loudness = np.sqrt(np.mean(samples[: samples.size // hop * hop].reshape(-1, hop) ** 2, axis=1))

    source, target, notes_at = [0.0], [0.0], []
    t = found[0][0]  # what comes before the first syllable is kept as it is
    source.append(found[0][0])
    target.append(t)
    for k, ((start, vowel), length) in enumerate(zip(found, lengths)):
        end = found[k + 1][0] if k + 1 < len(found) else total
        onset = min(vowel - start, min(lengths) * ONSET_SHARE)
        room, span = length - onset, end - vowel
        if span >= room:  # the vowel and what follows it squeezed in
            source += [vowel, end]
            target += [t + onset, t + length]
        else:  # the vowel held at its loudest frame, the rest at its own pace
            peak = _loudest(loudness, vowel, end)
            source += [vowel, peak, peak, end]
            held = t + onset + (peak - vowel)
            target += [t + onset, held, held + room - span, t + length]
        notes_at.append((t, t + length, hz[k]))
        t += length
    source_knots, target_knots = np.array(source), np.array(target)

    frames = int(t * 1000 / FRAME_MS) + 1
    out_times = np.arange(frames) * FRAME_MS / 1000
    from_index = np.interp(out_times, target_knots, source_knots) * 1000 / FRAME_MS
    index = np.clip(np.rint(from_index).astype(int), 0, f0.size - 1)
    new_f0 = np.zeros(frames)
    glide = round(GLIDE_SECONDS * 1000 / FRAME_MS)
    previous = None
    for begin, finish, note in notes_at:
        inside = np.flatnonzero((out_times >= begin) & (out_times < finish))
        new_f0[inside] = note
        if previous is not None and inside.size > glide:  # slide in from the last note
            step = np.arange(1, glide + 1) / (glide + 1)
            new_f0[inside[:glide]] = previous * (note / previous) ** step
        previous = note
    new_f0[f0[index] <= 0] = 0.0  # unvoiced stays unvoiced
    sung = pyworld.synthesize(
        new_f0,
        np.ascontiguousarray(envelope[index]),
        np.ascontiguousarray(aperiodicity[index]),
        rate_hz,
        FRAME_MS,
    )
    peak = max(float(np.max(np.abs(sung))), 1e-9)
    sung = (sung * min(1.0, 0.95 / peak)).astype(np.float32)

    def warp(time: float) -> float:
        return float(np.interp(time, source_knots, target_knots))

    timed = [replace(e, time=warp(e.time)) for e in events]
    syllables = [
        Syllable(text, begin, warp(vowel), finish, note)
        for text, (begin, finish, note), (_, vowel) in zip(texts, notes_at, found)
    ]
    return Recited(sung, rate_hz, timed, syllables, name)


def _loudest(loudness: np.ndarray, start: float, end: float) -> float:
    """The time of the loudest frame in [start, end): where a held vowel is steadiest."""
    first, last = int(start * 1000 / FRAME_MS), max(int(end * 1000 / FRAME_MS), 1)
    frames = loudness[first : min(last, loudness.size)]
    if frames.size == 0:
        return start
    return (first + int(np.argmax(frames))) * FRAME_MS / 1000


def tonic_hz(tonic: str | None, gender: str) -> float:
    """The film's Sa: `tonic` (a note name), or the default for the narrator's `gender`."""
    return tanpura.note_hz(tonic or DEFAULT_TONIC[gender], "tonic")


def reciter(language: str, tonic_hz: float, chant: str) -> Callable | None:
    """For a Sanskrit film, what the voice stage speaks a line with: `(text, voice, rate) →
    (float32 samples, sample rate, events)` (see `voice.synthesize_timed`); None otherwise."""
    if language != "sa":
        return None
    scale = parse_notes(chant) or None

    def speak(text: str, voice, rate: float):
        identifier = espeak.language_voices()["hi"].identifier
        name = f"{identifier}+{voice.variant}" if voice.variant else identifier
        done = recite(
            text,
            name,
            wpm=voice.rate * rate,
            pitch=voice.pitch,
            tonic_hz=tonic_hz,
            scale=scale,
            rate=rate,
        )
        return done.samples, done.sample_rate, done.events

    return speak
