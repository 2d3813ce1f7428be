"""What a character looks like: layers and patches, ready to be placed on frames.

A `Look` is a cut-out: a body layer (shoulders, neck; it breathes), a head layer (it nods) and,
on the head, one opaque mouth patch per shape (`mouths.SHAPES`) and an optional eyes-closed
patch. Layers are RGBA arrays at the size they appear in the film.

`drawn_look` draws one with Pillow: head, hair, eyes, brows, mouth, shoulders, its palette and
features chosen by a random generator seeded from the character's name, so a character looks
the same in every shot and every render. `distinct_palettes` keeps a film's cast apart.
"""

from __future__ import annotations

import colorsys
import hashlib
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from pipelines.characters.mouths import SHAPES

SUPERSAMPLE = 2  # drawn at twice the size, then scaled down: smooth edges
ASPECT = 0.62  # a drawn character's width / height

SKIN = [(255, 219, 186), (241, 194, 150), (224, 172, 125), (198, 134, 90), (161, 102, 66),
        (120, 74, 48), (250, 205, 170), (212, 160, 120)]  # fmt: skip
HAIR = [(30, 24, 20), (70, 45, 30), (120, 80, 40), (200, 160, 90), (160, 60, 30),
        (180, 180, 185), (60, 60, 70), (230, 210, 150)]  # fmt: skip
EYES = [(70, 50, 30), (40, 90, 140), (60, 110, 60), (90, 70, 50), (50, 50, 60)]
HAIR_STYLES = ("short", "long", "bun", "curly", "bald")
MIN_HUE_GAP = 0.14  # two characters' clothes are at least this far apart on the colour wheel


@dataclass
class Palette:
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    eyes: tuple[int, int, int]
    shirt_hue: float  # 0–1
    style: str
    face_width: float  # head half-width / height, a little different per character
    brow_tilt: float

    @property
    def shirt(self) -> tuple[int, int, int]:
        r, g, b = colorsys.hsv_to_rgb(self.shirt_hue, 0.62, 0.78)
        return round(r * 255), round(g * 255), round(b * 255)


@dataclass
class Look:
    """A character's layers. Positions are in pixels: the head relative to the body's top-left,
    patches relative to the head's top-left; every offset and size is even (4:2:0 chroma)."""

    body: np.ndarray | None  # RGBA (h, w, 4), or None (a sheet's single picture)
    head: np.ndarray  # RGBA
    head_at: tuple[int, int]  # (x, y) of the head layer on the body layer
    mouths: dict[str, np.ndarray]  # shape → RGB patch
    mouth_at: tuple[int, int]  # (x, y) of the mouth patches on the head
    eyes_closed: np.ndarray | None = None  # RGB patch
    eyes_at: tuple[int, int] = (0, 0)
    colour: tuple[int, int, int] = (128, 128, 128)  # its dominant colour (clothes), for tests
    breathes: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the whole character."""
        if self.body is None:
            return self.head.shape[1], self.head.shape[0]
        return self.body.shape[1], self.body.shape[0]


def palette_of(name: str) -> Palette:
    """The palette and features seeded from `name` (case and spaces ignored)."""
    key = " ".join(name.upper().split()).encode()
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(key).digest()[:8], "little"))
    return Palette(
        skin=SKIN[rng.integers(len(SKIN))],
        hair=HAIR[rng.integers(len(HAIR))],
        eyes=EYES[rng.integers(len(EYES))],
        shirt_hue=float(rng.random()),
        style=HAIR_STYLES[rng.integers(len(HAIR_STYLES))],
        face_width=float(rng.uniform(0.17, 0.21)),
        brow_tilt=float(rng.uniform(-0.012, 0.012)),
    )


def distinct_palettes(names: list[str]) -> dict[str, Palette]:
    """Each name's palette, the later of two characters with close clothes moved round the
    colour wheel (and given another hair style when both match), so no two look alike. The
    gap is MIN_HUE_GAP, or less for a cast too large for it (`hue_gap`)."""
    gap = hue_gap(len(names))
    out: dict[str, Palette] = {}
    for name in names:
        palette = palette_of(name)
        taken = [p.shirt_hue for p in out.values()]
        if any(_hue_gap(h, palette.shirt_hue) < gap for h in taken):
            # the hue furthest from every other (on a 1/720 grid): at least `gap` away
            grid = np.arange(720) / 720
            spread = np.min([[_hue_gap(h, g) for g in grid] for h in taken], axis=0)
            palette.shirt_hue = float(grid[int(np.argmax(spread))])
        if any((p.style, p.hair) == (palette.style, palette.hair) for p in out.values()):
            palette.style = HAIR_STYLES[(HAIR_STYLES.index(palette.style) + 1) % len(HAIR_STYLES)]
        out[name] = palette
    return out


def hue_gap(characters: int) -> float:
    """The least hue distance between two characters' clothes in a cast this large."""
    return min(MIN_HUE_GAP, 0.5 / max(characters, 1))  # always leaves a free hue that far


def _hue_gap(a: float, b: float) -> float:
    d = abs(a - b) % 1.0
    return min(d, 1.0 - d)


