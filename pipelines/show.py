"""A two-host show: a conversation script rendered as a video podcast.

    "HOST A: line" transcript ─ `as_fountain` ─→ Fountain cues ─→ plan (two speakers)
    plan with exactly two speakers and nobody else ─ `is_show` ─→ both hosts staged in every
    shot (`pipelines.characters.stage`), the one who holds the floor lit, the other dimmed

A show is written either as Fountain (cues on their own line, scene headings for chapters) or
as a plain transcript, one `NAME: line` per paragraph (the form podcast generators and
transcripts use). `as_fountain` turns the transcript form into Fountain cues before the script
is read, so everything after it (voices, subtitles, chapters from the scene headings) is the
Fountain path's. The two hosts get distinct voices from `voice.cast` as any two characters do.

Hand-written: a few lines of regular expressions; no library reads this transcript form.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from pipelines.plan import NARRATOR

# "HOST A: line", "Alice: line", "Dr. Lee: line": one to three capitalised words, a colon, text.
_SPOKEN = re.compile(
    r"^[ \t]*(?P<name>[A-Z][\w.'’-]*(?: [A-Z0-9][\w.'’-]*){0,2})[ \t]*:[ \t]+(?P<text>\S.*)$"
)
HOSTS = 2
# The host who listens is drawn greyed: colours this far toward their grey, then this dark (the
# inactive tile of a video call; dimming alone would read as another skin tone).
GREY = 0.6
DIM = 0.7


def as_fountain(text: str, reserved: set[str] = frozenset()) -> str:
    """`text` with each transcript line (`NAME: line` opening a paragraph) turned into a Fountain
    cue and its dialogue; lines right after it continue the dialogue. Unchanged unless at least
    two such lines are found. `reserved` are the title page's keys (never a speaker); a first
    paragraph that opens with one is a title page and is kept as it is."""
    lines = text.split("\n")
    start = 0
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    match = _SPOKEN.match(lines[first]) if first < len(lines) else None
    opening = lines[first].split(":", 1)[0].strip().lower() if first < len(lines) else ""
    if (match and match["name"].lower() in reserved) or (not match and opening in reserved):
        start = next((i for i in range(first, len(lines)) if not lines[i].strip()), len(lines))

    out = lines[:start]
    found = 0
    for line in lines[start:]:
        match = _SPOKEN.match(line)
        # a paragraph's first line, or right after another speaker's line (\x04: dialogue)
        opens = not out or not out[-1].strip() or out[-1].startswith("\x04")
        if match and opens and match["name"].lower() not in reserved:
            if out and out[-1].strip():
                out.append("")
            out += [match["name"].upper(), "\x04" + match["text"]]
            found += 1
        elif line.strip() and out and out[-1].startswith("\x04"):
            out.append("\x04" + line)  # the dialogue goes on
        else:
            out.append(line)
    if found < 2:
        return text
    return "\n".join(line.removeprefix("\x04") for line in out)


def is_show(plan) -> bool:
    """Exactly two characters speak and nobody else does (no narrator): a two-host show."""
    speakers = {line.speaker for line in plan.lines}
    return len(speakers) == HOSTS and NARRATOR not in speakers


def floor(film_timeline, names: list[str], total: int, fps: int) -> list[np.ndarray]:
    """Per host, per frame: whether they hold the floor, from the start of their line to the
    start of the other's next line (so the light does not flicker in the pauses); before the
    first line both do."""
    held = [np.ones(total, bool) for _ in names]
    starts = sorted(
        (tl.start, names.index(tl.line.speaker))
        for tl in film_timeline.lines
        if tl.line.speaker in names
    )
    for j, (start, k) in enumerate(starts):
        a = round(start * fps)
        b = round(starts[j + 1][0] * fps) if j + 1 < len(starts) else total
        for m in range(len(names)):
            held[m][a:b] = m == k
    return held


def dimmed(look):
    """`look` with every layer and patch greyed by `GREY` and dimmed to `DIM` (alpha kept): the
    host who listens."""

    def dim(picture):
        if picture is None:
            return None
        out = picture.copy()
        rgb = out[..., :3].astype(np.float32)
        grey = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
        rgb = (rgb * (1 - GREY) + grey[..., None] * GREY) * DIM
        out[..., :3] = rgb.round().clip(0, 255).astype(np.uint8)
        return out

    return replace(
        look,
        body=dim(look.body),
        head=dim(look.head),
        mouths={shape: dim(patch) for shape, patch in look.mouths.items()},
        eyes_closed=dim(look.eyes_closed),
    )
