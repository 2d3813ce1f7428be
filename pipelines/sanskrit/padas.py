"""A Sanskrit text as a film's plan: a verse in a known metre becomes its four pādas.

    text ─ verses (split at blank lines) ─┬─ metre known → 4 pādas, one spoken line each,
                                          │   a shot per half-verse (pādas 1–2, 3–4)
                                          └─ no metre  → one spoken line per written line,
                                              a shot per verse (recited)
                                          a scene per verse

Every line's text is Devanagari (what the subtitles show), whatever spelling came in; a
half-verse's second pāda ends in a danda (।, ॥ at the verse's end), which is what makes the
chant fall there (`chant.pada_notes`). The timeline pauses `LINE_PAUSE` after a pāda and a
shot's tail and lead-in at a half-verse end (`timeline`).

Pādas are cut between words where they can be; a word that sandhi runs across two pādas is cut
inside, at the syllable boundary (Bhagavad Gītā 2.47's "…hetur bhūr | mā te…").
"""

from __future__ import annotations

from indic_transliteration import sanscript

from pipelines import sanskrit, script, verse
from pipelines.plan import NARRATOR, Line, Plan, Scene, Shot
from pipelines.sanskrit import metre

DANDAS = ("।", "॥")  # after a half-verse, after the verse


def plan(text: str) -> Plan:
    """The plan of a Sanskrit text (see the module docstring)."""
    base = script.analyze(text)
    scenes = [Scene(heading=None, shots=_verse_shots(verse)) for verse in _verses(text)]
    base.scenes = [scene for scene in scenes if scene.shots]
    base.characters = []
    base.format = "verse"
    return verse.mark_refrains(base)  # a repeated pāda: chanted on the same notes each time


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
    """Four pādas of `size` syllables, in Devanagari, cut between words or, where sandhi joins
    two pādas into one word, inside it (`_split_word`)."""
    words = sanskrit._DANDA.sub(" ", sanskrit.to_iast(text)).split()
    padas: list[list[str]] = [[]]
    count = 0
    for word in words:
        n = len(metre.scan(word).syllables)
        while len(padas) < 4 and count + n > size:
            keep = size - count
            if keep > 0:
                head, word = _split_word(word, keep)
                padas[-1].append(head)
                n -= keep
            padas.append([])
            count = 0
        if word:
            padas[-1].append(word)
            count += n
    padas += [[] for _ in range(4 - len(padas))]
    return [devanagari(" ".join(p)) for p in padas]


def _split_word(word: str, keep: int) -> tuple[str, str]:
    """`word` (IAST) cut after its first `keep` syllables: of the consonants between them and
    the rest, all but the last close the first part ("heturbhūrmā" → "heturbhūr", "mā")."""
    seq = sanskrit.letters(word)
    vowels = [i for i, letter in enumerate(seq) if letter in sanskrit.VOWELS]
    after = vowels[keep]
    start = vowels[keep - 1] + 1
    while start < after and seq[start] in ("ṃ", "ḥ"):
        start += 1
    cut = after - 1 if after - start >= 2 else start
    return "".join(seq[:cut]), "".join(seq[cut:])


def _shot(lines: list[str]) -> Shot:
    lines = [line for line in lines if line.strip(" ।॥")]
    return Shot(
        description="\n".join(lines), lines=[Line(NARRATOR, line) for line in lines], verse=True
    )
