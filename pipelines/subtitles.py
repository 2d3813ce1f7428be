"""Subtitles: spoken lines → cues → SRT and WebVTT files, and cues burned into frames.

    (start, end, text) per spoken line → make_cues → write_srt / write_vtt   (pysubs2)
                                                   → SubtitleBurner.burn(frame, cue.text)

Cues follow common broadcast limits: at most 2 lines of 42 characters (a wide CJK character
counts as two) and 7 seconds. A longer line is cut at sentence ends first, then at clauses,
then between words, always near the middle so cues come out even; each cue's time is its share
of the line's characters, so the first cue starts exactly when the line does.

Burn-in renders each distinct cue once with Pillow (white text, dark outline) and caches the
RGBA patch; burn() is then an integer alpha blend of that small region in numpy.

Hand-written: the cue splitter (a few rules; pysubs2 writes files but does not split text).
The font that draws the cues comes from `fonts`.
"""

from __future__ import annotations

import math
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pysubs2
from PIL import Image, ImageDraw, ImageFont

from pipelines.fonts import load_font

MAX_CHARS = 42  # per line
MAX_LINES = 2
MAX_SECONDS = 7.0
MAX_CPS = 17.0  # reading speed for adult programmes (Netflix's timed-text guide)
PHONE_CHARS = 30  # a line's letters in portrait and square frames, which are sized to the width
MIN_PIECE = 10  # characters: the shortest cue cut from a line only to keep cues under 7 s

_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|[。！？।॥؟]+[」』”’)]*")
_CLAUSE_END = re.compile(r"[,;:—–]+[\"'”’)\]]*(?=\s)|[、，；：]|(?<=\s)[—–-]+(?=\s)")
_ABBREVIATIONS = {
    "mr.",
    "mrs.",
    "ms.",
    "dr.",
    "prof.",
    "st.",
    "mt.",
    "jr.",
    "sr.",
    "e.g.",
    "i.e.",
    "vs.",
    "no.",
    "capt.",
    "sgt.",
    "lt.",
}
_NO_LINE_START = set("。、，．！？）」』〉》】,.!?;:)")  # never begin a line or cue with these


@dataclass
class Cue:
    start: float  # seconds
    end: float
    text: str  # one line, or two joined by "\n"


# ── cues ───────────────────────────────────────────────────────────────────────────────────────


def make_cues(spoken: list[tuple[float, float, str]]) -> list[Cue]:
    """One cue per spoken line, or several for a line too long to read in one.

    Cues never overlap: where spoken lines overlap, an earlier cue ends when the next begins.
    """
    cues = [cue for start, end, text in spoken for cue in _line_cues(start, end, text)]
    cues.sort(key=lambda cue: cue.start)
    for cue, following in zip(cues, cues[1:]):
        cue.end = min(cue.end, following.start)
    return [cue for cue in cues if cue.end > cue.start]


def _line_cues(start: float, end: float, text: str) -> list[Cue]:
    text = " ".join(text.split())
    if not text:
        return []
    if end <= start:
        raise ValueError(f"spoken line {text[:30]!r} ends ({end}) before it starts ({start})")
    span = end - start
    budget = MAX_SECONDS * len(text) / span  # characters that take 7 s to speak
    pieces = _split(text, 0, len(text), budget)
    at = [start + span * i / len(text) for i, _ in pieces] + [end]
    return [
        Cue(begin, min(finish, begin + MAX_SECONDS), _cue_text(text[i:j].strip()))
        for (i, j), begin, finish in zip(pieces, at, at[1:])
    ]


def translated_cues(
    source: list[Cue], texts: list[str], *, fps: int = 24, film_end: float | None = None
) -> list[Cue]:
    """Cue i with `texts[i]` in place of its text, at its own time.

    Each translation is laid out like a spoken line (≤ 2 × 42, cut in time where it cannot
    fit). One that reads faster than MAX_CPS is extended into the gap after it (up to 2 frames
    before the next cue, at most 7 s on screen); one still too fast is merged with the next
    cue where the two fit one. A blank translation drops its cue.
    """
    cues = [c for cue, text in zip(source, texts) for c in _line_cues(cue.start, cue.end, text)]
    gap = 2 / fps
    for i, cue in enumerate(cues):
        if _cps(cue) <= MAX_CPS:
            continue
        limit = cues[i + 1].start - gap if i + 1 < len(cues) else (film_end or math.inf)
        wanted = cue.start + _chars(cue.text) / MAX_CPS
        cue.end = max(cue.end, min(wanted, limit, cue.start + MAX_SECONDS))
    out: list[Cue] = []
    for cue in cues:
        if out and _cps(out[-1]) > MAX_CPS and cue.end - out[-1].start <= MAX_SECONDS:
            joined = f"{' '.join(out[-1].text.split())} {' '.join(cue.text.split())}"
            layout = _layout(joined)
            if layout:
                out[-1] = Cue(out[-1].start, cue.end, "\n".join(layout))
                continue
        out.append(cue)
    return out


