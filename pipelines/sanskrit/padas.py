"""A Sanskrit text as a film's plan: a verse in a known metre becomes its four pādas.

    text ─ verses (split at blank lines) ─┬─ metre known → 4 pādas, one spoken line each,
                                          │   a shot per half-verse (pādas 1–2, 3–4)
                                          └─ no metre  → one spoken line per written line,
                                              a shot per verse (recited)

Every line's text is Devanagari (what the subtitles show), whatever spelling came in; a
half-verse's second pāda ends in a danda (।, ॥ at the verse's end), which is what makes the
chant fall there (`chant.pada_notes`). The timeline pauses `LINE_PAUSE` after a pāda and a
shot's tail and lead-in at a half-verse end (`timeline`).

Pādas are cut between words: words are taken while the pāda has fewer syllables than its
metre's; a word that straddles two pādas (sandhi) stays in the first.
"""

from __future__ import annotations

from indic_transliteration import sanscript

from pipelines import sanskrit, script
from pipelines.plan import NARRATOR, Line, Plan, Scene, Shot
from pipelines.sanskrit import metre

DANDAS = ("।", "॥")  # after a half-verse, after the verse


def plan(text: str) -> Plan:
    """The plan of a Sanskrit text (see the module docstring)."""
    base = script.analyze(text)
    shots = [shot for verse in _verses(text) for shot in _verse_shots(verse)]
    base.scenes = [Scene(heading=None, shots=shots)]
    base.characters = []
    base.format = "verse"
    return base


def devanagari(text: str) -> str:
    """`text` (any spelling) in Devanagari, dandas and verse numbers dropped."""
    words = sanskrit._DANDA.sub(" ", sanskrit.to_iast(text)).split()
    return sanscript.transliterate(" ".join(words), sanscript.IAST, sanscript.DEVANAGARI)


def iast(text: str) -> str:
    """`text` in IAST with its dandas as | and ||."""
    return sanskrit.to_iast(text).strip()


def _verses(text: str) -> list[list[str]]:
    verses, current = [], []
    for raw in [*text.replace("\r\n", "\n").split("\n"), ""]:
        line = raw.strip()
        if line:
            current.append(line)
        elif current:
            verses.append(current)
            current = []
    return verses


def _verse_shots(lines: list[str]) -> list[Shot]:
    found = metre.identify(" ".join(lines))
    if found is None:
        spoken = [devanagari(line) for line in lines]
        spoken = [line for line in spoken if line]
        return [_shot(spoken)] if spoken else []
    padas = _padas(" ".join(lines), len(found.padas[0].syllables))
    padas[1] += f" {DANDAS[0]}"
    padas[3] += f" {DANDAS[1]}"
    return [_shot(padas[:2]), _shot(padas[2:])]


def _padas(text: str, size: int) -> list[str]:
    """Four pādas of `size` syllables, in Devanagari, cut between words."""
    words = sanskrit._DANDA.sub(" ", sanskrit.to_iast(text)).split()
    padas: list[list[str]] = [[]]
    count = 0
    for word in words:
        if count >= size and len(padas) < 4:
            padas.append([])
            count = 0
        padas[-1].append(word)
        count += len(metre.scan(word).syllables)
    padas += [[] for _ in range(4 - len(padas))]
    return [devanagari(" ".join(p)) for p in padas]


def _shot(lines: list[str]) -> Shot:
    lines = [line for line in lines if line.strip(" ।॥")]
    return Shot(
        description="\n".join(lines), lines=[Line(NARRATOR, line) for line in lines], verse=True
    )
