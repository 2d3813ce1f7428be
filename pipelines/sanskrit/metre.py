"""Sanskrit metre: syllables weighed light (laghu, L) or heavy (guru, G), and the metre named.

A syllable is heavy when its vowel is long (ā ī ū ṝ e ai o au), when anusvāra or visarga
follows it, or when two or more consonants follow it (a conjunct, across word ends within the
verse too); otherwise light. A pāda's last syllable counts either way.

Known metres (`METRES`): anuṣṭubh (the śloka: four pādas of eight, the 5th light and the 6th
heavy in every pāda, the 7th light in the 2nd and 4th), indravajrā, upendravajrā and
vasantatilakā (fixed patterns of 11, 11 and 14). A verse that fits none is `None`: recited,
not refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.sanskrit import LONG_VOWELS, VOWELS, letters, to_iast

FIXED = {
    "indravajrā": "GGLGGLLGLGG",
    "upendravajrā": "LGLGGLLGLGG",
    "vasantatilakā": "GGLGLLLGLLGLGG",
}
METRES = ("anuṣṭubh", *FIXED)


@dataclass(frozen=True)
class Scan:
    syllables: list[str]  # IAST, in order
    weights: str  # "L"/"G" per syllable


@dataclass(frozen=True)
class Metre:
    name: str
    padas: list[Scan]  # four


def scan(text: str) -> Scan:
    """The syllables of `text` (any spelling) and their weights."""
    seq = letters(to_iast(text))
    syllables: list[str] = []
    weights: list[str] = []
    onset: list[str] = []
    for i, letter in enumerate(seq):
        if letter not in VOWELS:
            if letter in ("ṃ", "ḥ") and syllables:
                syllables[-1] += letter
                weights[-1] = "G"
            else:
                onset.append(letter)
            continue
        syllables.append("".join(onset) + letter)
        onset = []
        following = 0
        for after in seq[i + 1 :]:
            if after in VOWELS:
                break
            following += after not in ("ṃ", "ḥ")
        heavy = letter in LONG_VOWELS or following >= 2
        weights.append("G" if heavy else "L")
    if onset and syllables:  # a final consonant closes the last syllable
        syllables[-1] += "".join(onset)
    return Scan(syllables, "".join(weights))


def identify(text: str) -> Metre | None:
    """The metre of a verse (its four pādas in any line layout), or None."""
    whole = scan(text)
    n = len(whole.weights)
    if n % 4:
        return None
    size = n // 4
    padas = [
        Scan(whole.syllables[k * size : (k + 1) * size], whole.weights[k * size : (k + 1) * size])
        for k in range(4)
    ]
    for name in METRES:
        if all(_fits(name, p.weights, k) for k, p in enumerate(padas)):
            return Metre(name, padas)
    return None


def _fits(name: str, weights: str, index: int) -> bool:
    if name == "anuṣṭubh":
        if len(weights) != 8:
            return False
        return weights[4] == "L" and weights[5] == "G" and (index % 2 == 0 or weights[6] == "L")
    pattern = FIXED[name]
    return len(weights) == len(pattern) and weights[:-1] == pattern[:-1]  # the last: either
