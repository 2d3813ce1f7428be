"""Fonts: an installed font that draws every character of a text, for subtitles, cards and the
thumbnail alike.

Looked for in `FILMSTUDIO_FONT`, then the system's font folders and fonts shipped inside
installed packages (regular sans faces first), then Pillow's built-in Aileron (ASCII only).
Verse is set in a face that suits its script (`verse_font`): a book (serif) face for Latin,
Greek and Cyrillic, the script's own face for the others (Devanagari: Noto Sans Devanagari,
a dependency), else any face that covers it, with the one to install named.
Hand-written, the coverage test: fontTools is not installed and Pillow exposes no character
map, so a font covers a character when the glyph it renders differs from its .notdef glyph.
"""

from __future__ import annotations

import os
import sysconfig
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from pipelines.errors import InputError

FONT_ENV = "FILMSTUDIO_FONT"
# Where font files are looked for, in order: the system's, then fonts shipped inside installed
# packages (scanned only when the system's fonts do not cover the text: site-packages is large).
# FILMSTUDIO_FONT comes before all; Pillow's own Aileron (ASCII only) after all.
FONT_DIRS: list[Path] = [
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path(sysconfig.get_paths()["purelib"]),
]
PILLOW_FONT = "pillow:aileron"  # find_font's name for the font Pillow ships inside its code


_STYLE_WORDS = (
    "bold",
    "italic",
    "oblique",
    "light",
    "thin",
    "black",
    "condensed",
    "mono",
    "serif",
    "math",
    "emoji",
)


def find_font(sample_text: str, *, pillow_first: bool = False) -> str | None:
    """A font that draws every character of sample_text: a file path, PILLOW_FONT, or None.

    Looked for in FILMSTUDIO_FONT, then FONT_DIRS (regular sans faces first), then Pillow's
    built-in Aileron, which covers plain ASCII; `pillow_first` tries Aileron first (the cards'
    typeface, where it covers the text).
    """
    chars = _visible_chars(sample_text)
    if pillow_first and not _missing(PILLOW_FONT, chars):
        return PILLOW_FONT
    return next((font for font in _candidates() if not _missing(font, chars)), None)


def load_font(
    text: str,
    size: int,
    *,
    font_path: str | None = None,
    pillow_first: bool = False,
    field: str | None = None,
) -> ImageFont.FreeTypeFont | None:
    """A Pillow font of `size` pixels to set `text` in: `font_path` if given, else the first
    font that covers the text (`find_font`). None where no installed font covers it, so a card
    goes without that text rather than show boxes; with `field` (text that must be read, as
    burned subtitles) InputError(field) instead, naming the font to install."""
    found = font_path or find_font(text, pillow_first=pillow_first)
    if found is None:
        if field is None:
            return None
        raise InputError(field, no_font_message(text))
    return open_font(found, size)


@lru_cache(maxsize=64)
def open_font(font: str, size: int, layout: int | None = None) -> ImageFont.FreeTypeFont:
    if font == PILLOW_FONT:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(font, size, layout_engine=layout)


def _candidates() -> Iterator[str]:
    """Font files in the order they are tried, each folder scanned only when reached."""
    env = os.environ.get(FONT_ENV)
    if env:
        yield env
    seen: set[str] = set()
    for folder in FONT_DIRS:
        for font in _font_files(folder):
            if font not in seen:
                seen.add(font)
                yield font
    yield PILLOW_FONT


@lru_cache(maxsize=16)
def _font_files(folder: Path) -> tuple[str, ...]:
    """The font files under `folder`, regular sans faces first (os.walk: ~6x faster than
    Path.rglob over a large site-packages)."""

    def preference(path: Path) -> tuple[int, int, str]:
        name = path.stem.lower()
        return sum(word in name for word in _STYLE_WORDS), "sans" not in name, name

    files = [
        Path(root, name)
        for root, _, names in os.walk(folder)
        for name in names
        if name.lower().endswith((".ttf", ".otf", ".ttc"))
    ]
    return tuple(str(p) for p in sorted(files, key=preference))


def _visible_chars(text: str) -> frozenset[str]:
    """The characters that need a glyph: not spaces, controls or format marks."""
    return frozenset(c for c in text if unicodedata.category(c)[0] not in "ZC")