def _chars(text: str) -> int:
    return len(text.replace("\n", ""))


def _cps(cue: Cue) -> float:
    return _chars(cue.text) / max(cue.end - cue.start, 1e-3)


def _cue_text(piece: str) -> str:
    return "\n".join(_layout(piece) or [piece])


def _split(text: str, i: int, j: int, budget: float) -> list[tuple[int, int]]:
    """Cut text[i:j] into spans that each fit one cue, at the best break near the middle.

    Sentence ends are tried first, then clause ends, then word breaks; characters are cut
    only to fit a word longer than a line. A piece that fits on screen but would stay up more
    than 7 s is cut too, but not into scraps shorter than MIN_PIECE characters (slow speech:
    such a cue is shown for 7 s instead).
    """
    piece = text[i:j].strip()
    fits_screen = _layout(piece) is not None
    if fits_screen and j - i <= budget:
        return [(i, j)]
    finders = [_sentence_breaks, _clause_breaks, _word_breaks]
    if not fits_screen:
        finders.append(_char_breaks)
    for find in finders:
        cuts = [k for k in find(text, i, j) if text[i:k].strip() and text[k:j].strip()]
        if fits_screen and find is not _sentence_breaks:  # cut for time only: no scraps
            cuts = [k for k in cuts if min(k - i, j - k) >= MIN_PIECE]
        if cuts:
            k = min(cuts, key=lambda k: abs(2 * k - i - j))
            return _split(text, i, k, budget) + _split(text, k, j, budget)
    return [(i, j)]  # one unbreakable word: shown whole, at most 7 s


def _sentence_breaks(text: str, i: int, j: int) -> list[int]:
    """After sentence ends, though not after "Mr." and the like, which end no sentence."""
    return [
        m.end()
        for m in _SENTENCE_END.finditer(text, i, j)
        if text[: m.end()].rsplit(None, 1)[-1].lower() not in _ABBREVIATIONS
    ]


def _clause_breaks(text: str, i: int, j: int) -> list[int]:
    return [m.end() for m in _CLAUSE_END.finditer(text, i, j)]


def _word_breaks(text: str, i: int, j: int) -> list[int]:
    """At spaces, and between characters of scripts written without them (CJK)."""
    return [
        k
        for k in range(i + 1, j)
        if text[k].isspace()
        or (_is_wide(text[k - 1]) or _is_wide(text[k]))
        and text[k] not in _NO_LINE_START
    ]


def _char_breaks(text: str, i: int, j: int) -> list[int]:
    return [k for k in range(i + 1, j) if text[k] not in _NO_LINE_START]


def _layout(text: str) -> list[str] | None:
    """The text as 1 or 2 lines of at most MAX_CHARS, as even as can be; None if it can't fit.

    Lines break between words; inside a word only when the text is one word (a long URL).
    """
    if _width(text) <= MAX_CHARS:
        return [text]
    cuts = _word_breaks(text, 0, len(text)) or _char_breaks(text, 0, len(text))
    layouts = [(text[:k].strip(), text[k:].strip()) for k in cuts]
    layouts = [(a, b) for a, b in layouts if a and b and max(_width(a), _width(b)) <= MAX_CHARS]
    if not layouts:
        return None
    return list(min(layouts, key=lambda ab: abs(_width(ab[0]) - _width(ab[1]))))


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _width(text: str) -> int:
    """Screen width in character cells: a wide (CJK) character takes two."""
    if text.isascii():  # no ASCII character is wide
        return len(text)
    return sum(2 if _is_wide(c) else 1 for c in text)


# ── files ──────────────────────────────────────────────────────────────────────────────────────


def write_srt(cues: list[Cue], path: str | os.PathLike) -> None:
    _subtitle_file(cues).save(str(path), format_="srt", encoding="utf-8")


