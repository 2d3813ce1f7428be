"""The drawing surface of the illustrator: float RGBA layers painted with anti-aliased shapes.

A `Canvas` is one depth layer: premultiplied RGB and alpha as float32 arrays (0–255, 0–1).
Shapes are drawn as coverage masks by Pillow's `ImageDraw` at `SUPERSAMPLE` times the size and
box-reduced (anti-aliased edges), only over the shape's bounding box, and filled with a flat
colour or a vertical gradient (`Grad`). Lights are Gaussian glows.

Pillow + NumPy rather than skia-python or pycairo: both have wheels, but skia-python is a 30+ MB
wheel with its own GL dependencies and pycairo needs the system's libcairo to build on Linux;
flat shapes, gradients and glows are all this style needs, and 3x supersampling gives edges as
clean as a vector library's at these sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

SUPERSAMPLE = 3
RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Grad:
    """A vertical gradient from `top` to `bottom` across the shape's box (or rows y0–y1)."""

    top: RGB
    bottom: RGB
    y0: float | None = None
    y1: float | None = None


def mix(a, b, t: float) -> RGB:
    return tuple(float(x) + (float(y) - float(x)) * t for x, y in zip(a, b))  # type: ignore[return-value]


def scale(c, k) -> RGB:
    """A colour lit by `k` (a number, or a per-channel tint)."""
    ks = (k, k, k) if isinstance(k, (int, float)) else k
    return tuple(min(255.0, float(x) * float(f)) for x, f in zip(c, ks))  # type: ignore[return-value]


