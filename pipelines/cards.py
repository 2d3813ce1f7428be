"""Storyboard cards: a drawn picture for a shot that has no image of its own.

`draw_card` has the illustrator (`pipelines.illustrator`) draw what the shot's words name —
its place, time, weather and things — as depth layers, and sets the scene heading as a small
title in small caps on the back plate; with `caption=True` the shot's text goes under it as a
storyboard caption (never with burned subtitles, which already show the spoken line).
`make_card` is the same card flattened to one picture; `centered=True` makes a title card.

Hand-written, for want of a library that does it: small caps (Pillow has no font features for
them on the default font), word wrapping by measured width with an ellipsis, the title card's
ground. The font is the first that has glyphs for the text (`fonts`); where none is installed,
the card goes without its text.

Run alone: `python -m pipelines.cards --card "INT. LIGHTHOUSE - NIGHT" "Waves hit the rocks."
-o /tmp/card.png`, or `python -m pipelines.cards photo.jpg -o /tmp/fit.png --size 1280x720`.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from pipelines import fonts
from pipelines.errors import InputError
from pipelines.illustrator import Drawing, SceneGraph, illustrate
from pipelines.pictures import cover_fit, load_image

# Text on a card keeps this fraction of each side clear: the camera's tightest window (zoom
# 1.2, off-centre) crops up to ~15 % from one edge (see `tests/pipelines/test_motion.py`).
SAFE_MARGIN = 0.16
VERSE_LINES = 8  # a stanza's card shows up to this many lines (the block fits the safe area)

RGB = tuple[int, int, int]


# --- storyboard cards ------------------------------------------------------------------------


@dataclass(frozen=True)
class Palette:
    """Colours that go together: a sky from top to horizon, a sun or moon, three ridges of
    hills from far to near, and the nearest ground."""

    name: str
    sky: tuple[RGB, RGB]
    glow: RGB
    hills: tuple[RGB, RGB, RGB]
    ground: RGB
    night: bool = False  # stars and a moon instead of a sun


PALETTES = (
    Palette(
        "dusk",
        ((38, 34, 82), (238, 140, 112)),
        (255, 214, 168),
        ((160, 96, 122), (102, 60, 98), (56, 36, 70)),
        (30, 22, 46),
    ),
    Palette(
        "dawn",
        ((118, 158, 204), (250, 212, 174)),
        (255, 242, 206),
        ((164, 172, 176), (112, 132, 124), (70, 94, 82)),
        (44, 62, 54),
    ),
    Palette(
        "night",
        ((8, 14, 40), (38, 70, 112)),
        (238, 236, 214),
        ((36, 56, 88), (22, 38, 64), (12, 22, 40)),
        (8, 12, 26),
        night=True,
    ),
    Palette(
        "desert",
        ((92, 148, 198), (246, 216, 164)),
        (255, 248, 224),
        ((218, 166, 116), (188, 120, 76), (140, 82, 52)),
        (98, 56, 38),
    ),
    Palette(
        "forest",
        ((104, 150, 150), (218, 224, 184)),
        (255, 248, 212),
        ((124, 154, 124), (72, 112, 82), (38, 72, 52)),
        (22, 44, 32),
    ),
    Palette(
        "ocean",
        ((66, 128, 186), (186, 222, 230)),
        (255, 250, 232),
        ((94, 152, 172), (52, 112, 142), (24, 72, 102)),
        (14, 44, 70),
    ),
    Palette(
        "storm",
        ((40, 44, 54), (128, 130, 134)),
        (238, 204, 146),
        ((88, 92, 100), (62, 64, 72), (38, 40, 46)),
        (22, 22, 28),
    ),
    Palette(
        "twilight",
        ((40, 28, 84), (150, 104, 156)),
        (255, 228, 236),
        ((104, 78, 134), (70, 52, 108), (40, 30, 74)),
        (24, 18, 48),
        night=True,
    ),
)
_BY_NAME = {p.name: p for p in PALETTES}
# The time of day in a scene heading ("EXT. BEACH - NIGHT") narrows the palettes that fit.
_TIME_OF_DAY = {
    "NIGHT": ("night", "twilight"),
    "MIDNIGHT": ("night", "twilight"),
    "EVENING": ("dusk", "twilight"),
    "DUSK": ("dusk", "twilight"),
    "SUNSET": ("dusk", "desert"),
    "DAWN": ("dawn", "dusk"),
    "SUNRISE": ("dawn", "desert"),
    "MORNING": ("dawn", "forest", "ocean"),
    "DAY": ("desert", "forest", "ocean", "dawn"),
    "AFTERNOON": ("desert", "forest", "ocean"),
    "NOON": ("desert", "ocean"),
}


def palette_for(heading: str | None, scene_index: int, seed: int) -> Palette:
    """The scene's palette: one that fits its time of day, different from the scene before.

    Scenes step through the fitting palettes from a seeded start, so neighbouring scenes
    differ whenever more than one fits.
    """
    names = [p.name for p in PALETTES]
    words = re.findall(r"[A-Z]+", (heading or "").upper())
    for word in reversed(words):  # the time of day comes last in a heading
        if word in _TIME_OF_DAY:
            names = list(_TIME_OF_DAY[word])
            break
    start = random.Random(f"card-palette:{seed}").randrange(len(PALETTES))
    return _BY_NAME[names[(start + scene_index) % len(names)]]


def draw_card(
    heading: str | None,
    text: str,
    *,
    scene_index: int,
    shot_index: int,
    size: tuple[int, int],
    seed: int,
    centered: bool = False,
    font_path: str | None = None,
    caption: bool = True,
    scene_text: str = "",
    language: str = "en",
) -> Drawing:
    """A storyboard card for a shot with no picture, `size` = (width, height), as layers.

    The illustrator draws the shot: the place and time of its scene (from the heading, else
    `scene_text`, all the scene's words), the things its text names. The heading is set in
    small caps at the top; with `caption`, the shot's text (wrapped, at most four lines,
    ellipsized) in a block across the middle, its panel kept clear of the things in front
    (`Drawing.caption`). All text stays inside SAFE_MARGIN on the back
    plate, so the camera never crops it. `centered=True` makes a title card instead: the text
    alone, large and centred ("THE END"). The same arguments always give the same card.
    """
    width, height = int(size[0]), int(size[1])
    if width < 16 or height < 16:
        raise ValueError(f"a card needs at least 16x16 pixels, not {width}x{height}")
    if centered:
        palette = palette_for(heading, scene_index, seed)
        rng = random.Random(f"card:{seed}:{scene_index}:{shot_index}")
        back = _finish(_paint_title(palette, width, height, rng), (width, height), rng)
        graph = SceneGraph(None, False, palette.name, None, [], [("back", 1.0)])
        drawing = Drawing(np.asarray(back), None, None, graph)
    else:
        drawing = illustrate(
            heading,
            text,
            size=(width, height),
            seed=seed,
            scene_index=scene_index,
            shot_index=shot_index,
            scene_text=scene_text,
            language=language,
        )
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    ink = (255, 250, 242)
    if centered:
        _draw_title(layer, text, ink, font_path)
        drawing.texts.append(text)
    else:
        if heading:
            _draw_heading(draw, (width, height), heading, ink, font_path)
            drawing.texts.append(heading)
        if caption and text.strip():
            panel = _draw_block(draw, (width, height), text, ink, font_path)
            drawing.texts.append(text)
            if panel is not None:  # where nothing in front may show: the panel, as drawn
                mask = Image.new("L", (width, height), 0)
                ImageDraw.Draw(mask).rounded_rectangle(panel[:4], radius=panel[4], fill=255)
                drawing.caption = np.asarray(mask)
    if layer.getbbox() is not None:
        back = Image.alpha_composite(Image.fromarray(drawing.back).convert("RGBA"), layer)
        drawing.back = np.asarray(back.convert("RGB"))
    return drawing


def make_card(heading: str | None, text: str, **options) -> Image.Image:
    """The card of `draw_card` as one RGB picture (its layers flattened)."""
    return draw_card(heading, text, **options).flat()


# The title card's ground is painted at half size in float RGB (0–255) and enlarged: the
# shapes are soft anyway, and it costs a quarter of the work.


def _canvas(width: int, height: int) -> tuple[int, int]:
    return max(8, (width + 1) // 2), max(8, (height + 1) // 2)


def _vertical(
    top: RGB, bottom: RGB, h: int, w: int, curve: float = 1.0, start: float = 0.0, end: float = 1.0
) -> np.ndarray:
    """An HxWx3 float gradient from `top` (at fraction `start`) to `bottom` (at `end`)."""
    y = (np.arange(h, dtype=np.float32) + 0.5) / h
    t = np.clip((y - start) / max(end - start, 1e-6), 0, 1) ** curve
    top_, bottom_ = np.asarray(top, np.float32), np.asarray(bottom, np.float32)
    col = top_ + (bottom_ - top_) * t[:, None]
    return np.repeat(col[:, None, :], w, axis=1)


def _glow(img: np.ndarray, cx: float, cy: float, r: float, color: RGB, strength: float) -> None:
    """Add a soft Gaussian halo of light around (cx, cy), in place."""
    h, w = img.shape[:2]
    yy, xx = np.ogrid[0:h, 0:w]
    fall = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)).astype(np.float32)
    img += (np.asarray(color, np.float32) - img) * (fall * strength)[..., None]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _paint_title(p: Palette, width: int, height: int, rng: random.Random) -> np.ndarray:
    """A title card's ground: the palette's deepest colours and one soft light behind the text."""
    w, h = _canvas(width, height)
    img = _vertical(p.sky[0], _mix(p.ground, (0, 0, 0), 0.3), h, w, curve=0.9)
    light = _mix(p.sky[1], p.sky[0], 0.4)
    _glow(img, w * rng.uniform(0.42, 0.58), h * 0.48, min(w, h) * 0.55, light, 0.55)
    return img


def _finish(art: np.ndarray, size: tuple[int, int], rng: random.Random) -> Image.Image:
    """Vignette and a little grain (which also hides banding in the gradients), then enlarge."""
    h, w = art.shape[:2]
    yy, xx = np.ogrid[0:h, 0:w]
    r2 = ((xx + 0.5) / w - 0.5) ** 2 + ((yy + 0.5) / h - 0.5) ** 2
    art *= (1.0 - 0.55 * r2).astype(np.float32)[..., None]
    noise = np.random.default_rng(rng.getrandbits(64)).normal(0, 2.0, (h, w, 1)).astype(np.float32)
    art += noise
    small = Image.fromarray(np.clip(art + 0.5, 0, 255).astype(np.uint8))
    return small.resize(size, Image.Resampling.BICUBIC)


# --- text ------------------------------------------------------------------------------------


def _wrap(
    text: str, font: ImageFont.FreeTypeFont, width: float, tracking: float = 0.0, limit: int = 1000
) -> list[str]:
    """Greedy word wrap by measured width, stopping after `limit` + 1 lines. Words wider than
    a line (and text with no spaces, as Chinese or Japanese is written) break between letters."""

    def fits(s: str) -> bool:
        return font.getlength(s) + tracking * len(s) <= width

    def longest_fit(word: str) -> int:  # binary search: the most letters of `word` that fit
        lo, hi = 1, len(word)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if fits(word[:mid]) else (lo, mid - 1)
        return lo

    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
        while len(word) > 1 and not fits(word) and len(lines) <= limit:
            cut = longest_fit(word)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
        if len(lines) > limit:
            break
    if line:
        lines.append(line)
    return lines


def _ellipsize(line: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """`line` cut at a word (or letter) so that it and a trailing "…" fit `width`."""
    ellipsis = "…" if fonts.draws(font, "…") else "..."
    line = line.rstrip(" ,;:.-—")
    while line and font.getlength(line + ellipsis) > width:
        cut = line.rfind(" ")
        line = (line[:cut] if cut > len(line) // 2 else line[:-1]).rstrip(" ,;:.-—")
    return line + ellipsis


def fit_text(
    text: str,
    width: float,
    sizes: list[int],
    max_lines: int,
    font_path: str | None,
    tracking_em: float = 0.0,
    keep_breaks: bool = False,
) -> tuple[ImageFont.FreeTypeFont | None, list[str]]:
    """The largest of `sizes` at which `text` wraps into `max_lines` lines of `width`; at the
    smallest size, the lines that fit with the last one ellipsized. (None, []) where no
    installed font covers the text. `keep_breaks`: each line of `text` starts a new line (verse)."""
    pieces = [" ".join(p.split()) for p in text.split("\n")] if keep_breaks else [text]
    pieces = [p for p in pieces if p] or [" "]
    text = " ".join(" ".join(pieces).split()) or " "
    for size in sizes:
        font = fonts.load_font(text, size, font_path=font_path, pillow_first=True)
        if font is None:
            return None, []
        lines = [
            line
            for piece in pieces
            for line in _wrap(piece, font, width, tracking_em * size, limit=max_lines)
        ]
        if len(lines) <= max_lines:
            return font, lines
    lines = lines[:max_lines]
    lines[-1] = _ellipsize(lines[-1], font, width)
    return font, lines


def _trackable(text: str) -> bool:
    """Whether letters may be spaced out one by one: alphabets whose letters stand alone
    (Latin, Greek, Cyrillic, ...), not scripts whose letters join or combine (Arabic, Hebrew
    points, Devanagari, ...), which must be laid out whole to be shaped right."""
    return all(ord(ch) < 0x0590 or ch == "…" for ch in text)


def _tracked_length(text: str, font: ImageFont.FreeTypeFont, tracking: float) -> float:
    if not _trackable(text):
        return font.getlength(text)
    return sum(font.getlength(ch) for ch in text) + tracking * max(len(text) - 1, 0)


def _draw_tracked(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: ImageFont.FreeTypeFont,
    fill,
    tracking: float,
) -> float:
    """Draw `text` from the left end of its baseline, letter-spaced where the script allows;
    returns the x where the next letter would go."""
    x, baseline = xy
    if not _trackable(text):
        draw.text((x, baseline), text, font=font, fill=fill, anchor="ls")
        return x + font.getlength(text) + tracking
    for ch in text:
        draw.text((x, baseline), ch, font=font, fill=fill, anchor="ls")
        x += font.getlength(ch) + tracking
    return x


def _small_caps(text: str) -> list[tuple[str, bool]]:
    """Runs of (text, is_small): lower-case letters become small capitals."""
    runs: list[tuple[str, bool]] = []
    for ch in text:
        small = ch.isalpha() and ch.islower()
        piece = ch.upper() if small else ch
        if runs and runs[-1][1] == small:
            runs[-1] = (runs[-1][0] + piece, small)
        else:
            runs.append((piece, small))
    return runs


def _draw_heading(
    draw: ImageDraw.ImageDraw, card: tuple[int, int], heading: str, ink: RGB, font_path: str | None
) -> None:
    """The scene heading at the top, letter-spaced small caps, with a short rule beneath."""
    width, height = card
    short = min(width, height)
    pt = max(10, round(short * 0.034))
    avail = width * (1 - 2 * SAFE_MARGIN)
    heading = " ".join(heading.split())
    big = fonts.load_font(heading.upper(), pt, font_path=font_path, pillow_first=True)
    small = fonts.load_font(
        heading.upper(), round(pt * 0.8), font_path=font_path, pillow_first=True
    )
    if big is None or small is None:  # no installed font covers it: the card goes without
        return
    tracking = pt * 0.14

    def measure(s: str) -> float:
        runs = [_tracked_length(run, small if sm else big, tracking) for run, sm in _small_caps(s)]
        return sum(runs) + tracking * (len(runs) - 1)

    while measure(heading) > avail and len(heading) > 1:  # too long even for small caps: cut
        heading = heading[:-2].rstrip() + "…"
    x = (width - measure(heading)) / 2
    baseline = height * SAFE_MARGIN + big.getmetrics()[0]
    for run, sm in _small_caps(heading):
        x = _draw_tracked(draw, (x, baseline), run, small if sm else big, (*ink, 230), tracking)
    rule, y = short * 0.05, baseline + pt * 0.7
    draw.line(
        [(width / 2 - rule, y), (width / 2 + rule, y)], fill=(*ink, 150), width=max(1, pt // 12)
    )


def _draw_block(
    draw: ImageDraw.ImageDraw, card: tuple[int, int], text: str, ink: RGB, font_path: str | None
) -> tuple[float, float, float, float, float] | None:
    """The shot's text: up to four centred lines on a translucent rounded panel; text of
    several lines (a stanza) keeps its line breaks, up to VERSE_LINES lines. Returns the
    panel (x0, y0, x1, y1, corner radius), or None where nothing was drawn."""
    width, height = card
    short = min(width, height)
    avail = width * (1 - 2 * SAFE_MARGIN) - short * 0.06  # inside the panel's padding
    verse = "\n" in text.strip()
    sizes = [round(short * f) for f in ((0.05, 0.044, 0.038) + ((0.032, 0.028) if verse else ()))]
    font, lines = fit_text(
        text, avail, sizes, VERSE_LINES if verse else 4, font_path, keep_breaks=verse
    )
    if font is None:  # no installed font covers it: the card goes without
        return None
    ascent, descent = font.getmetrics()
    leading = round(font.size * 1.32)
    pad = short * 0.03
    block = leading * (len(lines) - 1) + ascent + descent
    top = height * 0.42 - block / 2
    half = max(font.getlength(line) for line in lines) / 2 + pad
    panel = (width / 2 - half, top - pad, width / 2 + half, top + block + pad)
    draw.rounded_rectangle(panel, radius=pad, fill=(8, 8, 14, 120))
    for i, line in enumerate(lines):
        draw.text(
            (width / 2, top + ascent + i * leading), line, font=font, fill=(*ink, 255), anchor="ms"
        )
    return (*panel, pad)


def _draw_title(layer: Image.Image, text: str, ink: RGB, font_path: str | None) -> None:
    """A title card's text: large, centred both ways, over a soft shadow."""
    width, height = layer.size
    short = min(width, height)
    avail = width * (1 - 2 * SAFE_MARGIN)
    sizes = [round(short * f) for f in (0.1, 0.08, 0.064, 0.05)]
    font, lines = fit_text(text or " ", avail, sizes, 3, font_path, tracking_em=0.06)
    if font is None:  # no installed font covers it: the card goes without
        return
    tracking = font.size * 0.06
    ascent, descent = font.getmetrics()
    leading = round(font.size * 1.2)
    top = height / 2 - (leading * (len(lines) - 1) + ascent + descent) / 2

    def draw_lines(draw: ImageDraw.ImageDraw, fill, dy: float = 0.0) -> None:
        for i, line in enumerate(lines):
            x = (width - _tracked_length(line, font, tracking)) / 2
            _draw_tracked(draw, (x, top + ascent + i * leading + dy), line, font, fill, tracking)

    shadow = Image.new("L", layer.size, 0)
    draw_lines(ImageDraw.Draw(shadow), 170, dy=font.size * 0.05)
    shadow = shadow.filter(ImageFilter.GaussianBlur(font.size * 0.12))
    layer.paste(Image.new("RGBA", layer.size, (0, 0, 0, 255)), mask=shadow)
    draw_lines(ImageDraw.Draw(layer), (*ink, 255))


# --- command line ----------------------------------------------------------------------------


def _main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        "python -m pipelines.cards", description=__doc__.splitlines()[0]
    )
    parser.add_argument("image", nargs="?", type=Path, help="an image to load and cover-fit")
    parser.add_argument(
        "--card", nargs=2, metavar=("HEADING", "TEXT"), help="make a storyboard card"
    )
    parser.add_argument("--title", metavar="TEXT", help="make a title card")
    parser.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT (default 1280x720)")
    parser.add_argument("--scene", type=int, default=0)
    parser.add_argument("--shot", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--font", help="a .ttf/.otf font file")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size {args.size!r} is not WIDTHxHEIGHT")
    options = dict(
        scene_index=args.scene,
        shot_index=args.shot,
        size=(width, height),
        seed=args.seed,
        font_path=args.font,
    )
    try:
        if args.card:
            picture = make_card(args.card[0], args.card[1], **options)
        elif args.title:
            picture = make_card(None, args.title, centered=True, **options)
        elif args.image:
            picture = cover_fit(load_image(args.image, "image"), width, height)
        else:
            parser.error("give an image, --card HEADING TEXT or --title TEXT")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    picture.save(args.output)
    print(f"wrote {args.output} ({picture.width}x{picture.height})")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
