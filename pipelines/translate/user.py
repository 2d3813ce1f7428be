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
    if path.suffix.lower() not in SUBTITLE_SUFFIXES:
        return [(None, line) for line in read_script(path, field)]
    try:
        subs = pysubs2.load(str(path), encoding="utf-8")
    except (OSError, UnicodeDecodeError, pysubs2.exceptions.Pysubs2Error) as exc:
        raise InputError(field, f"cannot read {path.name}: {exc}") from None
    return [
        ((e.start / 1000, e.end / 1000), " ".join(e.plaintext.split()))
        for e in subs
        if not e.is_comment and e.plaintext.strip()
    ]


def read_script(path: Path, field: str) -> list[str]:
    """The non-blank lines of a plain-text script, stripped; InputError(field, why) when the
    file is binary (a NUL byte) or not UTF-8 (a byte-order mark is allowed: editors write one)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(field, f"cannot read {path.name}: {exc}") from None
    if (nul := data.find(b"\0")) >= 0:
        raise InputError(field, f"{path.name} is binary, not text (a NUL byte at byte {nul})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            field, f"{path.name} is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    return [line.strip() for line in text.splitlines() if line.strip()]


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