class Canvas:
    """One layer, width x height, transparent until painted (`opaque=True`: black and solid)."""

    def __init__(self, width: int, height: int, opaque: bool = False):
        self.width, self.height = width, height
        self.rgb = np.zeros((height, width, 3), np.float32)
        self.alpha = np.full((height, width), 1.0 if opaque else 0.0, np.float32)

    # --- filling ------------------------------------------------------------------------------

    def fill(self, x0: int, y0: int, mask: np.ndarray, colour, opacity: float = 1.0) -> None:
        """Paint `colour` (RGB, a `Grad`, or an HxWx3 array the mask's size) through `mask`
        (coverage 0–1) whose top-left corner is at (x0, y0); parts off the canvas are cut."""
        mh, mw = mask.shape
        cx0, cy0 = max(x0, 0), max(y0, 0)
        cx1, cy1 = min(x0 + mw, self.width), min(y0 + mh, self.height)
        if cx0 >= cx1 or cy0 >= cy1:
            return
        m = mask[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0] * opacity
        if isinstance(colour, np.ndarray):
            col = colour[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
        elif isinstance(colour, Grad):
            top = y0 if colour.y0 is None else colour.y0
            bottom = y0 + mh if colour.y1 is None else colour.y1
            rows = np.arange(cy0, cy1, dtype=np.float32) + 0.5
            t = np.clip((rows - top) / max(bottom - top, 1e-3), 0, 1)[:, None, None]
            a, b = np.asarray(colour.top, np.float32), np.asarray(colour.bottom, np.float32)
            col = a + (b - a) * t
        else:
            col = np.asarray(colour, np.float32)
        rgb = self.rgb[cy0:cy1, cx0:cx1]
        alpha = self.alpha[cy0:cy1, cx0:cx1]
        keep = 1.0 - m
        rgb *= keep[..., None]
        rgb += col * m[..., None]
        alpha *= keep
        alpha += m

    def _shape(self, bbox, draw, colour, opacity: float) -> tuple[int, int, int, int]:
        """Rasterise `draw(ImageDraw, to_px)` over `bbox` at SUPERSAMPLE and fill it."""
        x0 = max(math.floor(bbox[0]) - 1, -1)
        y0 = max(math.floor(bbox[1]) - 1, -1)
        x1 = min(math.ceil(bbox[2]) + 1, self.width + 1)
        y1 = min(math.ceil(bbox[3]) + 1, self.height + 1)
        if x1 <= x0 or y1 <= y0:
            return (0, 0, 0, 0)
        s = SUPERSAMPLE
        img = Image.new("L", ((x1 - x0) * s, (y1 - y0) * s), 0)

        def px(x: float, y: float) -> tuple[float, float]:
            return (x - x0) * s, (y - y0) * s

        draw(ImageDraw.Draw(img), px)
        mask = np.asarray(img.reduce(s), np.float32) / 255.0
        self.fill(x0, y0, mask, colour, opacity)
        return x0, y0, x1, y1

    def polygon(self, points, colour, opacity: float = 1.0):
        pts = [(float(x), float(y)) for x, y in points]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return self._shape(
            (min(xs), min(ys), max(xs), max(ys)),
            lambda d, px: d.polygon([px(x, y) for x, y in pts], fill=255),
            colour,
            opacity,
        )

    def ellipse(self, cx, cy, rx, ry, colour, opacity: float = 1.0):
        return self._shape(
            (cx - rx, cy - ry, cx + rx, cy + ry),
            lambda d, px: d.ellipse([px(cx - rx, cy - ry), px(cx + rx, cy + ry)], fill=255),
            colour,
            opacity,
        )

    def rect(self, x0, y0, x1, y1, colour, opacity: float = 1.0, radius: float = 0.0):
        def draw(d, px):
            box = [px(x0, y0), px(x1, y1)]
            if radius > 0:
                d.rounded_rectangle(box, radius=radius * SUPERSAMPLE, fill=255)
            else:
                d.rectangle(box, fill=255)

        return self._shape((x0, y0, x1, y1), draw, colour, opacity)

    def line(self, points, width: float, colour, opacity: float = 1.0):
        pts = [(float(x), float(y)) for x, y in points]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        pad = width
        return self._shape(
            (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad),
            lambda d, px: d.line(
                [px(x, y) for x, y in pts],
                fill=255,
                width=max(1, round(width * SUPERSAMPLE)),
                joint="curve",
            ),
            colour,
            opacity,
        )

    def band(self, y0: float, y1: float, colour, opacity: float = 1.0) -> None:
        """A full-width band of rows y0–y1 (no rasterising: rows are exact)."""
        a, b = max(int(y0), 0), min(math.ceil(y1), self.height)
        if a >= b:
            return
        mask = np.ones((b - a, self.width), np.float32)
        mask[0] *= 1 - (y0 - int(y0))  # the first row's sub-pixel coverage
        self.fill(0, a, mask, colour, opacity)

    def ridge(self, heights: np.ndarray, colour, opacity: float = 1.0) -> None:
        """Fill below a ridgeline (`heights`: y per column), its edge anti-aliased."""
        top = max(int(np.floor(heights.min())), 0)
        if top >= self.height:
            return
        y = np.arange(top, self.height, dtype=np.float32)[:, None] + 0.5
        mask = np.clip(y - heights[None, :] + 0.5, 0, 1).astype(np.float32)
        self.fill(0, top, mask, colour, opacity)

    def glow(self, cx, cy, r, colour, strength: float) -> None:
        """A soft light: Gaussian of radius r, mixed over what is there (and made opaque)."""
        x0, x1 = max(int(cx - 3 * r), 0), min(int(cx + 3 * r) + 1, self.width)
        y0, y1 = max(int(cy - 3 * r), 0), min(int(cy + 3 * r) + 1, self.height)
        if x0 >= x1 or y0 >= y1:
            return
        yy, xx = np.ogrid[y0:y1, x0:x1]
        fall = np.exp(-((xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2) / (2 * r * r))
        self.fill(x0, y0, (fall * strength).astype(np.float32), colour)

    def light(self, cx, cy, r, colour, strength: float) -> None:
        """Added light (a lamp's halo on what is painted): brightens, never covers."""
        x0, x1 = max(int(cx - 3 * r), 0), min(int(cx + 3 * r) + 1, self.width)
        y0, y1 = max(int(cy - 3 * r), 0), min(int(cy + 3 * r) + 1, self.height)
        if x0 >= x1 or y0 >= y1:
            return
        yy, xx = np.ogrid[y0:y1, x0:x1]
        fall = np.exp(-((xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2) / (2 * r * r))
        add = (fall * strength).astype(np.float32)[..., None] * np.asarray(colour, np.float32)
        region = self.rgb[y0:y1, x0:x1]
        region += add * self.alpha[y0:y1, x0:x1, None]
        np.minimum(region, 255.0, out=region)

    # --- out ----------------------------------------------------------------------------------

    def over(self, below: Canvas) -> Canvas:
        """This layer composited over `below` (a new canvas)."""
        out = Canvas(self.width, self.height)
        keep = 1.0 - self.alpha
        out.rgb = self.rgb + below.rgb * keep[..., None]
        out.alpha = self.alpha + below.alpha * keep
        return out

    def box(self) -> tuple[int, int, int, int] | None:
        """The bounding box (x0, y0, x1, y1) of what is painted, or None."""
        ys = np.nonzero(self.alpha.max(axis=1) > 1 / 255)[0]
        if not len(ys):
            return None
        xs = np.nonzero(self.alpha.max(axis=0) > 1 / 255)[0]
        return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1

    def rgb8(self, dither: np.random.Generator | None = None) -> np.ndarray:
        """An opaque layer as HxWx3 uint8 (a little noise breaks the bands of 8-bit
        gradients)."""
        rgb = self.rgb
        if dither is not None:
            noise = dither.random((self.height, self.width), np.float32) - 0.5
            rgb = rgb + noise[..., None]
        return cv2.convertScaleAbs(rgb)  # rounded and saturated; nothing is below -0.5

    def rgba8(self, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """Straight (not premultiplied) RGBA, HxWx4 uint8; outside `box` transparent."""
        x0, y0, x1, y1 = box or (0, 0, self.width, self.height)
        out = np.zeros((self.height, self.width, 4), np.uint8)
        a = self.alpha[y0:y1, x0:x1]
        rgb = self.rgb[y0:y1, x0:x1] / np.maximum(a, 1e-4)[..., None]
        out[y0:y1, x0:x1, :3] = cv2.convertScaleAbs(rgb)
        out[y0:y1, x0:x1, 3] = cv2.convertScaleAbs(a, alpha=255.0)
        return out