def write_vtt(cues: list[Cue], path: str | os.PathLike) -> None:
    _subtitle_file(cues).save(str(path), format_="vtt", encoding="utf-8")


def _subtitle_file(cues: list[Cue]) -> pysubs2.SSAFile:
    subs = pysubs2.SSAFile()
    for cue in cues:
        event = pysubs2.SSAEvent(start=round(cue.start * 1000), end=round(cue.end * 1000))
        event.plaintext = cue.text
        subs.append(event)
    return subs


# ── burn-in ────────────────────────────────────────────────────────────────────────────────────


class SubtitleBurner:
    """Draws cue text onto film frames, bottom-centred, white with a dark outline.

    Landscape: the font is ~1/18 of the frame height (smaller where 42 characters would not
    fit the width), near the bottom. Portrait and square: sized so that PHONE_CHARS letters
    fill 90 % of the width (readable on a phone), cues re-wrapped to fit, the text kept above
    the lower third, where characters stand. Each distinct text is rendered
    once; burn() blends the cached patch (well under 1 ms for a 720p frame).
    """

    def __init__(
        self,
        width: int,
        height: int,
        sample_text: str,
        font_file: str | None = None,
        scale: float = 1.0,
    ):
        """`font_file` (from `fonts.find_font(sample_text)`) saves looking for the font again, as in
        every frame worker of a film. `scale` draws the text that much larger (fewer letters a
        line; the audiogram look's captions)."""
        self.width, self.height = width, height

        def font_of(size: int) -> ImageFont.FreeTypeFont:
            return load_font(sample_text, size, font_path=font_file, field="burn_subtitles")

        if width > height:  # landscape: ~1/18 of the height, smaller if 42 letters overflow
            size = round(height / 18 * scale)
            font = font_of(size)
            line_width = font.getlength(
                "n" * round(MAX_CHARS / scale)
            )  # roughly a full 42-character line
            if line_width > 0.9 * width:
                size = max(10, int(size * 0.9 * width / line_width))
                font = font_of(size)
            self.bottom_margin = round(height * 0.06)
        else:  # portrait and square: sized to the width, for a phone; lines re-wrapped
            size = round(width / 18 * scale)
            font = font_of(size)
            line_width = font.getlength("n" * round(PHONE_CHARS / scale))
            size = max(10, int(size * 0.9 * width / line_width))
            font = font_of(size)
            # Clear of the lower third, where characters stand.
            self.bottom_margin = round(height / 3 + height * 0.02)
        self.font = font
        self.outline = max(2, round(size / 14))
        self._patch = lru_cache(maxsize=64)(self._render)
        self._patch_yuv = lru_cache(maxsize=64)(self._render_yuv)

    def burn(self, frame: np.ndarray, text: str) -> None:
        """Draw `text` onto an HxWx3 uint8 RGB frame, in place."""
        if frame.shape != (self.height, self.width, 3):
            raise ValueError(
                f"frame is {frame.shape}, the burner draws on {(self.height, self.width, 3)}"
            )
        if not text.strip():
            return
        patch = self._patch(text)
        if patch is None:
            return
        top, left, ink, keep = patch
        region = frame[top : top + keep.shape[0], left : left + keep.shape[1]]
        region[...] = (region * keep + ink) >> 8

    def burn_yuv420(self, frame: np.ndarray, text: str) -> None:
        """Draw `text` onto a flat yuv420p frame (Y, then U, then V), in place.

        The frame pipeline renders straight to YUV; the cached RGBA patch is converted once per
        text into per-plane ink and keep arrays (chroma and its alpha averaged over 2×2)."""
        if not text.strip():
            return
        patch = self._patch_yuv(text)
        if patch is None:
            return
        w, h = self.width, self.height
        offsets = (0, w * h, w * h + (w // 2) * (h // 2))
        for offset, (plane_w, plane_h), (top, left, ink, keep) in zip(
            offsets, ((w, h), (w // 2, h // 2), (w // 2, h // 2)), patch
        ):
            plane = frame[offset : offset + plane_w * plane_h].reshape(plane_h, plane_w)
            region = plane[top : top + keep.shape[0], left : left + keep.shape[1]]
            region[...] = (region * keep + ink) >> 8

    def _render_yuv(self, text: str):
        """The RGBA patch as (top, left, ink, keep) for the Y, U and V planes."""
        from pipelines.motion import yuv_planes

        patch = self._patch(text)
        if patch is None:
            return None
        top, left, ink, keep = patch
        # Back to colour and alpha (0..256), on an even-aligned box so chroma lines up.
        alpha = 256 - keep[..., 0].astype(np.int32)
        colour = np.where(alpha[..., None] > 0, ink // np.maximum(alpha, 1)[..., None], 0)
        top_even, left_even = top - top % 2, left - left % 2
        ph = alpha.shape[0] + (top - top_even)
        pw = alpha.shape[1] + (left - left_even)
        ph, pw = ph + ph % 2, pw + pw % 2
        a = np.zeros((ph, pw), np.int32)
        rgb = np.zeros((ph, pw, 3), np.uint8)
        a[
            top - top_even : top - top_even + alpha.shape[0],
            left - left_even : left - left_even + alpha.shape[1],
        ] = alpha
        rgb[
            top - top_even : top - top_even + alpha.shape[0],
            left - left_even : left - left_even + alpha.shape[1],
        ] = colour
        luma, u, v = (np.asarray(p, dtype=np.uint16) for p in yuv_planes(rgb))
        a_half = a.reshape(ph // 2, 2, pw // 2, 2).mean(axis=(1, 3)).round().astype(np.uint16)
        a_full = a.astype(np.uint16)
        return (
            (top_even, left_even, luma * a_full, 256 - a_full),
            (top_even // 2, left_even // 2, u * a_half, 256 - a_half),
            (top_even // 2, left_even // 2, v * a_half, 256 - a_half),
        )

    def _render(self, text: str) -> tuple[int, int, np.ndarray, np.ndarray] | None:
        """(top, left, ink, keep): ink = colour × alpha and keep = 256 − alpha, both uint16."""
        lines = text.split("\n")
        if any(self.font.getlength(line) > 0.9 * self.width for line in lines):
            lines = [" ".join(lines)] if " " in text else lines  # re-wrap the cue as a whole
        text = "\n".join(self._wrap(line) for line in lines)
        spacing = round(self.font.size * 0.25)
        x0, y0, x1, y1 = ImageDraw.Draw(Image.new("L", (1, 1))).multiline_textbbox(
            (0, 0), text, font=self.font, spacing=spacing, align="center", stroke_width=self.outline
        )
        size = (math.ceil(x1 - x0) + 2, math.ceil(y1 - y0) + 2)
        image = Image.new("RGBA", size, (0, 0, 0, 0))
        ImageDraw.Draw(image).multiline_text(
            (1 - x0, 1 - y0),
            text,
            font=self.font,
            fill=(255, 255, 255, 255),
            spacing=spacing,
            align="center",
            stroke_width=self.outline,
            stroke_fill=(0, 0, 0, 255),
        )
        if image.getbbox() is None:
            return None
        image = image.crop(image.getbbox())
        rgba = np.asarray(image)[: self.height, : self.width]
        top = max(0, self.height - self.bottom_margin - rgba.shape[0])
        left = (self.width - rgba.shape[1]) // 2
        alpha = rgba[..., 3:].astype(np.uint16)
        alpha += alpha >> 7  # 0..255 → 0..256, so that full alpha keeps nothing underneath
        ink = rgba[..., :3].astype(np.uint16) * alpha
        return top, left, ink, np.broadcast_to(256 - alpha, ink.shape).copy()

    def _wrap(self, line: str) -> str:
        """Re-break a line wider than 90 % of the frame (rare: cues are already short)."""
        limit = 0.9 * self.width
        if self.font.getlength(line) <= limit:
            return line
        rows: list[str] = []
        for word in re.findall(r"\S+\s*|\s+", line) if " " in line else list(line):
            if rows and self.font.getlength(rows[-1] + word) <= limit:
                rows[-1] += word
            else:
                rows.append(word)
        return "\n".join(row.strip() for row in rows)


def _demo(argv: list[str]) -> int:
    """`python -m pipelines.subtitles "TEXT" [SECONDS]`: print the cues of one line as SRT."""
    if not argv:
        print(_demo.__doc__, file=sys.stderr)
        return 2
    seconds = float(argv[1]) if len(argv) > 1 else max(1.0, len(argv[0].split()) / 2.5)
    print(_subtitle_file(make_cues([(0.0, seconds, argv[0])])).to_string("srt"))
    return 0


if __name__ == "__main__":
    sys.exit(_demo(sys.argv[1:]))