def _even(v: float) -> int:
    return int(round(v / 2)) * 2


def drawn_look(palette: Palette, height: int) -> Look:
    """A cut-out character `height` pixels tall (even), drawn in `palette`."""
    height = _even(height)
    width = _even(height * ASPECT)
    s = SUPERSAMPLE
    H, W = height * s, width * s

    # Body: shoulders and neck, the bottom of the frame.
    body = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    d = ImageDraw.Draw(body)
    shirt, skin = palette.shirt, palette.skin
    neck_w = 0.11 * H
    d.rectangle([W / 2 - neck_w / 2, 0.5 * H, W / 2 + neck_w / 2, 0.7 * H], fill=_shade(skin, 0.9))
    d.rounded_rectangle([0.04 * W, 0.66 * H, 0.96 * W, 1.2 * H], radius=0.16 * H, fill=shirt)
    d.polygon(
        [(W / 2 - neck_w * 0.8, 0.66 * H), (W / 2, 0.74 * H), (W / 2 + neck_w * 0.8, 0.66 * H)],
        fill=_shade(skin, 0.9),
    )
    d.line([(0.3 * W, 0.8 * H), (0.3 * W, H)], fill=_shade(shirt, 0.8), width=max(2, H // 200))
    d.line([(0.7 * W, 0.8 * H), (0.7 * W, H)], fill=_shade(shirt, 0.8), width=max(2, H // 200))

    # Head: a layer of its own, the top two thirds of the character.
    hh, hw = _even(0.64 * height), width
    head_at = (0, 0)
    HH = hh * s
    head = Image.new("RGBA", (W, HH), (0, 0, 0, 0))
    d = ImageDraw.Draw(head)
    cx, cy = W / 2, 0.33 * H
    rx, ry = palette.face_width * H, 0.235 * H
    _hair_back(d, palette, cx, cy, rx, ry, H)
    d.ellipse([cx - rx - 0.03 * H, cy - 0.03 * H, cx - rx + 0.03 * H, cy + 0.06 * H], fill=skin)
    d.ellipse([cx + rx - 0.03 * H, cy - 0.03 * H, cx + rx + 0.03 * H, cy + 0.06 * H], fill=skin)
    d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=skin)
    _hair_front(d, palette, cx, cy, rx, ry, H)
    # Eyes and brows.
    eye_y, eye_dx, er = cy - 0.01 * H, 0.075 * H, 0.027 * H
    for side in (-1, 1):
        ex = cx + side * eye_dx
        d.ellipse([ex - er * 1.25, eye_y - er, ex + er * 1.25, eye_y + er], fill=(250, 250, 250))
        d.ellipse(
            [ex - er * 0.7, eye_y - er * 0.7, ex + er * 0.7, eye_y + er * 0.7], fill=palette.eyes
        )
        d.ellipse(
            [ex - er * 0.3, eye_y - er * 0.3, ex + er * 0.3, eye_y + er * 0.3], fill=(15, 15, 15)
        )
        by = eye_y - 0.05 * H
        tilt = palette.brow_tilt * H * side
        d.line([(ex - er * 1.4, by + tilt), (ex + er * 1.4, by - tilt)],
               fill=_shade(palette.hair, 0.8), width=max(2, round(0.012 * H)))  # fmt: skip
    # Nose.
    d.line([(cx, cy + 0.02 * H), (cx - 0.015 * H, cy + 0.075 * H), (cx + 0.01 * H, cy + 0.08 * H)],
           fill=_shade(skin, 0.75), width=max(2, round(0.006 * H)))  # fmt: skip

    head_small = _down(head, (hw, hh))
    body_small = _down(body, (width, height))

    # Patches: the mouth (one per shape) and closed eyes, opaque, cut on even pixels.
    mw, mh = _even(0.16 * height), _even(0.1 * height)
    mouth_at = (_even(width / 2 - mw / 2), _even(0.33 * height + 0.135 * height - mh / 2))
    mouths = {
        shape: _down(_mouth(shape, palette, mw * s, mh * s), (mw, mh), rgb=True) for shape in SHAPES
    }
    ew, eh = _even(0.26 * height), _even(0.075 * height)
    eyes_at = (_even(width / 2 - ew / 2), _even(0.32 * height - eh / 2))
    closed = _eyes_closed(palette, head_small, eyes_at, (ew, eh))
    look = Look(
        body=np.asarray(body_small),
        head=np.asarray(head_small),
        head_at=head_at,
        mouths=mouths,
        mouth_at=mouth_at,
        eyes_closed=closed,
        eyes_at=eyes_at,
        colour=shirt,
    )
    _paint_mouth(look, "X")
    return look


def _paint_mouth(look: Look, shape: str) -> None:
    """Draw the resting mouth into the head layer itself (the layer alone is a whole face)."""
    x, y = look.mouth_at
    patch = look.mouths[shape]
    head = look.head.copy()
    head[y : y + patch.shape[0], x : x + patch.shape[1], :3] = patch
    head[y : y + patch.shape[0], x : x + patch.shape[1], 3] = 255
    look.head = head


def _down(img: Image.Image, size: tuple[int, int], rgb: bool = False) -> np.ndarray | Image.Image:
    small = img.resize(size, Image.Resampling.LANCZOS)
    return np.asarray(small.convert("RGB")) if rgb else small


def _shade(colour: tuple[int, int, int], k: float) -> tuple[int, int, int]:
    return tuple(min(255, round(c * k)) for c in colour)


def _hair_back(d, p: Palette, cx, cy, rx, ry, H) -> None:
    if p.style == "long":
        d.rounded_rectangle([cx - rx * 1.25, cy - ry * 1.05, cx + rx * 1.25, cy + ry * 1.35],
                            radius=rx, fill=p.hair)  # fmt: skip
    elif p.style == "bun":
        d.ellipse(
            [cx - 0.08 * H, cy - ry - 0.13 * H, cx + 0.08 * H, cy - ry + 0.03 * H], fill=p.hair
        )
    elif p.style == "curly":
        for k in range(12):
            a = np.pi * (0.9 + 1.2 * k / 11)
            x, y = cx + np.cos(a) * rx * 1.05, cy + np.sin(a) * ry * 1.0
            d.ellipse([x - 0.05 * H, y - 0.05 * H, x + 0.05 * H, y + 0.05 * H], fill=p.hair)


def _hair_front(d, p: Palette, cx, cy, rx, ry, H) -> None:
    if p.style == "bald":
        return
    d.chord([cx - rx * 1.04, cy - ry * 1.06, cx + rx * 1.04, cy + ry * 0.5], 180, 360, fill=p.hair)
    if p.style in ("short", "curly"):
        d.pieslice(
            [cx - rx * 1.1, cy - ry * 1.1, cx + rx * 0.3, cy - ry * 0.1], 180, 300, fill=p.hair
        )


def _mouth(shape: str, p: Palette, w: int, h: int) -> Image.Image:
    """One mouth shape on a patch of skin, `w` × `h` (supersampled) pixels."""
    img = Image.new("RGB", (w, h), p.skin)
    d = ImageDraw.Draw(img)
    lip = _shade(p.skin, 0.62)
    dark, teeth, tongue = (60, 20, 25), (245, 245, 240), (200, 90, 100)
    cx, cy = w / 2, h / 2
    lw = max(2, h // 12)

    def opening(rx, ry, show_teeth=False, show_tongue=False, tongue_up=False):
        box = [cx - rx, cy - ry, cx + rx, cy + ry]
        d.ellipse(box, fill=dark, outline=lip, width=lw)
        if show_teeth:
            d.chord(
                [cx - rx * 0.9, cy - ry * 0.95, cx + rx * 0.9, cy + ry * 0.2], 180, 360, fill=teeth
            )
        if show_tongue:
            ty = cy - ry * 0.5 if tongue_up else cy + ry * 0.1
            d.ellipse([cx - rx * 0.55, ty, cx + rx * 0.55, ty + ry * 0.9], fill=tongue)

    if shape == "X":
        d.arc(
            [cx - w * 0.3, cy - h * 0.35, cx + w * 0.3, cy + h * 0.15], 20, 160, fill=lip, width=lw
        )
    elif shape == "A":
        d.line([(cx - w * 0.3, cy), (cx + w * 0.3, cy)], fill=lip, width=lw * 2)
    elif shape == "B":
        opening(w * 0.3, h * 0.14, show_teeth=True)
    elif shape == "C":
        opening(w * 0.3, h * 0.26, show_teeth=True)
    elif shape == "D":
        opening(w * 0.34, h * 0.42, show_teeth=True, show_tongue=True)
    elif shape == "E":
        opening(w * 0.22, h * 0.3)
    elif shape == "F":
        opening(w * 0.12, h * 0.18)
    elif shape == "G":
        opening(w * 0.3, h * 0.16)
        d.rectangle([cx - w * 0.24, cy - h * 0.16, cx + w * 0.24, cy], fill=teeth)
    elif shape == "H":
        opening(w * 0.3, h * 0.3, show_teeth=True, show_tongue=True, tongue_up=True)
    return img


def _eyes_closed(p: Palette, head: Image.Image, at: tuple[int, int], size: tuple[int, int]):
    """The head's eye region with the lids down: skin over the eyes, a lash line across each,
    the brows (the top quarter) kept."""
    x, y = at
    w, h = size
    region = np.asarray(head.crop((x, y, x + w, y + h)).convert("RGB"))
    out = np.empty_like(region)
    out[:] = p.skin
    out[: h // 4] = region[: h // 4]
    img = Image.fromarray(out)
    d = ImageDraw.Draw(img)
    lash = _shade(p.hair, 0.6)
    for side in (-1, 1):
        ex = w / 2 + side * w * 0.075 / 0.26  # the eyes sit 0.075 of the height off centre
        d.arc(
            [ex - w * 0.1, h * 0.1, ex + w * 0.1, h * 0.6],
            10,
            170,
            fill=lash,
            width=max(2, h // 10),
        )
    return np.asarray(img)