@lru_cache(maxsize=256)
def _missing(font: str, chars: frozenset[str]) -> frozenset[str]:
    """The characters this font would draw as its .notdef box (all of them if it won't load)."""
    try:
        face = open_font(font, 24, layout=ImageFont.Layout.BASIC)
    except (OSError, ValueError):
        return chars
    return _undrawn(face, chars)


def draws(face: ImageFont.FreeTypeFont, text: str) -> bool:
    """Whether `face` has a glyph for every visible character of `text`."""
    return not _undrawn(face, _visible_chars(text))


def _undrawn(face: ImageFont.FreeTypeFont, chars: frozenset[str]) -> frozenset[str]:
    """The characters `face` draws as its .notdef box."""

    def glyph(char: str) -> tuple[tuple[int, int], bytes]:
        mask = face.getmask(char)
        return mask.size, bytes(mask)

    blank = glyph("\U0010fffd")  # a private-use code point no font maps
    return frozenset(c for c in chars if glyph(c) == blank)


BOOK_SCRIPTS = ("Latin", "Greek", "Cyrillic")  # scripts whose verse is set in a serif face
_BOOK_HINT = "DejaVu Serif (Debian: fonts-dejavu-core)"


def script_of(text: str) -> str:
    """The writing system most of `text`'s letters belong to ("Latin", "Devanagari", "CJK", …;
    "Latin" for text with no letters)."""
    systems = [_system(c) for c in text if unicodedata.category(c)[0] == "L"]
    return max(set(systems), key=systems.count) if systems else "Latin"


def verse_font(text: str) -> tuple[str | None, str | None]:
    """(font, advice) for setting the verse `text`: FILMSTUDIO_FONT where it covers the text,
    else a regular face named for the text's script (`script_of`) that covers it, a serif one
    for BOOK_SCRIPTS, serif preferred for the others; advice None. Where no such face is
    installed: any face that covers the text (`find_font`) and, as advice, the face to
    install; where none covers it: (None, `no_font_message`)."""
    chars = _visible_chars(text)
    env = os.environ.get(FONT_ENV)
    if env and not _missing(env, chars):
        return env, None
    system = script_of(text)
    book = system in BOOK_SCRIPTS
    key = "serif" if book else system.lower().replace(" ", "")

    def suits(font: str) -> bool:
        name = Path(font).name.lower().replace(" ", "")
        styled = [w for w in _STYLE_WORDS if w in name and w != "serif"]
        return key in name and not styled and not (book and "sans" in name)

    faces = [font for font in _candidates() if font != PILLOW_FONT and suits(font)]
    faces.sort(key=lambda font: "serif" not in Path(font).name.lower())  # stable: serif first
    found = next((font for font in faces if not _missing(font, chars)), None)
    if found:
        return found, None
    fallback = find_font(text)
    if fallback is None:
        return None, no_font_message(text)
    hint = _BOOK_HINT if book else _font_hint(system)
    return fallback, f"no {system} face for verse installed; install {hint} for one"


def _system(char: str) -> str:
    name = unicodedata.name(char, "")
    return "CJK" if name.startswith("CJK") else name.split()[0].title() if name else "Unknown"


def no_font_message(sample_text: str) -> str:
    """The writing system of `sample_text` no installed font covers, and what to install."""
    chars = _visible_chars(sample_text)
    missing = min((_missing(font, chars) for font in _candidates()), key=len)
    char = next(c for c in sample_text if c in missing)
    name = unicodedata.name(char, f"U+{ord(char):04X}")
    if unicodedata.category(char)[0] in "LM":  # a letter or mark: name its writing system
        system = "CJK" if name.startswith("CJK") else name.split()[0].title()
        what, hint = f"{system} text", _font_hint(system)
    else:
        what = f"the character {char!r} ({name})"
        hint = "Noto Sans Symbols 2 (Debian: fonts-noto-core)"
    return f"no installed font covers {what}; install {hint} or set {FONT_ENV}=/path/to/font.ttf"


def _font_hint(system: str) -> str:
    if system in ("CJK", "Hiragana", "Katakana", "Hangul", "Bopomofo"):
        return "Noto Sans CJK (Debian: fonts-noto-cjk)"
    if system in ("Latin", "Greek", "Cyrillic"):
        return "DejaVu Sans (Debian: fonts-dejavu-core)"
    return f"Noto Sans {system} (Debian: fonts-noto-core)"
