"""Script analysis (draft tier): a Fountain screenplay or plain prose → a Plan, by rules.

    text ─ notes and boneyard removed ─┬─ Fountain → title page → lines classified → scenes
                                       └─ prose    → paragraphs → shots, sentences narrated

Fountain (https://fountain.io/syntax) is read in two small steps: a line classifier says what
each line is, given its neighbours and whether a dialogue block is open; a builder turns those
elements into scenes, shots and spoken lines. Each action paragraph starts a shot (narrated when
`narrate_action`); dialogue is spoken over the current shot.

A note `[[image: NAME]]` picks the user's picture by file name: before any shot of a scene it
is the whole scene's (`Scene.image`), else the next shot's (`Shot.image`); inside or right after
a paragraph (no blank line between) it is that paragraph's shot's. Prose takes them the same way.

A text with any Fountain markup (a title page, heading, cue, transition, centered text, lyric,
section, synopsis or forced action) is Fountain; only text with none is prose.

Prose becomes one shot per paragraph, narrated sentence by sentence. Quoted speech with a named
attribution (`"Come in," said Mara.` / `Mara said, "Come in."`) is spoken by that character,
and unattributed quotes in the same paragraph by the same speaker (one speaker per paragraph,
the usual prose convention). A line of `***` (or `---`, `* * *`) starts a new scene.

The mood is a rough guess from a small English keyword lexicon (MOOD_WORDS).

Hand-written: no maintained Python Fountain parser is on PyPI in a usable state (and none is
installed here), and the prose rules are a few lines of regular expressions.

Run alone: `python -m pipelines.script FILE` prints the plan.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipelines import show
from pipelines.errors import InputError
from pipelines.plan import MOODS, NARRATOR, Line, Plan, Scene, Shot

# ── Fountain markup ────────────────────────────────────────────────────────────────────────────

# Notes [[ ]] and boneyard /* */ vanish everywhere. One on lines of its own leaves a _CUT line:
# no text and no break in a dialogue block, but a blank line to the transition before it and the
# heading after it (`CUT TO:` / boneyarded scene / `EXT. …`). A note never crosses a blank line
# (a line of two spaces is not blank); `[[` left open is text.
_CUT = "\x02"
_COMMENTS = [
    re.compile(rf"(?P<own>^[ \t]*{body}[ \t]*$)|{body}", re.S | re.M)
    for body in (
        r"/\*(?:(?!\*/).)*\*/",
        r"\[\[(?:(?!\]\]|\n(?!  \n)[ \t]*\n).)*\]\]",
    )
]
# An [[image: NAME]] note becomes a line of its own, _IMAGE + NAME, after the line that held it:
# like _CUT it is no text and no break, and the builders read it as the picture's name.
_IMAGE = "\x03"
_IMAGE_NOTE = re.compile(r"\[\[[ \t]*image[ \t]*:[ \t]*([^\]\n]*?)[ \t]*\]\]", re.I)
_TITLE_KEY = re.compile(r"([A-Za-z][A-Za-z ]*):(.*)")
_TITLE_KEYS = {
    "title",
    "credit",
    "author",
    "authors",
    "source",
    "draft date",
    "date",
    "contact",
    "copyright",
    "notes",
    "revision",
}
_HEADING = re.compile(r"(?:INT\.?/EXT|I/E|INT|EXT|EST)[. ]", re.I)
_FORCED_HEADING = re.compile(r"\.[^.\s]")
_SCENE_NUMBER = re.compile(r"\s*#([\w.\-]+)#\s*$")
_PAGE_BREAK = re.compile(r"={3,}")
_PARENTHETICAL = re.compile(r"\(.*\)")
_EXTENSION = re.compile(r"\(([^()]*)\)")
# Fountain's transition is ALL CAPS ending in "TO:"; these few common ones are never spoken either.
_OTHER_TRANSITIONS = {"FADE IN:", "FADE OUT.", "FADE TO BLACK."}
# *italic*, **bold**, ***both***, _underline_ (nested too); \* and \_ are literal, and so is
# an underscore inside a word (snake_case).
_EMPHASIS = re.compile(r"(\*{1,3})(?=\S)(.+?)(?<=\S)\1|(?<!\w)(_)(?=\S)(.+?)(?<=\S)_(?!\w)")
_ESCAPES = {"\\*": "\x00", "\\_": "\x01"}

# ── prose ──────────────────────────────────────────────────────────────────────────────────────

_SECTION_BREAK = re.compile(r"[*\-_=~•·\s]*")
_QUOTE = re.compile(r'"([^"]+)"|“([^”]+)”|«([^»]+)»|„([^“”]+)[“”]')
_SAID = (
    r"(?:said|says|asked|asks|replied|replies|answered|answers|whispered|whispers|"
    r"shouted|shouts|called|calls|cried|cries|murmured|murmurs|yelled|yells|added|adds)"
)
_NAME = r"([A-Z][\w'’-]*(?: [A-Z][\w'’-]*)?)"
_SAID_AFTER = re.compile(rf"\A\s*,?\s*(?:{_SAID} {_NAME}|{_NAME} {_SAID})(?=\s*[.!?,;:]|\s*$)")
_SAID_BEFORE = re.compile(rf"(?:^|(?<=[.!?] )){_NAME} {_SAID}\s*[,:]?\s*$")
_NOT_NAMES = {"He", "She", "They", "It", "I", "We", "You", "Then", "And", "But", "The", "Someone"}

_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|[。！？।॥؟]+[\"'”’」』)]*")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "mt",
    "sr",
    "jr",
    "capt",
    "col",
    "gen",
    "lt",
    "sgt",
    "rev",
    "hon",
    "vs",
    "e.g",
    "i.e",
    "cf",
    "approx",
    "no",
    "fig",
    "vol",
    "inc",
    "ltd",
    "co",
    "a.m",
    "p.m",
    "u.s",
}

# ── mood ───────────────────────────────────────────────────────────────────────────────────────

# Word stems per mood (English). The mood with most hits wins; ties and no hits → "calm".
MOOD_WORDS: dict[str, str] = {
    "calm": "calm quiet gentle peace still soft slow rest breez drift",
    "hopeful": "hope dawn sunrise promise dream rescue home together begin beacon guid",
    "joyful": "laugh smil joy happ danc celebrat party cheer delight wedding",
    "tense": "fear afraid danger scream chase gun blood threat panic alarm attack fight "
    "storm hunt escap",
    "sad": "cry cried tears weep grief mourn funeral lonel goodbye farewell died death sorrow lost",
    "mysterious": "myster strange secret shadow fog mist unknown hidden ghost whisper silen",
}
_MOOD_PATTERNS = {
    mood: re.compile(rf"\b(?:{'|'.join(stems.split())})\w*", re.I)
    for mood, stems in MOOD_WORDS.items()
}
assert set(MOOD_WORDS) <= set(MOODS)


def analyze(text: str, *, narrate_action: bool = True) -> Plan:
    """Read a Fountain screenplay or plain prose into a Plan of scenes, shots and spoken lines.

    With `narrate_action` the narrator reads each action paragraph (Fountain) or the prose
    itself; without it only characters speak. Raises InputError("script", …) for a script with
    nothing to show or speak.
    """
    if not text or not text.strip():
        raise InputError("script", "the script is empty")
    text = _without_comments(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    text = show.as_fountain(text, _TITLE_KEYS)  # a "NAME: line" transcript read as cues
    lines = text.split("\n")
    title_page, body = _split_title_page(lines)
    classified = list(_classify(body))
    if title_page and not _TITLE_KEYS & title_page.keys() and not _is_fountain(classified):
        # no known key and no markup after it: "Note: …" opening prose, or a lone "CUT TO:"
        title_page, body = {}, lines
        classified = list(_classify(body))
    if title_page or _is_fountain(classified):
        scenes, form = _fountain_scenes(_elements(classified), narrate_action), "fountain"
    else:
        scenes, form = _prose_scenes(body, narrate_action), "prose"
    if not scenes:
        raise InputError(
            "script",
            "the script has nothing to show or speak "
            "(only notes, comments, sections or a title page)",
        )
    return Plan(
        title=_title(title_page, scenes, body),
        scenes=scenes,
        characters=_characters(scenes),
        title_page=title_page,
        mood=_mood(scenes),
        format=form,
    )


# ── Fountain: clean up, title page, classify ───────────────────────────────────────────────────


def _without_comments(text: str) -> str:
    boneyard, notes = _COMMENTS
    text = boneyard.sub(lambda m: _CUT if m["own"] else "", text)
    text = "\n".join(_image_notes(line) for line in text.split("\n"))
    return notes.sub(lambda m: _CUT if m["own"] else "", text)


def _image_notes(line: str) -> str:
    """The line without its [[image: NAME]] notes, each then on a line of its own (_IMAGE)."""
    names = _IMAGE_NOTE.findall(line)
    if not names:
        return line
    rest = _IMAGE_NOTE.sub("", line)
    return "\n".join([*([rest.rstrip()] if rest.strip() else []), *(_IMAGE + n for n in names)])


def _hidden(line: str) -> bool:
    """A line left by a note or boneyard: no text, no break."""
    return line == _CUT or line.startswith(_IMAGE)


def _image_name(name: str) -> str:
    if not name:
        raise InputError("script", "a [[image: ]] note names no file; write [[image: NAME.png]]")
    return name


def _plain(text: str) -> str:
    """Text without emphasis markup, on one line."""
    for escape, placeholder in _ESCAPES.items():
        text = text.replace(escape, placeholder)
    while (stripped := _EMPHASIS.sub(lambda m: m[2] or m[4], text)) != text:
        text = stripped
    return " ".join(text.replace("\x00", "*").replace("\x01", "_").split())


def _split_title_page(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """The title page and the lines after it: `Key: value` lines from the first line on, values
    going on over indented lines, up to the first line that is neither (a blank one or text).

    Any key counts here; the caller keeps a page of no known key (Title, Author, …) only when
    the rest is Fountain, so prose that opens with "Note: …" stays prose.
    """
    start = next((i for i, line in enumerate(lines) if not _blank(line)), len(lines))
    page: dict[str, str] = {}
    key = None
    for i in range(start, len(lines)):
        line = lines[i]
        if _hidden(line):
            continue
        match = _TITLE_KEY.fullmatch(line.rstrip())
        if match and not line[0].isspace() and not _is_transition(line.strip()):
            key = match[1].strip().lower()
            page[key] = match[2].strip()
        elif key and line.strip() and line[0].isspace():
            page[key] = "\n".join(filter(None, [page[key], line.strip()]))
        else:
            return (page, lines[i:]) if page else ({}, lines)
    return page, []


def _blank(line: str) -> bool:
    return not line.strip() or _hidden(line)


def _classify(lines: list[str]) -> Iterator[tuple[str, str]]:
    """Say what each line is: (kind, text without its forcing mark), "blank" for blank lines.

    The one piece of state is whether a dialogue block is open: after a character cue, each
    line up to the next blank one is dialogue, a parenthetical or a lyric. A line of exactly two
    spaces keeps the block open (Fountain's way to put an empty line inside dialogue).
    """
    in_dialogue = False
    for i, raw in enumerate(lines):
        line = raw.strip()
        if _hidden(raw):
            if raw != _CUT:
                yield "image", raw.removeprefix(_IMAGE)
            continue
        if not line:
            if not (in_dialogue and raw == "  "):
                in_dialogue = False
                yield "blank", ""
        elif in_dialogue:
            yield _dialogue_line(line)
        else:
            prev_blank = i == 0 or _blank(lines[i - 1])
            next_blank = i + 1 == len(lines) or _blank(lines[i + 1])
            next_text = next((after for after in lines[i + 1 :] if not _hidden(after)), "")
            kind, text = _other_line(raw, prev_blank, next_blank, speaks=bool(next_text.strip()))
            in_dialogue = kind == "cue"
            yield kind, text


def _dialogue_line(line: str) -> tuple[str, str]:
    if _PARENTHETICAL.fullmatch(line):
        return "parenthetical", line
    if line.startswith("~"):
        return "lyric", line[1:].strip()
    return "dialogue", line


def _other_line(raw: str, prev_blank: bool, next_blank: bool, speaks: bool) -> tuple[str, str]:
    """A line outside dialogue: forced marks first, then the rules that need blank neighbours.

    `speaks`: the next line with text follows at once (a cue needs one to speak).
    """
    line = raw.strip()
    forced = {"!": "forced action", "@": "cue", "~": "lyric", "#": "section"}
    if line[0] in forced:
        return forced[line[0]], line.lstrip(line[0]).strip()
    if _PAGE_BREAK.fullmatch(line):
        return "page break", ""
    if line.startswith("="):
        return "synopsis", line[1:].strip()
    if line.startswith(">") and line.endswith("<"):
        return "centered", line[1:-1].strip()
    if line.startswith(">"):
        return "transition", line[1:].strip()
    if prev_blank and _FORCED_HEADING.match(line):
        return "heading", line[1:].strip()
    if prev_blank and _HEADING.match(line):
        return "heading", line
    if prev_blank and next_blank and _is_transition(raw.lstrip()):
        return "transition", line
    if prev_blank and speaks and _is_cue(line):
        return "cue", line
    return "action", line


def _is_transition(line: str) -> bool:
    """ALL CAPS ending in "TO:" (trailing spaces make it action), or a bare fade."""
    return line.isupper() and line.endswith("TO:") or line.rstrip() in _OTHER_TRANSITIONS


def _is_cue(line: str) -> bool:
    """ALL CAPS (extensions aside), with at least one letter: "MARA", "MARA (V.O.)", "DR. NO ^"."""
    name = _EXTENSION.sub("", line.removesuffix("^")).strip()
    return name == name.upper() and name != name.lower()


def _elements(classified: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Classified lines with each paragraph merged: action, dialogue, lyrics, centered text.

    An image note inside (or right after) a paragraph comes just before that paragraph.
    """
    joiners = {"action": " ", "dialogue": " ", "lyric": " ", "centered": "\n"}
    last_kind, pending, images = "blank", None, []
    for kind, text in classified:
        if kind == "image":
            if pending:
                images.append((kind, text))
            else:
                yield kind, text
            continue
        kind = "action" if kind == "forced action" else kind
        if pending and kind == last_kind and kind in joiners:
            pending = (kind, pending[1] + joiners[kind] + text)
        else:
            if pending:
                yield from images
                yield pending
                images = []
            pending = (kind, text) if kind != "blank" else None
        last_kind = kind
    if pending:
        yield from images
        yield pending


def _is_fountain(classified: list[tuple[str, str]]) -> bool:
    """Any Fountain markup: a heading, a cue that speaks, a transition, centered text, a lyric,
    a section, a synopsis or forced action. Only text with none of it is prose; a page break
    (`===`) alone is not markup, since prose uses such a line as a scene break.
    """
    marks = {"heading", "transition", "centered", "lyric", "section", "forced action"}
    spoken = ("dialogue", "parenthetical", "lyric")
    classified = [element for element in classified if element[0] != "image"]
    return any(
        kind in marks
        or kind == "synopsis"
        and any(c.isalnum() for c in text)
        or kind == "cue"
        and after in spoken
        for (kind, text), (after, _) in zip(classified, [*classified[1:], ("blank", "")])
    )


# ── Fountain: build scenes ─────────────────────────────────────────────────────────────────────


@dataclass
class _Draft:
    """Scenes being built: where the next shot goes and where a spoken line lands."""

    narrate: bool
    scenes: list[Scene] = field(default_factory=list)
    open: bool = False  # False before the first scene and after a transition
    image: str | None = None  # an image note waiting for the next shot (or scene)

    def start_scene(self, heading: str | None, number: str | None = None) -> None:
        self.scenes.append(Scene(heading=heading, number=number, image=self.image))
        self.image = None
        self.open = True

    def picture(self, name: str) -> None:
        """An image note: the open scene's while it has no shot yet, else the next shot's."""
        if self.open and not self.scenes[-1].shots:
            self.scenes[-1].image = _image_name(name)
        else:
            self.image = _image_name(name)

    def scene(self) -> Scene:
        if not self.open:
            self.start_scene(None)
        return self.scenes[-1]

    def show(self, description: str, *, centered: bool = False) -> None:
        if not description:
            return
        scene = self.scene()
        shot = Shot(description=description, centered=centered, image=self.image)
        self.image = None
        if self.narrate and not centered:
            shot.lines.append(Line(NARRATOR, description))
        scene.shots.append(shot)

    def speak(self, line: Line) -> None:
        if not line.text:
            return
        scene = self.scene()
        if not scene.shots:
            scene.shots.append(Shot(description=scene.heading or line.text))
        scene.shots[-1].lines.append(line)

    def end_scene(self, transition: str) -> None:
        if self.open:
            self.scenes[-1].transition = transition
            self.open = False

    def finish(self) -> list[Scene]:
        """The scenes; a heading with nothing under it is shown as a card of the heading."""
        for scene in self.scenes:
            if not scene.shots and scene.heading:
                scene.shots.append(Shot(description=scene.heading))
        return [scene for scene in self.scenes if scene.shots]


def _fountain_scenes(elements: Iterable[tuple[str, str]], narrate: bool) -> list[Scene]:
    draft = _Draft(narrate)
    speaker, extension, dual, parenthetical = NARRATOR, None, False, None
    for kind, text in elements:
        if kind == "heading":
            draft.start_scene(*_heading(text))
        elif kind == "image":
            draft.picture(text)
        elif kind in ("action", "centered"):
            draft.show(
                _plain(text) if kind == "action" else _centered(text), centered=kind == "centered"
            )
        elif kind == "transition":
            draft.end_scene(text)
        elif kind == "cue":
            speaker, extension, dual = _cue(text)
            parenthetical = None
        elif kind == "parenthetical":
            parenthetical = text
        elif kind == "dialogue":
            draft.speak(Line(speaker, _plain(text), parenthetical, extension, dual))
            parenthetical = None
        elif kind == "lyric":  # sung by whoever spoke last (the narrator before anyone)
            draft.speak(Line(speaker, _plain(text), extension=extension, dual=dual))
        # sections, synopses and page breaks are neither shown nor spoken
    return draft.finish()


def _heading(text: str) -> tuple[str, str | None]:
    """("INT. LIGHTHOUSE - NIGHT", "1A") from "INT. LIGHTHOUSE - NIGHT #1A#"."""
    number = _SCENE_NUMBER.search(text)
    if number:
        text = text[: number.start()]
    return _plain(text), number[1] if number else None


def _centered(text: str) -> str:
    return "\n".join(_plain(line) for line in text.split("\n"))


def _cue(text: str) -> tuple[str, str | None, bool]:
    """(speaker, extension, dual) from "MARA (V.O.) ^": ("MARA", "V.O.", True)."""
    dual = text.endswith("^")
    text = text.removesuffix("^").strip()
    extensions = [ext.strip() for ext in _EXTENSION.findall(text) if ext.strip()]
    speaker = _plain(_EXTENSION.sub("", text)).upper()
    return speaker, ", ".join(extensions) or None, dual


# ── prose ──────────────────────────────────────────────────────────────────────────────────────


def _prose_scenes(lines: list[str], narrate: bool) -> list[Scene]:
    scenes = [Scene(heading=None)]
    image = None  # an image note waiting for the next paragraph (or scene)
    for paragraph in _paragraphs(lines):
        if isinstance(paragraph, tuple):  # ("image", NAME): as in Fountain (_Draft.picture)
            if scenes[-1].shots:
                image = _image_name(paragraph[1])
            else:
                scenes[-1].image = _image_name(paragraph[1])
        elif paragraph is None:
            if scenes[-1].shots:
                scenes.append(Scene(heading=None, image=image))
                image = None
        else:
            spoken = _prose_lines(paragraph, narrate)
            scenes[-1].shots.append(Shot(description=paragraph, lines=spoken, image=image))
            image = None
    return [scene for scene in scenes if scene.shots]


def _paragraphs(lines: list[str]) -> Iterator[str | None | tuple[str, str]]:
    """Blank-line separated paragraphs, one line each; None where a section break stands;
    ("image", NAME) for an image note, just before the paragraph it is in or touches."""
    paragraph: list[str] = []
    images: list[tuple[str, str]] = []
    for line in [*lines, ""]:
        if line.startswith(_IMAGE):
            images.append(("image", line.removeprefix(_IMAGE)))
            if not paragraph:
                yield from images
                images = []
            continue
        if line == _CUT:
            continue
        is_break = bool(line.strip()) and _is_section_break(line)
        if line.strip() and not is_break:
            paragraph.append(line.strip())
            continue
        yield from images
        images = []
        if text := _plain(" ".join(paragraph)):
            yield text
        paragraph = []
        if is_break:
            yield None


def _is_section_break(line: str) -> bool:
    return bool(_SECTION_BREAK.fullmatch(line)) and len(line.replace(" ", "")) >= 3


def _prose_lines(paragraph: str, narrate: bool) -> list[Line]:
    """Narrated sentences, and quotes spoken by the character a `said` names."""
    parts = _split_quotes(paragraph)
    speakers = _quote_speakers(parts)
    default = next((name for name in speakers if name), None)
    if default is None:
        return [Line(NARRATOR, s) for s in _sentences(paragraph)] if narrate else []
    lines = []
    for i, (is_quote, text) in enumerate(parts):
        if is_quote:
            spoken = re.sub(r"[,;:]\s*$", ".", text.strip())
            lines.append(Line((speakers[i] or default).upper(), spoken))
        elif narrate:
            lines += [Line(NARRATOR, s) for s in _sentences(_without_attribution(text))]
    return [line for line in lines if line.text]


def _split_quotes(paragraph: str) -> list[tuple[bool, str]]:
    """[(is_quote, text)] in order; quote texts without their quotation marks."""
    parts, at = [], 0
    for match in _QUOTE.finditer(paragraph):
        parts.append((False, paragraph[at : match.start()]))
        parts.append((True, next(g for g in match.groups() if g is not None)))
        at = match.end()
    parts.append((False, paragraph[at:]))
    return parts


def _quote_speakers(parts: list[tuple[bool, str]]) -> list[str | None]:
    """For each part, the name its quote is attributed to: `, said Mara` / `Mara said,`."""
    speakers: list[str | None] = []
    for i, (is_quote, _) in enumerate(parts):
        name = None
        if is_quote:
            after = _SAID_AFTER.match(parts[i + 1][1]) if i + 1 < len(parts) else None
            before = _SAID_BEFORE.search(parts[i - 1][1]) if i > 0 else None
            names = [n for m in (after, before) if m for n in m.groups() if n]
            name = next((n for n in names if n.split()[0] not in _NOT_NAMES), None)
        speakers.append(name)
    return speakers


def _without_attribution(text: str) -> str:
    """Narration around quotes, less the `said Mara` that attributes them."""
    text = _SAID_AFTER.sub("", text, count=1)
    text = _SAID_BEFORE.sub("", text)
    text = text.strip(" ,;:")
    return text[:1].upper() + text[1:]


def _sentences(text: str) -> list[str]:
    """Split at sentence ends (. ! ? … and 。！？।؟), not after abbreviations or initials."""
    sentences, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        if _is_sentence_end(text, end):
            sentences.append(text[start : end.end()].strip())
            start = end.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if any(c.isalnum() for c in s)]


