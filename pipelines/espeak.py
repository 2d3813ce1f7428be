"""A thin ctypes binding to the espeak-ng C library that espeakng-loader ships.

Hand-written on purpose, and kept to the few calls the voice stage needs. No maintained Python
package synthesizes through the bundled library: PyPI `espeakng` runs the `espeak-ng` program
(not installed here), `espeak-ng-python` compiles against a system espeak-ng, pyttsx3 needs
the system library too, and phonemizer / espeak-phonemizer only turn text into phonemes.
espeakng-loader ships `libespeak-ng.so` 1.52 and its data, so a binding over it keeps the
draft tier pip-only. espeak-ng is GPL-3.0-or-later; it is loaded as a separate shared library
at run time, never compiled into this project.

The C API this mirrors is `speak_lib.h`; struct layouts were checked against it by listing the
bundled voices. espeak-ng is one global state machine per process, so every call into it goes
through `LOCK`; callers may use the functions below from any thread. espeak-ng also carries
some state from one utterance to the next (its pitch flutter runs on), so saying a line twice
gives speech of the same words and length to within a few samples, not identical samples.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import espeakng_loader
import numpy as np

# speak_lib.h constants.
_AUDIO_OUTPUT_SYNCHRONOUS = 2  # synthesize inside espeak_Synth, handing audio to the callback
_INIT_DONT_EXIT = 0x8000  # return an error instead of exiting when the data is missing
_INIT_PHONEME_EVENTS = 0x0001  # report a PHONEME event per phoneme, beside WORD events
_INIT_PHONEME_IPA = 0x0002  # … named in IPA ("ˈəʊ"), the same in every language
_EVENT_WORD, _EVENT_SENTENCE, _EVENT_END, _EVENT_PHONEME = 1, 2, 5, 7
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PHONEMES = 0x100  # espeakPHONEMES: [[…]] is phoneme mnemonics, not text
_PARAM_RATE = 1  # words per minute
_PARAM_PITCH = 3  # 0–100, 50 = the voice's own pitch
RATE_MIN, RATE_MAX = 80, 450  # espeak-ng's documented words-per-minute range

LOCK = threading.Lock()


class _Voice(ctypes.Structure):
    """espeak_VOICE. `languages` is a run of (priority byte, NUL-terminated code), ending in 0."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


class _Event(ctypes.Structure):
    """espeak_EVENT; `id` is a union of int, char* and char[8] (a PHONEME event's name)."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # milliseconds from the start of the synthesis
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


@dataclass(frozen=True)
class Event:
    """A word or phoneme of a synthesis, at its place in that synthesis's audio.

    `kind` is "word" (`text_position`/`length`: 1-based character offset and length in the
    text) or "phoneme" (`phoneme`: its IPA name with stress marks, "" for a pause).
    """

    kind: str
    time: float  # seconds from the first sample espeak returned
    phoneme: str = ""
    text_position: int = 0
    length: int = 0


# int callback(short *wav, int numsamples, espeak_EVENT *events); returns 0 to go on.
_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


@dataclass(frozen=True)
class LanguageVoice:
    """The espeak-ng voice file that speaks a language code best (lowest priority number)."""

    identifier: str  # file under espeak-ng-data/voices or lang/, e.g. "gmw/en-US"
    name: str  # espeak's own description, e.g. "English (America)"


class _Engine:
    """The loaded library: one per process, created on first use."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_ListVoices.argtypes = [ctypes.POINTER(_Voice)]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        lib.espeak_Synth.restype = ctypes.c_int

        data = espeakng_loader.get_data_path().encode()
        options = _INIT_DONT_EXIT | _INIT_PHONEME_EVENTS | _INIT_PHONEME_IPA
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, options)
        if rate <= 0:
            raise RuntimeError(f"espeak-ng failed to start with its data at {data.decode()}")
        self.lib = lib
        self.sample_rate = rate
        self._chunks: list[bytes] = []
        self._events: list[Event] = []
        self._callback = _SynthCallback(self._collect)  # kept referenced: C holds the pointer
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, numsamples, events) -> int:
        if wav and numsamples > 0:
            self._chunks.append(ctypes.string_at(wav, numsamples * 2))
        if events:  # a run of espeak_EVENT ending in type 0, given with the audio they time
            array = ctypes.cast(events, ctypes.POINTER(_Event))
            for i in range(100_000):
                event = array[i]
                if event.type == 0:
                    break
                time = event.audio_position / 1000
                if event.type == _EVENT_PHONEME:
                    name = event.id.decode("utf-8", errors="replace")
                    self._events.append(Event("phoneme", time, phoneme=name))
                elif event.type == _EVENT_WORD:
                    self._events.append(
                        Event("word", time, text_position=event.text_position, length=event.length)
                    )
        return 0

    def voices(self) -> list[tuple[str, str, list[tuple[int, str]]]]:
        """(identifier, name, [(priority, language)]) for every language voice (no variants)."""
        listed = self.lib.espeak_ListVoices(None)
        out = []
        for i in range(100_000):
            if not listed[i]:
                break
            v = listed[i].contents
            out.append((v.identifier.decode(), v.name.decode(), _languages(v.languages)))
        return out

    def synth(
        self, text: str, voice: str, wpm: int, pitch: int, phonemes: bool = False
    ) -> np.ndarray:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise RuntimeError(f"espeak-ng has no voice {voice!r}")
        self.lib.espeak_SetParameter(_PARAM_RATE, wpm, 0)
        self.lib.espeak_SetParameter(_PARAM_PITCH, pitch, 0)
        data = text.encode("utf-8")
        self._chunks, self._events = [], []
        status = self.lib.espeak_Synth(
            data,
            len(data) + 1,
            0,
            _POS_CHARACTER,
            0,
            _CHARS_UTF8 | (_PHONEMES if phonemes else 0),
            None,
            None,
        )
        if status != 0:
            raise RuntimeError(f"espeak-ng could not synthesize (error {status})")
        return np.frombuffer(b"".join(self._chunks), dtype=np.int16)

    def events(self) -> list[Event]:
        """The word and phoneme events of the last `synth`."""
        return list(self._events)


