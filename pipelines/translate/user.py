"""The user's own translation: an SRT/VTT (or any subtitle file pysubs2 reads), or a script of
one line per spoken line, for one language.

Its cues or lines are matched to ours by index. A subtitle file is also checked for order:
cue i must sit nearer our cue i than any other of ours (or within `SLACK` of it), so a file made for another cut, or
with a cue missing in the middle, is refused at the first line that does not match, not only
when the count is wrong. A plain script is checked for count.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pysubs2

from pipelines.errors import InputError
from pipelines.translate.languages import base

SUBTITLE_SUFFIXES = {".srt", ".vtt", ".ass", ".ssa", ".sub"}
SLACK = 0.25  # seconds a user's cue's middle may sit off ours and still be the same line


class UserTranslation:
    name = "user"

    def __init__(self, files: dict[str, Path]):
        self.files = {base(tag): Path(path) for tag, path in files.items()}

    def unavailable(self, source: str, target: str) -> str | None:
        return None if base(target) in self.files else f"no file for {target}"

    def translate(
        self,
        lines: Sequence[str],
        source: str,
        target: str,
        times: Sequence[tuple[float, float]] | None = None,
    ) -> list[str]:
        path = self.files[base(target)]
        field = f"translations[{target}]"
        theirs = read(path, field)
        for i in range(max(len(lines), len(theirs))):
            problem = _mismatch(i, lines, theirs, times)
            if problem:
                said = repr(lines[i][:40]) if i < len(lines) else "(none: ours end here)"
                raise InputError(
                    field,
                    f"line {i + 1} {said} does not match {path.name}: {problem} "
                    f"({len(theirs)} lines there, {len(lines)} here)",
                )
        return [text for _, text in theirs]


def read(path: Path, field: str) -> list[tuple[tuple[float, float] | None, str]]:
    """(cue time or None, text) per line of the user's file."""
    try:
        if path.suffix.lower() in SUBTITLE_SUFFIXES:
            subs = pysubs2.load(str(path), encoding="utf-8")
            return [
                ((e.start / 1000, e.end / 1000), " ".join(e.plaintext.split()))
                for e in subs
                if not e.is_comment and e.plaintext.strip()
            ]
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, pysubs2.exceptions.Pysubs2Error) as exc:
        raise InputError(field, f"cannot read {path.name}: {exc}") from None
    return [(None, line.strip()) for line in text.splitlines() if line.strip()]


def _mismatch(i, lines, theirs, times) -> str | None:
    if i >= len(theirs):
        return "the file has no line for it"
    if i >= len(lines):
        return f"the file has an extra line {theirs[i][1][:40]!r}"
    when = theirs[i][0]
    if times is None or when is None:
        return None
    start, end = times[i]
    middle = (when[0] + when[1]) / 2
    nearest = min(range(len(times)), key=lambda j: abs(sum(times[j]) / 2 - middle))
    if nearest == i or abs(middle - (start + end) / 2) <= SLACK:
        return None
    return (
        f"its cue {i + 1} ({when[0]:.2f}–{when[1]:.2f} s, {theirs[i][1][:40]!r}) "
        f"is not at our {start:.2f}–{end:.2f} s"
    )