def _is_sentence_end(text: str, end: re.Match[str]) -> bool:
    following = text[end.end() :].lstrip()[:1]
    if following.islower():  # "e.g. the sea", '"Wait!" she said'
        return False
    if text[end.start()] == ".":
        word = re.search(r"[\w.]*$", text[: end.start()])[0].lower()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):  # Dr. / J. R. R.
            return False
    return True


# ── what the whole plan says ───────────────────────────────────────────────────────────────────


def _title(title_page: dict[str, str], scenes: list[Scene], lines: list[str]) -> str:
    """The title page's Title, else the first scene heading, else the first words."""
    if title_page.get("title"):
        return _plain(title_page["title"])
    heading = next((scene.heading for scene in scenes if scene.heading), None)
    if heading:
        return heading
    words = _plain(next(line for line in lines if not _blank(line))).split()
    title = " ".join(words[:8]).rstrip(".,;:!?")
    return title + "…" if len(words) > 8 else title


def _characters(scenes: list[Scene]) -> list[str]:
    speakers = (line.speaker for scene in scenes for shot in scene.shots for line in shot.lines)
    return list(dict.fromkeys(s for s in speakers if s != NARRATOR))


def _mood(scenes: list[Scene]) -> str:
    words = " ".join(
        " ".join([shot.description, *(line.text for line in shot.lines)])
        for scene in scenes
        for shot in scene.shots
    )
    hits = {mood: len(pattern.findall(words)) for mood, pattern in _MOOD_PATTERNS.items()}
    best = max(MOODS, key=lambda mood: hits.get(mood, 0))
    return best if hits.get(best, 0) else "calm"


