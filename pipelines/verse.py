"""Verse: a poem read as a poem, one line at a time, stanza by stanza.

    text ─ script.analyze ─┬─ Fountain or prose (form "prose", or "auto" on prose) → as is
                           └─ verse (form "verse", or "auto" on short lines in stanzas)
                                → one scene per section, one shot per stanza,
                                  one spoken line (and so one subtitle cue) per verse line

A verse shot (`Shot.verse`) keeps its line breaks in its description, so its card lays the
stanza out as verse, and the timeline pauses `timeline.LINE_PAUSE` after each line and
`timeline.STANZA_TAIL` after the stanza. A refrain is a line the poem says more than once, its
words the same whatever its case and punctuation ("The lamps come on," … "the lamps come
on."): `mark_refrains` numbers it, and the voice stage speaks it once and reuses that clip
every time (`voice.speak_to_fit`), so it has the same melody each time; a repeated group of
lines is a run of such lines. Each occurrence keeps its own text and subtitle cue.

"auto" takes a plain-text script for verse when it has at least `MIN_LINES` lines, most
stanzas hold more than one line, `SHORT_SHARE` of the lines are at most `SHORT_LINE` characters
and no sentence runs from one stanza into the next (a stanza ending without a full stop whose
successor starts in lower case). A Fountain screenplay is never verse.

Hand-written: a dozen lines of rules over the text; no library decides "is this a poem".
"""

from __future__ import annotations

import re
import unicodedata

from pipelines import script
from pipelines.errors import InputError
from pipelines.plan import NARRATOR, Line, Plan, Scene, Shot

FORMS = ("prose", "verse", "auto")
SHORT_LINE = 60  # characters: a verse line is rarely longer
SHORT_SHARE = 0.8
MIN_LINES = 4

_SECTION_BREAK = re.compile(r"[*\-_=~•·\s]*")
_END = re.compile(r"[.!?…;:।॥。！？]['\"”’)\]]*$")


def analyze(text: str, form: str = "auto", *, narrate_action: bool = True) -> Plan:
    """The plan of `text` read as `form` ("prose", "verse" or "auto"; see the module docstring).

    InputError on "form" for an unknown form or verse asked of a Fountain screenplay."""
    if form not in FORMS:
        raise InputError("form", f"form {form!r} is not one of {', '.join(FORMS)}")
    plan = script.analyze(text, narrate_action=narrate_action)
    if form == "prose" or (form == "auto" and not (plan.format == "prose" and is_verse(text))):
        return plan
    if plan.format != "prose":
        raise InputError(
            "form", "verse is read from plain text; this script is a Fountain screenplay"
        )
    scenes = [
        Scene(heading=None, shots=[_stanza_shot(stanza, narrate_action) for stanza in section])
        for section in _sections(text)
    ]
    plan.scenes = [scene for scene in scenes if scene.shots]
    plan.format = "verse"
    return mark_refrains(plan)


def refrain_key(text: str) -> str:
    """What makes two lines the same refrain: their words (letters, marks and digits, case
    folded), punctuation and spacing aside."""
    kept = "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in text.casefold())
    return " ".join(kept.split())


def mark_refrains(plan: Plan) -> Plan:
    """`plan` with every line said more than once by one speaker numbered (`Line.refrain`, 0, 1,
    … in order of first appearance); the other lines' `refrain` None."""
    keys = [(line.speaker, refrain_key(line.text)) for line in plan.lines]
    repeated = [k for k in dict.fromkeys(keys) if k[1] and keys.count(k) > 1]
    number = {k: i for i, k in enumerate(repeated)}
    for line, key in zip(plan.lines, keys):
        line.refrain = number.get(key)
    return plan


def is_verse(text: str) -> bool:
    """Short lines in stanzas, no sentence running across stanzas (module docstring)."""
    stanzas = [stanza for section in _sections(text) for stanza in section]
    lines = [line for stanza in stanzas for line in stanza]
    if len(lines) < MIN_LINES or sum(len(s) > 1 for s in stanzas) * 2 < len(stanzas):
        return False
    if sum(len(line) <= SHORT_LINE for line in lines) < SHORT_SHARE * len(lines):
        return False
    return not any(
        not _END.search(a[-1]) and b[0][:1].islower() for a, b in zip(stanzas, stanzas[1:])
    )


def _sections(text: str) -> list[list[list[str]]]:
    """Sections (split at a `***` line) of stanzas (split at blank lines) of lines."""
    sections: list[list[list[str]]] = [[]]
    stanza: list[str] = []
    for raw in [*text.replace("\r\n", "\n").lstrip("\ufeff").split("\n"), ""]:
        line = script._plain(raw)
        is_break = bool(line) and len(line.replace(" ", "")) >= 3 and _SECTION_BREAK.fullmatch(line)
        if line and not is_break:
            stanza.append(line)
            continue
        if stanza:
            sections[-1].append(stanza)
            stanza = []
        if is_break and sections[-1]:
            sections.append([])
    return [section for section in sections if section]


def _stanza_shot(lines: list[str], narrate: bool) -> Shot:
    spoken = [Line(NARRATOR, line) for line in lines if any(c.isalnum() for c in line)]
    return Shot(description="\n".join(lines), lines=spoken if narrate else [], verse=True)