def _languages(address: int) -> list[tuple[int, str]]:
    """Decode espeak_VOICE.languages: (priority byte, code, NUL) repeated, then a 0 byte."""
    out, offset = [], 0
    while (priority := ctypes.c_ubyte.from_address(address + offset).value) != 0:
        code = ctypes.string_at(address + offset + 1)
        out.append((priority, code.decode().lower()))
        offset += len(code) + 2
    return out


@cache
def _engine() -> _Engine:
    return _Engine()


@cache
def language_voices() -> dict[str, LanguageVoice]:
    """Every language code in the bundled data → the voice that speaks it best.

    A voice lists several codes with priorities ("gmw/en" is en-gb at 2 and en at 2; "gmw/en-US"
    is en-us at 2 and en at 3); the lowest number wins, the first listed on a tie.
    """
    with LOCK:
        voices = _engine().voices()
    best: dict[str, tuple[int, LanguageVoice]] = {}
    for identifier, name, langs in voices:
        if not _has_dictionary(identifier, langs[0][1]):
            continue
        for priority, code in langs:
            if code not in best or priority < best[code][0]:
                best[code] = (priority, LanguageVoice(identifier, name))
    return {code: best[code][1] for code in sorted(best)}


def _has_dictionary(identifier: str, first_language: str) -> bool:
    """Whether the voice's pronunciation dictionary ships (fo, kaa and xex don't: they'd be mute).

    espeak-ng reads `dictionary NAME` from the voice file, else the first language code up to
    its first "-" (voices.c, LoadVoice).
    """
    data = Path(espeakng_loader.get_data_path())
    dictionary = first_language.split("-")[0]
    for folder in ("lang", "voices"):
        voice_file = data / folder / identifier
        if voice_file.is_file():
            for line in voice_file.read_text(encoding="utf-8", errors="replace").splitlines():
                words = line.split()
                if len(words) >= 2 and words[0] == "dictionary":
                    dictionary = words[1]
            break
    return (data / f"{dictionary}_dict").is_file()


def sample_rate() -> int:
    """espeak-ng's output rate (22050 Hz for the bundled voices)."""
    with LOCK:
        return _engine().sample_rate


def synth(text: str, voice: str, *, wpm: float, pitch: int) -> np.ndarray:
    """Speak `text` with espeak voice `voice` ("gmw/en-US+f2": file + optional variant).

    Returns int16 mono samples at `sample_rate()`, silence included as espeak made it.
    `wpm` is clamped to espeak's 80–450 words per minute, `pitch` to 0–100.
    """
    return synth_events(text, voice, wpm=wpm, pitch=pitch)[0]


def synth_events(
    text: str, voice: str, *, wpm: float, pitch: int, phonemes: bool = False
) -> tuple[np.ndarray, list[Event]]:
    """`synth`, with the word and phoneme events espeak reported while making that audio.

    One synthesis: the events come from the same callback as the samples, so their times are
    exact to espeak's millisecond (no second pass, no estimate). With `phonemes`, text in
    `[[…]]` is read as espeak phoneme mnemonics (Sanskrit's way past Hindi's schwa deletion).

    Remembered per (text, voice, rate, pitch): espeak-ng's output drifts by a few samples with
    state it carries from one utterance to the next, so a line spoken again in this process (a
    resumed or repeated render, a preview) comes back identical rather than nearly so."""
    wpm = min(max(round(wpm), RATE_MIN), RATE_MAX)
    pitch = min(max(int(pitch), 0), 100)
    pcm, events = _synth_once(text.replace("\x00", ""), voice, wpm, pitch, phonemes)
    return pcm, list(events)


@lru_cache(maxsize=256)  # a few minutes of speech
def _synth_once(
    text: str, voice: str, wpm: int, pitch: int, phonemes: bool = False
) -> tuple[np.ndarray, tuple]:
    with LOCK:
        engine = _engine()
        pcm = engine.synth(text, voice, wpm, pitch, phonemes)
        pcm.flags.writeable = False  # shared by every caller of the cache
        return pcm, tuple(engine.events())