def describe(plan: Plan) -> str:
    """The plan as readable text: scenes, shots, who says what."""
    out = [
        f"{plan.title}  ({plan.format}, mood: {plan.mood})",
        f"characters: {', '.join(plan.characters) or '(narrator only)'}",
    ]
    for n, scene in enumerate(plan.scenes, 1):
        number = f" #{scene.number}" if scene.number else ""
        picture = f"  [image: {scene.image}]" if scene.image else ""
        out.append(f"\nScene {n}{number}: {scene.heading or '(untitled)'}{picture}")
        for m, shot in enumerate(scene.shots, 1):
            card = " [centered card]" if shot.centered else ""
            card += f" [image: {shot.image}]" if shot.image else ""
            out.append(f"  Shot {m}{card}: {shot.description.replace(chr(10), ' / ')}")
            for line in shot.lines:
                who = line.speaker + (f" ({line.extension})" if line.extension else "")
                who += " ^" if line.dual else ""
                direction = f" {line.parenthetical}" if line.parenthetical else ""
                out.append(f"    {who}{direction}: {line.text}")
        if scene.transition:
            out.append(f"  → {scene.transition}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.script",
        description="Print the plan of a Fountain or prose script.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--no-narrate-action",
        dest="narrate_action",
        action="store_false",
        help="let only the characters speak",
    )
    args = parser.parse_args(argv)
    try:
        plan = analyze(args.file.read_text(encoding="utf-8"), narrate_action=args.narrate_action)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(describe(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
