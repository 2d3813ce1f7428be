"""Sanskrit: text in any of its usual spellings → IAST → espeak phonemes, and its metre.

    Devanagari / ITRANS / IAST ─ indic-transliteration ─→ IAST ─┬─ `phonemes`: espeak mnemonics
                                                                 └─ `metre`: laghu/guru, metre name

espeak-ng has no Sanskrit voice, and its Hindi voice drops the inherent final *a* (कदाचन is
read *kadācan*). Sanskrit spelling is phonemic, so each letter maps to one espeak phoneme
mnemonic (`PHONEMES`), and the word is spoken as `[[…]]` through the Hindi voice in phoneme
mode (`speak`), every vowel kept. Visarga echoes the vowel before it (*aḥ* → *aha*); anusvāra
is a nasal.

Transliteration is the maintained `indic-transliteration` package (MIT); the phoneme table and
the metre scanner (`pipelines.sanskrit.metre`) are hand-written: a table and a few rules, and
the one scanner on PyPI (`chandas`) ships without its data files.
"""

from __future__ import annotations

import re

import numpy as np
from indic_transliteration import sanscript

from pipelines import espeak

# IAST letter → espeak-ng Hindi phoneme mnemonic (longest letters first when read).
VOWELS = {
    "a": "@", "ā": "a:", "i": "i", "ī": "i:", "u": "u", "ū": "u:", "ṛ": "ri", "ṝ": "ri:",
    "ḷ": "li", "e": "e:", "ai": "@i", "o": "o:", "au": "@u",
}  # fmt: skip
CONSONANTS = {
    "kh": "kh", "gh": "gh", "ch": "ch", "jh": "Jh", "ṭh": "t.h", "ḍh": "d.h", "th": "th",
    "dh": "dh", "ph": "ph", "bh": "bh", "k": "k", "g": "g", "ṅ": "N", "c": "c", "j": "J",
    "ñ": "n^", "ṭ": "t.", "ḍ": "d.", "ṇ": "n.", "t": "t", "d": "d", "n": "n", "p": "p",
    "b": "b", "m": "m", "y": "j", "r": "r", "l": "l", "v": "v", "ś": "S", "ṣ": "s.", "s": "s",
    "h": "h",
}  # fmt: skip
LONG_VOWELS = {"ā", "ī", "ū", "ṝ", "e", "ai", "o", "au"}
_LETTERS = sorted([*VOWELS, *CONSONANTS, "ṃ", "ḥ"], key=len, reverse=True)
_TOKEN = re.compile("|".join(map(re.escape, _LETTERS)))
_ITRANS_MARKS = re.compile(r"[AIUMHNRTDS]|~n|sh|\.h|\.n|\.a|\^")
_DANDA = re.compile(r"[।॥|]+\s*[\d०-९]*\s*[।॥|]*")


def to_iast(text: str) -> str:
    """`text` in IAST: Devanagari and ITRANS are transliterated, IAST is kept (lower case)."""
    if re.search(r"[\u0900-\u097f]", text):
        text = sanscript.transliterate(text, sanscript.DEVANAGARI, sanscript.IAST)
    elif _ITRANS_MARKS.search(text) and not re.search(r"[āīūṛṝḷṅñṭḍṇśṣṃḥ]", text):
        text = sanscript.transliterate(text, sanscript.ITRANS, sanscript.IAST)
    return text.lower()


def letters(word: str) -> list[str]:
    """The IAST letters of `word` (ai, au and aspirates as one), anything else dropped."""
    return _TOKEN.findall(word.lower())


def phonemes(word: str) -> str:
    """One IAST word as espeak mnemonics: "kadācana" → "k@da:c@n@"."""
    out: list[str] = []
    last_vowel = "@"
    for letter in letters(word):
        if letter in VOWELS:
            last_vowel = VOWELS[letter]
            out.append(last_vowel)
        elif letter == "ḥ":  # visarga: a breath with the vowel before it echoed
            out.append("h" + last_vowel.rstrip(":"))
        elif letter == "ṃ":
            out.append("m")
        else:
            out.append(CONSONANTS[letter])
    return "".join(out)


def phoneme_text(text: str) -> str:
    """A line of Sanskrit (any spelling) as espeak phoneme input: `[[word]] [[word]] …`,
    dandas and verse numbers dropped."""
    words = _DANDA.sub(" ", to_iast(text)).split()
    return " ".join(f"[[{p}]]" for p in map(phonemes, words) if p)


def speak(text: str, *, wpm: float = 130, pitch: int = 40) -> tuple[np.ndarray, list]:
    """Speak a line of Sanskrit through espeak's Hindi voice in phoneme mode: int16 samples
    at `espeak.sample_rate()` and espeak's word and phoneme events."""
    voice = espeak.language_voices()["hi"].identifier
    return espeak.synth_events(phoneme_text(text), voice, wpm=wpm, pitch=pitch, phonemes=True)
