"""Motifs: the procedural drawings the illustrator composes, in one flat-illustration style.

Every motif is a function of a `Stage` (the layers, the frame, the horizon, the light of the
time and weather, a seeded random source):

* `SKIES[...]`-less: `draw_sky` paints the sky layer (gradient, clouds, weather).
* `PLACES[name](stage)` paints the middle ground (the place) and returns its named boxes.
* `THINGS[name](stage, canvas, x, y, size)` paints a thing standing at (x, y) — the middle of
  its base — `size` pixels tall (about), and returns its box (x0, y0, x1, y1).

Colours are base materials lit by the time's `tint` and hazed toward the horizon's colour with
distance, so every motif sits in the same light. All shapes are anti-aliased (`canvas`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pipelines.illustrator.canvas import RGB, Canvas, Grad, mix, scale

Box = tuple[float, float, float, float]


# --- light -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Light:
    """The colours of a time of day: sky from zenith to horizon, the sun (or moon), the tint
    that lights every material, and the water's colours from horizon to foreground."""

    name: str
    sky: tuple[RGB, RGB]
    sun: RGB
    tint: RGB
    water: tuple[RGB, RGB]
    night: bool = False


LIGHTS = {
    "dawn": Light(
        "dawn",
        ((104, 128, 186), (252, 204, 170)),
        (255, 232, 190),
        (1.0, 0.9, 0.86),
        ((196, 170, 170), (58, 74, 110)),
    ),
    "day": Light(
        "day",
        ((70, 140, 210), (200, 228, 242)),
        (255, 250, 228),
        (1.0, 1.0, 1.0),
        ((120, 176, 204), (26, 84, 128)),
    ),
    "dusk": Light(
        "dusk",
        ((46, 40, 96), (246, 146, 100)),
        (255, 196, 130),
        (0.86, 0.7, 0.72),
        ((150, 96, 110), (26, 26, 58)),
    ),
    "night": Light(
        "night",
        ((6, 10, 32), (34, 56, 100)),
        (240, 238, 220),
        (0.4, 0.47, 0.66),
        ((34, 52, 88), (6, 12, 30)),
        night=True,
    ),
}
# Weather greys the sky toward a colour (lit by the time) by a share.
WEATHER_SKY = {
    "cloud": ((150, 158, 170), 0.45),
    "rain": ((112, 120, 134), 0.6),
    "storm": ((66, 70, 82), 0.72),
    "snow": ((206, 212, 222), 0.5),
    "fog": ((204, 206, 210), 0.55),
}

# Materials, in full daylight.
GRASS = (98, 152, 86)
DARK_GRASS = (58, 112, 70)
PINE = (40, 92, 70)
SAND = (230, 200, 146)
ROCK = (96, 92, 104)
SNOW = (238, 242, 248)
STONE = (186, 176, 162)
WALL = (236, 226, 206)
ROOF = (178, 74, 58)
WOOD = (138, 90, 56)
DARK_WOOD = (88, 58, 42)
ROAD = (92, 92, 100)
METAL = (72, 76, 86)
WARM = (255, 212, 138)  # lamplight
INK = (34, 32, 44)


@dataclass
class Stage:
    """Where motifs are drawn: the frame, its layers and its light."""

    width: int
    height: int
    light: Light
    weather: str | None
    rng: random.Random
    interior: bool = False
    horizon: float = 0.0  # y of the horizon (exteriors) or of the floor line (interiors)
    sky: Canvas = field(init=False)
    place: Canvas = field(init=False)
    things: Canvas = field(init=False)
    twinkles: list[tuple[float, float, float]] = field(default_factory=list)  # x, y, radius
    water: bool = False  # the place's foreground is water (boats float)
    surface: float | None = None  # interiors: y of the table top things stand on

    def __post_init__(self) -> None:
        self.sky = Canvas(self.width, self.height, opaque=True)
        self.place = Canvas(self.width, self.height)
        self.things = Canvas(self.width, self.height)

    @property
    def short(self) -> float:
        return float(min(self.width, self.height))

    @property
    def horizon_colour(self) -> RGB:
        return self.sky_colours[1]

    @property
    def sky_colours(self) -> tuple[RGB, RGB]:
        top, bottom = self.light.sky
        if self.weather in WEATHER_SKY:
            grey, share = WEATHER_SKY[self.weather]
            lit = scale(grey, self.light.tint)
            top, bottom = mix(top, lit, share), mix(bottom, lit, share)
        return top, bottom

    def lit(self, colour, far: float = 0.0) -> RGB:
        """A material in this light, hazed toward the horizon by `far` (0 near, 1 gone)."""
        haze = far
        if self.weather == "fog":
            haze = min(1.0, far * 1.6 + 0.15)
        return mix(scale(colour, self.light.tint), self.horizon_colour, haze)

    def depth(self, y: float) -> float:
        """0 at the horizon, 1 at the bottom of the frame."""
        return min(max((y - self.horizon) / max(self.height - self.horizon, 1), 0.0), 1.0)


# --- the sky ---------------------------------------------------------------------------------


def draw_sky(stage: Stage) -> None:
    """Gradient from zenith to horizon (below it too: the place covers it), clouds by weather."""
    top, bottom = stage.sky_colours
    c = stage.sky
    c.band(0, stage.height, Grad(top, bottom, 0, stage.horizon))
    rng = stage.rng
    clouds = {"cloud": 6, "rain": 7, "storm": 8, "snow": 4, "fog": 0, "clear": 0}.get(
        stage.weather or "", 0 if stage.light.night else rng.choice((0, 2, 3))
    )
    grey = {"storm": (80, 82, 94), "rain": (140, 146, 156)}.get(
        stage.weather or "", (250, 250, 252)
    )
    for _ in range(clouds):
        cloud(stage, rng.uniform(0, stage.width), rng.uniform(0.08, 0.85) * stage.horizon, grey)
    if stage.weather == "fog":  # a bank of mist along the horizon, thinning upward
        y0 = max(stage.horizon - stage.short * 0.25, 0)
        mist = mix(stage.horizon_colour, stage.lit((226, 228, 232)), 0.5)
        c.band(
            y0,
            stage.horizon + 2,
            Grad(mix(top, bottom, y0 / stage.horizon), mist, y0, stage.horizon),
        )


def cloud(stage: Stage, x: float, y: float, colour: RGB) -> Box:
    """A flat cloud: overlapping puffs on a flat base, lit from above."""
    rng, s = stage.rng, stage.short * stage.rng.uniform(0.05, 0.09)
    col = stage.lit(colour, far=0.25)
    shade = mix(col, stage.horizon_colour, 0.35)
    puffs = [
        (x + dx * s, y - rng.uniform(0.2, 0.7) * s, rng.uniform(0.6, 1.0) * s)
        for dx in (-1.6, -0.6, 0.4, 1.4)
    ]
    for px, py, r in puffs:
        stage.sky.ellipse(px, py + s * 0.15, r, r * 0.8, shade, 0.9)
    for px, py, r in puffs:
        stage.sky.ellipse(px, py, r * 0.92, r * 0.74, col, 0.95)
    stage.sky.rect(x - 2.3 * s, y - 0.1 * s, x + 2.2 * s, y + 0.45 * s, shade, 0.9, radius=0.25 * s)
    return x - 2.6 * s, y - 1.8 * s, x + 2.4 * s, y + 0.5 * s


# --- things of the sky -----------------------------------------------------------------------


def _sky_spot(stage: Stage, side: float) -> tuple[float, float]:
    """A place in the sky on one side (-1 left, 1 right), clear of the heading at the top."""
    x = stage.width * (0.5 + side * stage.rng.uniform(0.18, 0.3))
    y = stage.horizon * stage.rng.uniform(0.3, 0.55)
    return x, y


def sun(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    r = size / 2
    colour = stage.light.sun
    if stage.light.name in ("dawn", "dusk"):  # low and large, half set behind the far land
        y = stage.horizon - r * 0.4
    stage.sky.glow(x, y, r * 3.5, colour, 0.55)
    stage.sky.ellipse(x, y, r, r, mix(colour, (255, 255, 255), 0.3))
    return x - r, y - r, x + r, y + r


def moon(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    r = size / 2
    stage.sky.glow(x, y, r * 3.2, (200, 210, 230), 0.35)
    stage.sky.ellipse(x, y, r, r, (244, 240, 222))
    for dx, dy, k in ((-0.3, -0.2, 0.22), (0.25, 0.3, 0.16), (0.35, -0.35, 0.1)):  # seas
        stage.sky.ellipse(x + dx * r, y + dy * r, k * r * 1.6, k * r * 1.4, (214, 210, 196), 0.8)
    return x - r, y - r, x + r, y + r


def stars(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """Stars over the upper sky; the brighter ones twinkle (`Stage.twinkles`)."""
    rng = np.random.default_rng(stage.rng.getrandbits(32))
    w, top = stage.width, stage.horizon * 0.92
    n = int(w * top / 2600)
    xs, ys = rng.uniform(0, w, n), rng.uniform(0, 1, n) ** 1.3 * top
    bright = rng.uniform(0.25, 1.0, n) ** 2
    unit = stage.short / 720
    for sx, sy, b in zip(xs, ys, bright):
        r = (0.55 + 1.1 * b) * unit
        stage.sky.ellipse(sx, sy, r, r, (255, 252, 236), 0.35 + 0.65 * b)
    for i in np.argsort(-bright)[: min(24, n)]:
        stage.twinkles.append((float(xs[i]), float(ys[i]), float((2.5 + 2 * bright[i]) * unit)))
    return 0.0, float(ys.min()) if n else 0.0, float(w), float(top)


def birds(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    rng = stage.rng
    colour = stage.lit(INK, far=0.1)
    boxes = []
    for _ in range(rng.randint(4, 7)):
        bx, by = x + rng.uniform(-1.6, 1.6) * size, y + rng.uniform(-0.6, 0.6) * size
        s = size * rng.uniform(0.18, 0.3)
        pts = [
            (bx - s, by - s * 0.35),
            (bx - s * 0.45, by - s * 0.5),
            (bx, by),
            (bx + s * 0.45, by - s * 0.5),
            (bx + s, by - s * 0.35),
        ]
        stage.sky.line(pts, max(1.5, s * 0.12), colour)
        boxes.append((bx - s, by - s * 0.6, bx + s, by + s * 0.1))
    return _union(boxes)


# --- things on the ground or the water -------------------------------------------------------


def boat(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """A small fishing boat: red hull, white wheelhouse, a mast; its reflection below."""
    L = size * 2.2  # length
    hull_h = size * 0.32
    hull = stage.lit((176, 58, 46))
    canvas.polygon(
        [
            (x - L / 2, y - hull_h),
            (x + L / 2, y - hull_h * 1.15),
            (x + L * 0.4, y),
            (x - L * 0.42, y),
        ],
        hull,
    )
    canvas.polygon(
        [
            (x - L / 2, y - hull_h),
            (x + L / 2, y - hull_h * 1.15),
            (x + L / 2, y - hull_h * 0.9),
            (x - L / 2, y - hull_h * 0.8),
        ],
        stage.lit((240, 236, 226)),
    )
    cab_x = x - L * 0.12
    canvas.rect(
        cab_x - L * 0.14,
        y - hull_h - size * 0.42,
        cab_x + L * 0.14,
        y - hull_h,
        stage.lit((242, 238, 228)),
        radius=size * 0.04,
    )
    canvas.rect(
        cab_x - L * 0.1,
        y - hull_h - size * 0.34,
        cab_x + L * 0.1,
        y - hull_h - size * 0.2,
        stage.lit((70, 110, 140)) if not stage.light.night else WARM,
    )
    canvas.rect(
        cab_x - L * 0.16,
        y - hull_h - size * 0.48,
        cab_x + L * 0.16,
        y - hull_h - size * 0.42,
        stage.lit((60, 70, 84)),
    )
    mast_x = x + L * 0.18
    canvas.line(
        [(mast_x, y - hull_h), (mast_x, y - size * 1.25)], max(1.5, size * 0.035), stage.lit(METAL)
    )
    canvas.line(
        [(mast_x, y - size * 1.2), (x + L * 0.48, y - hull_h * 1.1)],
        max(1, size * 0.015),
        stage.lit(METAL),
    )
    if stage.water:  # a broken reflection
        for i in range(3):
            yy = y + size * (0.08 + i * 0.09)
            canvas.rect(
                x - L * (0.36 - i * 0.08),
                yy,
                x + L * (0.34 - i * 0.09),
                yy + size * 0.04,
                hull,
                0.35,
            )
    if stage.light.night:
        canvas.light(cab_x, y - hull_h - size * 0.27, size * 0.5, WARM, 0.25)
    return x - L / 2, y - size * 1.25, x + L / 2, y + (size * 0.3 if stage.water else 0)


def ship(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """A steamer: long dark hull, white decks, a funnel with a band, smoke."""
    L = size * 3.2
    canvas.polygon(
        [
            (x - L / 2, y - size * 0.35),
            (x + L / 2 + size * 0.2, y - size * 0.42),
            (x + L * 0.44, y),
            (x - L * 0.46, y),
        ],
        stage.lit((40, 44, 58)),
    )
    canvas.rect(
        x - L * 0.46, y - size * 0.35, x + L * 0.48, y - size * 0.3, stage.lit((190, 50, 44))
    )
    canvas.rect(
        x - L * 0.3,
        y - size * 0.62,
        x + L * 0.25,
        y - size * 0.35,
        stage.lit((238, 236, 230)),
        radius=size * 0.03,
    )
    canvas.rect(
        x - L * 0.18,
        y - size * 0.82,
        x + L * 0.12,
        y - size * 0.62,
        stage.lit((230, 228, 222)),
        radius=size * 0.03,
    )
    for i in range(7):
        wx = x - L * 0.27 + i * L * 0.075
        canvas.ellipse(
            wx,
            y - size * 0.49,
            size * 0.035,
            size * 0.035,
            WARM if stage.light.night else stage.lit((60, 80, 100)),
        )
    fx = x + L * 0.02
    canvas.polygon(
        [
            (fx - size * 0.14, y - size * 0.82),
            (fx + size * 0.14, y - size * 0.82),
            (fx + size * 0.18, y - size * 1.2),
            (fx - size * 0.1, y - size * 1.2),
        ],
        stage.lit((200, 60, 48)),
    )
    canvas.rect(
        fx - size * 0.12, y - size * 1.22, fx + size * 0.19, y - size * 1.14, stage.lit(INK)
    )
    for i in range(3):
        canvas.ellipse(
            fx - size * (0.3 + 0.35 * i),
            y - size * (1.35 + 0.12 * i),
            size * (0.16 + 0.06 * i),
            size * (0.11 + 0.04 * i),
            stage.lit((200, 200, 204), 0.3),
            0.6 - 0.15 * i,
        )
    return x - L / 2, y - size * 1.5, x + L / 2 + size * 0.2, y


def house(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """A cottage: walls, a pitched roof, a door and two windows (lit at dusk and night)."""
    rng = stage.rng
    w, h = size * rng.uniform(1.0, 1.3), size * 0.58
    wall = stage.lit(rng.choice((WALL, (232, 206, 170), (214, 222, 226), (238, 214, 196))))
    roof = stage.lit(rng.choice((ROOF, (92, 96, 110), (150, 92, 62))))
    canvas.rect(x - w / 2, y - h, x + w / 2, y, wall)
    canvas.polygon([(x - w * 0.6, y - h), (x, y - size), (x + w * 0.6, y - h)], roof)
    canvas.rect(x + w * 0.2, y - size * 0.98, x + w * 0.32, y - size * 0.72, roof)  # chimney
    lit_win = WARM if stage.light.name in ("dusk", "night") else stage.lit((96, 130, 160))
    canvas.rect(x - w * 0.36, y - h * 0.72, x - w * 0.12, y - h * 0.42, lit_win)
    canvas.rect(x + w * 0.14, y - h * 0.72, x + w * 0.36, y - h * 0.42, lit_win)
    canvas.rect(x - w * 0.08, y - h * 0.55, x + w * 0.08, y, stage.lit(DARK_WOOD))
    if stage.light.name in ("dusk", "night"):
        canvas.light(x, y - h * 0.55, size * 0.5, WARM, 0.18)
    return x - w * 0.6, y - size, x + w * 0.6, y


def tower(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """A stone tower with battlements and a lit slit window."""
    w = size * 0.36
    stone = stage.lit(STONE)
    canvas.polygon(
        [
            (x - w * 0.55, y),
            (x - w / 2, y - size * 0.85),
            (x + w / 2, y - size * 0.85),
            (x + w * 0.55, y),
        ],
        stone,
    )
    canvas.rect(x - w * 0.62, y - size * 0.92, x + w * 0.62, y - size * 0.84, stone)
    for i in range(4):
        bx = x - w * 0.62 + i * w * 0.37
        canvas.rect(bx, y - size, bx + w * 0.14, y - size * 0.9, stone)
    canvas.polygon(
        [
            (x - w * 0.55, y),
            (x - w / 2, y - size * 0.85),
            (x - w * 0.2, y - size * 0.85),
            (x - w * 0.25, y),
        ],
        stage.lit(ROCK),
        0.35,
    )
    canvas.rect(
        x - w * 0.06,
        y - size * 0.7,
        x + w * 0.06,
        y - size * 0.55,
        WARM if stage.light.night else stage.lit(INK),
    )
    return x - w * 0.62, y - size, x + w * 0.62, y


def tree(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """A round tree: trunk, three tones of canopy (shade, body, light side)."""
    rng = stage.rng
    r = size * 0.34
    canvas.polygon(
        [
            (x - size * 0.05, y),
            (x - size * 0.03, y - size * 0.5),
            (x + size * 0.03, y - size * 0.5),
            (x + size * 0.05, y),
        ],
        stage.lit(DARK_WOOD),
    )
    green = stage.lit(rng.choice((GRASS, DARK_GRASS, (120, 150, 70))))
    cy = y - size + r
    for dx, dy, k, col in (
        (0.0, 0.1, 1.0, mix(green, INK, 0.3)),
        (-0.45, 0.2, 0.7, mix(green, INK, 0.2)),
        (0.45, 0.25, 0.7, mix(green, INK, 0.25)),
        (-0.1, -0.02, 0.85, green),
        (0.2, -0.15, 0.55, mix(green, (255, 255, 220), 0.18)),
    ):
        canvas.ellipse(x + dx * r, cy + dy * r, r * k, r * k * 0.95, col)
    return x - r * 1.2, y - size, x + r * 1.2, y


def lamp(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """Indoors, a table lamp (or the great lens of a lamp room); outdoors, a lantern on a post.
    Its light glows over what is around it."""
    if stage.interior:
        s = size
        canvas.rect(x - s * 0.08, y - s * 0.55, x + s * 0.08, y, stage.lit((120, 100, 80)))
        canvas.ellipse(x, y - s * 0.02, s * 0.22, s * 0.05, stage.lit((100, 84, 66)))
        canvas.polygon(
            [
                (x - s * 0.34, y - s * 0.5),
                (x + s * 0.34, y - s * 0.5),
                (x + s * 0.2, y - s),
                (x - s * 0.2, y - s),
            ],
            mix(WARM, (255, 245, 220), 0.3),
        )
        stage.place.light(x, y - s * 0.6, s * 1.3, WARM, 0.45)
        canvas.light(x, y - s * 0.6, s * 0.6, WARM, 0.25)
        return x - s * 0.34, y - s, x + s * 0.34, y
    s = size
    post = stage.lit(METAL)
    canvas.rect(x - s * 0.03, y - s * 0.8, x + s * 0.03, y, post)
    canvas.rect(x - s * 0.1, y - s * 0.98, x + s * 0.1, y - s * 0.8, WARM)
    canvas.polygon(
        [(x - s * 0.13, y - s * 0.98), (x + s * 0.13, y - s * 0.98), (x, y - s * 1.06)], post
    )
    glow = 0.55 if stage.light.name in ("dusk", "night") else 0.2
    stage.place.light(x, y - s * 0.9, s * 0.6, WARM, glow)
    canvas.glow(x, y - s * 0.9, s * 0.25, WARM, glow * 0.7)
    return x - s * 0.13, y - s * 1.06, x + s * 0.13, y


def great_lamp(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """The lamp of a lighthouse: a tall ribbed lens on a pedestal, blazing."""
    s = size
    canvas.rect(x - s * 0.22, y - s * 0.3, x + s * 0.22, y, stage.lit((90, 84, 80)))
    lens = Grad(mix(WARM, (255, 255, 240), 0.5), (250, 190, 110))
    canvas.polygon(
        [
            (x - s * 0.32, y - s * 0.32),
            (x + s * 0.32, y - s * 0.32),
            (x + s * 0.26, y - s * 0.95),
            (x - s * 0.26, y - s * 0.95),
        ],
        lens,
    )
    for i in range(1, 6):
        yy = y - s * (0.32 + i * 0.105)
        canvas.line([(x - s * 0.3, yy), (x + s * 0.3, yy)], max(1, s * 0.012), (200, 150, 90), 0.7)
    canvas.polygon(
        [(x - s * 0.2, y - s * 0.95), (x + s * 0.2, y - s * 0.95), (x, y - s * 1.1)],
        stage.lit(METAL),
    )
    stage.place.light(x, y - s * 0.6, s * 1.1, WARM, 0.5)
    stage.place.glow(x, y - s * 0.62, s * 0.4, (255, 240, 200), 0.45)
    return x - s * 0.32, y - s * 1.1, x + s * 0.32, y


def car(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    L, h = size * 2.2, size * 0.5
    body = stage.lit(
        stage.rng.choice(((196, 60, 52), (52, 104, 168), (230, 190, 70), (70, 140, 110)))
    )
    canvas.rect(x - L / 2, y - h * 0.95, x + L / 2, y - h * 0.25, body, radius=h * 0.2)
    canvas.polygon(
        [
            (x - L * 0.28, y - h * 0.9),
            (x - L * 0.16, y - h * 1.6),
            (x + L * 0.2, y - h * 1.6),
            (x + L * 0.32, y - h * 0.9),
        ],
        body,
    )
    glass = stage.lit((170, 200, 220)) if not stage.light.night else (60, 70, 90)
    canvas.polygon(
        [
            (x - L * 0.22, y - h * 0.95),
            (x - L * 0.13, y - h * 1.48),
            (x + L * 0.01, y - h * 1.48),
            (x + L * 0.01, y - h * 0.95),
        ],
        glass,
    )
    canvas.polygon(
        [
            (x + L * 0.05, y - h * 0.95),
            (x + L * 0.05, y - h * 1.48),
            (x + L * 0.18, y - h * 1.48),
            (x + L * 0.26, y - h * 0.95),
        ],
        glass,
    )
    for wx in (x - L * 0.3, x + L * 0.3):
        canvas.ellipse(wx, y - h * 0.25, h * 0.3, h * 0.3, stage.lit(INK))
        canvas.ellipse(wx, y - h * 0.25, h * 0.13, h * 0.13, stage.lit((160, 160, 170)))
    if stage.light.name in ("dusk", "night"):
        canvas.glow(x + L / 2, y - h * 0.6, h * 0.35, (255, 240, 200), 0.8)
    return x - L / 2 - h * 0.3, y - h * 1.6, x + L / 2 + h * 0.3, y


def train(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """A locomotive pulling two carriages along rails."""
    h = size * 0.6
    L = size * 4.0
    x0 = x - L / 2
    canvas.rect(x0 - size * 0.4, y - size * 0.05, x0 + L + size * 0.4, y, stage.lit(METAL))
    colour = stage.lit((40, 88, 70))
    for i in range(2):  # carriages
        cx0 = x0 + i * L * 0.33
        canvas.rect(cx0, y - h, cx0 + L * 0.31, y - h * 0.12, colour, radius=h * 0.08)
        for k in range(4):
            wx = cx0 + L * 0.02 + k * L * 0.075
            canvas.rect(
                wx,
                y - h * 0.8,
                wx + L * 0.05,
                y - h * 0.5,
                WARM if stage.light.night else stage.lit((190, 210, 220)),
            )
    ex = x0 + L * 0.67
    canvas.rect(
        ex, y - h * 0.8, ex + L * 0.33, y - h * 0.12, stage.lit((32, 34, 40)), radius=h * 0.1
    )
    canvas.rect(ex, y - h * 1.15, ex + L * 0.12, y - h * 0.8, stage.lit((32, 34, 40)))
    canvas.rect(ex + L * 0.24, y - h * 1.15, ex + L * 0.28, y - h * 0.8, stage.lit((32, 34, 40)))
    canvas.ellipse(
        ex + L * 0.26, y - h * 1.35, h * 0.25, h * 0.16, stage.lit((220, 220, 224), 0.2), 0.7
    )
    for k in range(8):
        canvas.ellipse(x0 + L * (0.04 + k * 0.125), y - h * 0.1, h * 0.1, h * 0.1, stage.lit(INK))
    return x0 - size * 0.4, y - h * 1.5, x0 + L + size * 0.4, y


def table(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """A wooden table seen from the front: its top edge is where small things stand."""
    w = size * 2.0
    top = y - size * 0.75
    wood = stage.lit(WOOD)
    canvas.rect(x - w / 2, top, x + w / 2, top + size * 0.08, wood, radius=size * 0.02)
    canvas.rect(
        x - w / 2, top - size * 0.04, x + w / 2, top + size * 0.01, mix(wood, (255, 240, 210), 0.2)
    )
    dark = stage.lit(DARK_WOOD)
    for lx in (x - w * 0.44, x + w * 0.4):
        canvas.rect(lx, top + size * 0.08, lx + size * 0.07, y, dark)
    canvas.ellipse(x, y, w * 0.55, size * 0.05, (0, 0, 0), 0.2)
    stage.surface = top - size * 0.04
    return x - w / 2, top - size * 0.04, x + w / 2, y + size * 0.05


def window(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """A window in the wall (drawn on the place's layer): the sky of the hour through panes."""
    w, h = size * 0.8, size
    c = stage.place
    frame = stage.lit((244, 240, 232))
    c.rect(
        x - w / 2 - size * 0.05,
        y - h - size * 0.05,
        x + w / 2 + size * 0.05,
        y + size * 0.05,
        frame,
    )
    top, bottom = stage.light.sky
    c.rect(x - w / 2, y - h, x + w / 2, y, Grad(top, bottom))
    if stage.light.night:
        moon_r = size * 0.07
        c.ellipse(x + w * 0.2, y - h * 0.72, moon_r, moon_r, (244, 240, 222))
    c.line([(x, y - h), (x, y)], max(2, size * 0.03), frame)
    c.line([(x - w / 2, y - h / 2), (x + w / 2, y - h / 2)], max(2, size * 0.03), frame)
    c.rect(x - w / 2 - size * 0.1, y, x + w / 2 + size * 0.1, y + size * 0.07, frame)
    return x - w / 2 - size * 0.1, y - h - size * 0.05, x + w / 2 + size * 0.1, y + size * 0.07


def door(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """A panelled door standing on the floor line (on the place's layer)."""
    w = size * 0.5
    c = stage.place
    wood = stage.lit(DARK_WOOD)
    c.rect(
        x - w / 2 - size * 0.04,
        y - size - size * 0.04,
        x + w / 2 + size * 0.04,
        y,
        stage.lit((230, 222, 204)),
    )
    c.rect(x - w / 2, y - size, x + w / 2, y, wood)
    for py in (0.12, 0.55):
        c.rect(
            x - w * 0.35,
            y - size * (1 - py),
            x + w * 0.35,
            y - size * (1 - py - 0.33),
            mix(wood, (0, 0, 0), 0.15),
        )
    c.ellipse(x + w * 0.33, y - size * 0.48, size * 0.025, size * 0.025, (220, 190, 110))
    return x - w / 2 - size * 0.04, y - size * 1.04, x + w / 2 + size * 0.04, y


def candle(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    s = size
    canvas.ellipse(x, y - s * 0.02, s * 0.2, s * 0.05, stage.lit((180, 160, 110)))
    canvas.rect(x - s * 0.07, y - s * 0.55, x + s * 0.07, y, stage.lit((246, 240, 222)))
    canvas.ellipse(x, y - s * 0.68, s * 0.05, s * 0.12, (255, 226, 140))
    canvas.ellipse(x, y - s * 0.66, s * 0.025, s * 0.06, (255, 252, 230))
    stage.place.light(x, y - s * 0.7, s * 1.2, WARM, 0.35)
    canvas.glow(x, y - s * 0.68, s * 0.2, (255, 220, 150), 0.5)
    return x - s * 0.2, y - s * 0.8, x + s * 0.2, y


def book(stage: Stage, canvas: Canvas, x: float, y: float, size: float) -> Box:
    """Two books lying one on the other."""
    s = size
    colours = [
        stage.lit(c)
        for c in stage.rng.sample([(150, 52, 50), (52, 90, 140), (60, 120, 84), (200, 160, 70)], 2)
    ]
    canvas.rect(x - s * 0.5, y - s * 0.16, x + s * 0.5, y, colours[0], radius=s * 0.02)
    canvas.rect(x - s * 0.46, y - s * 0.13, x + s * 0.46, y - s * 0.03, stage.lit((244, 238, 222)))
    canvas.rect(x - s * 0.4, y - s * 0.3, x + s * 0.42, y - s * 0.16, colours[1], radius=s * 0.02)
    return x - s * 0.5, y - s * 0.3, x + s * 0.5, y


THINGS: dict[str, Callable] = {
    "boat": boat,
    "ship": ship,
    "lamp": lamp,
    "house": house,
    "tower": tower,
    "tree": tree,
    "moon": moon,
    "sun": sun,
    "stars": stars,
    "birds": birds,
    "car": car,
    "train": train,
    "table": table,
    "window": window,
    "door": door,
    "candle": candle,
    "book": book,
}
# Where each thing stands and how big it is (a fraction of the frame's short side, at the
# bottom of the frame; things farther up are smaller).
SURFACE = {
    "boat": "water",
    "ship": "water",
    "moon": "sky",
    "sun": "sky",
    "stars": "sky",
    "birds": "sky",
    "window": "wall",
    "door": "floor",
    "table": "floor",
    "candle": "table",
    "book": "table",
}
SIZE = {
    "boat": 0.2,
    "ship": 0.2,
    "lamp": 0.32,
    "house": 0.42,
    "tower": 0.62,
    "tree": 0.6,
    "moon": 0.1,
    "sun": 0.12,
    "stars": 1.0,
    "birds": 0.12,
    "car": 0.2,
    "train": 0.22,
    "table": 0.32,
    "window": 0.34,
    "door": 0.5,
    "candle": 0.12,
    "book": 0.14,
}


# --- places ----------------------------------------------------------------------------------


def _far_land(stage: Stage, colour, rough: float, base: float, far: float) -> None:
    """A far range of low hills along the horizon (on the place layer)."""
    w = stage.width
    x = np.arange(w, dtype=np.float32) / w
    rng = stage.rng
    heights = np.full(w, base, np.float32)
    for cycles in (rng.uniform(0.7, 1.3), rng.uniform(2, 3.5), rng.uniform(5, 8)):
        heights -= (
            rough
            * stage.short
            / cycles
            * (0.5 + 0.5 * np.sin(2 * np.pi * (cycles * x + rng.random()))).astype(np.float32)
        )
    stage.place.ridge(heights, stage.lit(colour, far=far))


def _ground(stage: Stage, colour, far_colour=None) -> Box:
    top = stage.horizon
    near = stage.lit(colour)
    stage.place.band(
        top, stage.height, Grad(stage.lit(far_colour or colour, far=0.45), near, top, stage.height)
    )
    return 0.0, top, float(stage.width), float(stage.height)


def _water(stage: Stage, top: float | None = None) -> Box:
    """Water from `top` (the horizon) down: the time's colours, rows of wave glints that get
    farther apart toward the viewer, the sun's or moon's path on it."""
    top = stage.horizon if top is None else top
    far, near = stage.light.water
    far = mix(far, stage.horizon_colour, 0.35)
    stage.place.band(top, stage.height, Grad(far, near, top, stage.height))
    rng = stage.rng
    glint = mix(stage.horizon_colour, (255, 255, 255), 0.3)
    y, gap = top + 3, stage.short * 0.008
    while y < stage.height:
        d = stage.depth(y)
        for _ in range(int(6 + 10 * (1 - d))):
            gx = rng.uniform(0, stage.width)
            half = stage.short * (0.01 + 0.05 * d) * rng.uniform(0.5, 1.2)
            thick = max(1.0, stage.short * 0.004 * (0.4 + d))
            stage.place.line(
                [(gx - half, y), (gx, y - thick * 0.8), (gx + half, y)],
                thick,
                glint,
                0.25 + 0.35 * d,
            )
        y += gap
        gap *= 1.28
    stage.water = True
    return 0.0, top, float(stage.width), float(stage.height)


def _sun_path(stage: Stage, x: float) -> None:
    """The light of a low sun or the moon on water: a soft column below it."""
    colour = stage.light.sun
    for i in range(14):
        y = stage.horizon + (stage.height - stage.horizon) * (i + 0.5) / 14
        w = stage.short * (0.03 + 0.1 * stage.depth(y)) * stage.rng.uniform(0.6, 1.2)
        stage.place.rect(x - w, y - 1.5, x + w, y + 1.5 + stage.short * 0.004, colour, 0.3)


def sea(stage: Stage) -> list[tuple[str, Box]]:
    return [("sea", _water(stage))]


def lighthouse(stage: Stage) -> list[tuple[str, Box]]:
    """The sea, dark rocks on one side, a white tower banded red with a lamp that shines."""
    out = sea(stage)
    side = stage.rng.choice((-1, 1))
    s, h = stage.short, stage.height
    x = stage.width * (0.5 + side * 0.22)
    base = stage.horizon + (h - stage.horizon) * 0.25
    rock = stage.lit(ROCK)
    rw = s * 0.34
    stage.place.polygon(
        [
            (x - rw, h),
            (x - rw * 0.7, base + s * 0.04),
            (x - rw * 0.2, base - s * 0.02),
            (x + rw * 0.4, base),
            (x + rw * 0.9, base + s * 0.08),
            (x + rw * 1.2, h),
        ],
        rock,
    )
    stage.place.polygon(
        [
            (x - rw * 0.2, base - s * 0.02),
            (x + rw * 0.4, base),
            (x + rw * 0.9, base + s * 0.08),
            (x + rw * 0.2, base + s * 0.1),
        ],
        mix(rock, (255, 255, 255), 0.12),
    )
    tall = s * 0.42
    bottom, top = base + s * 0.01, base - tall
    half_b, half_t = s * 0.055, s * 0.036

    def slice_(y0, y1, colour):
        def half(y):
            return half_t + (half_b - half_t) * (y - top) / (bottom - top)

        stage.place.polygon(
            [(x - half(y0), y0), (x + half(y0), y0), (x + half(y1), y1), (x - half(y1), y1)], colour
        )

    slice_(top, bottom, stage.lit((240, 236, 228)))
    for k in (0.2, 0.5, 0.8):
        slice_(top + tall * k, top + tall * (k + 0.12), stage.lit((190, 44, 44)))
    stage.place.polygon(
        [
            (x + half_t * 0.2, top),
            (x + half_t, top),
            (x + half_b, bottom),
            (x + half_b * 0.2, bottom),
        ],
        (0, 0, 0),
        0.12,
    )
    g = s * 0.06
    stage.place.rect(x - g * 0.9, top - s * 0.012, x + g * 0.9, top + s * 0.004, stage.lit(INK))
    lamp_on = stage.light.name in ("dusk", "night", "dawn") or stage.weather in (
        "fog",
        "storm",
        "rain",
    )
    stage.place.rect(
        x - g * 0.5,
        top - s * 0.06,
        x + g * 0.5,
        top - s * 0.012,
        WARM if lamp_on else stage.lit((160, 190, 210)),
    )
    stage.place.polygon(
        [(x - g * 0.7, top - s * 0.06), (x, top - s * 0.1), (x + g * 0.7, top - s * 0.06)],
        stage.lit(INK),
    )
    if lamp_on:
        beam_dir = -side
        stage.sky.polygon(
            [
                (x, top - s * 0.04),
                (x + beam_dir * stage.width, top - s * 0.2),
                (x + beam_dir * stage.width, top + s * 0.08),
            ],
            (255, 236, 180),
            0.18,
        )
        stage.sky.glow(x, top - s * 0.036, s * 0.06, (255, 236, 180), 0.7)
    out.append(("lighthouse", (x - g * 0.9, top - s * 0.1, x + half_b, bottom)))
    out.append(("rocks", (x - rw, base - s * 0.02, min(x + rw * 1.2, stage.width), h)))
    return out


def harbour(stage: Stage) -> list[tuple[str, Box]]:
    """Calm water, a far shore with houses, a stone quay with bollards on one side."""
    out = [("water", _water(stage))]
    s, w, h = stage.short, stage.width, stage.height
    shore = stage.lit((110, 120, 120), far=0.5)
    stage.place.rect(0, stage.horizon - s * 0.02, w, stage.horizon + 2, shore)
    rng = stage.rng
    for _i in range(rng.randint(5, 9)):
        hx = rng.uniform(0, w)
        hw, hh = s * rng.uniform(0.03, 0.05), s * rng.uniform(0.03, 0.06)
        stage.place.rect(
            hx - hw,
            stage.horizon - s * 0.02 - hh,
            hx + hw,
            stage.horizon,
            stage.lit(rng.choice((WALL, (220, 190, 170))), far=0.5),
        )
        stage.place.polygon(
            [
                (hx - hw * 1.2, stage.horizon - s * 0.02 - hh),
                (hx, stage.horizon - s * 0.02 - hh - hw),
                (hx + hw * 1.2, stage.horizon - s * 0.02 - hh),
            ],
            stage.lit(ROOF, far=0.5),
        )
    side = rng.choice((-1, 1))
    top = stage.horizon + (h - stage.horizon) * 0.55
    x_in = w * (0.5 - side * 0.05)
    x_out = -s * 0.1 if side > 0 else w + s * 0.1
    stone = stage.lit(STONE)
    stage.place.polygon(
        [(x_out, top), (x_in, top), (x_in, top + s * 0.06), (x_out, top + s * 0.06)],
        mix(stone, (255, 255, 255), 0.1),
    )
    stage.place.polygon(
        [(x_out, top + s * 0.06), (x_in, top + s * 0.06), (x_in, h), (x_out, h)],
        Grad(mix(stone, INK, 0.25), mix(stone, INK, 0.55)),
    )
    for k in range(0, 12):
        bx = x_in - side * (k + 0.5) * s * 0.14
        if (bx < 0) or (bx > w):
            break
        stage.place.line(
            [(bx, top + s * 0.06), (bx, h)], max(1, s * 0.003), mix(stone, INK, 0.6), 0.6
        )
    for k in range(3):
        bx = x_in - side * (0.04 + 0.16 * k) * w
        stage.place.rect(
            bx - s * 0.012,
            top - s * 0.035,
            bx + s * 0.012,
            top + s * 0.005,
            stage.lit(INK),
            radius=s * 0.006,
        )
    for _ in range(rng.randint(2, 4)):  # moored masts against the far shore
        mx = w * rng.uniform(0.1, 0.9)
        my = stage.horizon + (top - stage.horizon) * rng.uniform(0.1, 0.4)
        stage.place.line(
            [(mx, my), (mx, my - s * 0.12)], max(1, s * 0.003), stage.lit(INK, far=0.3)
        )
        stage.place.polygon(
            [
                (mx - s * 0.05, my - s * 0.012),
                (mx + s * 0.05, my - s * 0.012),
                (mx + s * 0.04, my),
                (mx - s * 0.04, my),
            ],
            stage.lit(INK, far=0.3),
        )
    out.append(
        (
            "quay",
            (
                min(x_in, x_out) if side > 0 else x_in,
                top - s * 0.035,
                max(x_in, x_out) if side < 0 else x_in,
                h,
            ),
        )
    )
    x0, y0, x1, y1 = out[-1][1]
    out[-1] = ("quay", (max(0.0, x0), y0, min(float(w), x1), y1))
    return out


def beach(stage: Stage) -> list[tuple[str, Box]]:
    s, w, h = stage.short, stage.width, stage.height
    out = [("sea", _water(stage))]
    x = np.arange(w, dtype=np.float32)
    line = (
        stage.horizon
        + (h - stage.horizon) * 0.45
        + s
        * 0.03
        * np.sin(x / w * 2 * np.pi * stage.rng.uniform(0.6, 1.2) + stage.rng.random() * 6)
    )
    stage.place.ridge(line - s * 0.012, (250, 252, 250), 0.7)
    stage.place.ridge(
        line,
        Grad(
            stage.lit(SAND, 0.2), stage.lit(mix(SAND, (200, 150, 100), 0.3)), float(line.min()), h
        ),
    )
    out.append(("sand", (0.0, float(line.min()), float(w), float(h))))
    return out


def river(stage: Stage) -> list[tuple[str, Box]]:
    out = [("land", _ground(stage, GRASS))]
    _far_land(stage, DARK_GRASS, 0.04, stage.horizon + 1, 0.45)
    w, h, hz = stage.width, stage.height, stage.horizon
    swing = stage.rng.choice((-1, 1))
    left, right = [], []
    for i in range(41):
        t = i / 40
        y = hz + (h - hz) * t
        cx = w * (0.5 + swing * 0.18 * math.sin(t * 3.2))
        half = w * (0.01 + 0.38 * t**1.5)
        left.append((cx - half, y))
        right.append((cx + half, y))
    far, near = stage.light.water
    stage.place.polygon(left + right[::-1], Grad(mix(far, stage.horizon_colour, 0.3), near, hz, h))
    xs = [p[0] for p in left + right]
    stage.water = True
    out.append(("river", (max(0.0, min(xs)), hz, min(float(w), max(xs)), float(h))))
    return out


def lake(stage: Stage) -> list[tuple[str, Box]]:
    out = [("lake", _water(stage))]
    _far_land(stage, PINE, 0.07, stage.horizon + 1, 0.4)
    w, h = stage.width, stage.height
    x = np.arange(w, dtype=np.float32)
    shore = (
        h
        - (h - stage.horizon) * 0.18
        + stage.short * 0.02 * np.sin(x / w * 5 + stage.rng.random() * 6)
    )
    stage.place.ridge(shore, stage.lit(GRASS))
    out.append(("shore", (0.0, float(shore.min()), float(w), float(h))))
    return out


def forest(stage: Stage) -> list[tuple[str, Box]]:
    out = [("land", _ground(stage, DARK_GRASS))]
    _far_land(stage, PINE, 0.06, stage.horizon + 1, 0.55)
    rng, w, s = stage.rng, stage.width, stage.short
    for row, far in ((0, 0.45), (1, 0.25), (2, 0.05)):
        y = stage.horizon + (stage.height - stage.horizon) * (0.05 + 0.2 * row)
        size = s * (0.16 + 0.12 * row)
        n = int(w / (size * 0.45)) + 2
        for i in range(n):
            x = (i + rng.uniform(-0.3, 0.3)) * size * 0.45
            if row == 2 and abs(x - w / 2) < w * 0.16:  # a clearing in front for the subject
                continue
            pine(stage, x, y + rng.uniform(-0.1, 0.1) * size, size * rng.uniform(0.8, 1.2), far)
    out.append(("trees", (0.0, stage.horizon - s * 0.5, float(w), float(stage.height))))
    return out


def pine(stage: Stage, x: float, y: float, size: float, far: float) -> None:
    green = stage.lit(PINE, far=far)
    stage.place.rect(
        x - size * 0.03, y - size * 0.2, x + size * 0.03, y, stage.lit(DARK_WOOD, far=far)
    )
    for k in range(3):
        top = y - size * (1 - k * 0.22)
        wide = size * (0.18 + 0.08 * k)
        stage.place.polygon(
            [(x, top), (x + wide, top + size * 0.42), (x - wide, top + size * 0.42)],
            mix(green, (255, 255, 255), 0.05 * k),
        )


def field(stage: Stage) -> list[tuple[str, Box]]:
    out = [("field", _ground(stage, GRASS, far_colour=(150, 170, 110)))]
    _far_land(stage, (120, 150, 110), 0.05, stage.horizon + 1, 0.5)
    w, h = stage.width, stage.height
    x = np.arange(w, dtype=np.float32)
    for k, colour in enumerate(((150, 176, 96), (112, 160, 84), (206, 186, 100))):
        base = stage.horizon + (h - stage.horizon) * (0.25 + 0.28 * k)
        hill = base - stage.short * 0.04 * np.sin(x / w * (2 + k) + stage.rng.random() * 6)
        stage.place.ridge(hill, stage.lit(colour, far=0.3 - 0.1 * k))
        for j in range(5):  # furrows
            stage.place.ridge(
                hill + stage.short * 0.03 * (j + 1) * (1 + k * 0.5),
                stage.lit(mix(colour, INK, 0.12)),
                0.25,
            )
            stage.place.ridge(
                hill + stage.short * 0.03 * (j + 1) * (1 + k * 0.5) + 2,
                stage.lit(colour, far=0.2 - 0.1 * k),
            )
    return out


def mountain(stage: Stage) -> list[tuple[str, Box]]:
    out = [("land", _ground(stage, GRASS))]
    rng, w, s = stage.rng, stage.width, stage.short
    boxes = []
    for far, count, tall in ((0.55, 3, 0.45), (0.25, 2, 0.6)):
        for _ in range(count):
            x = rng.uniform(0.05, 0.95) * w
            hgt, wide = s * tall * rng.uniform(0.7, 1.0), s * rng.uniform(0.45, 0.7)
            peak = stage.horizon - hgt
            base = stage.horizon + 2
            rock = stage.lit((110, 114, 132), far=far)
            stage.place.polygon([(x - wide, base), (x, peak), (x + wide, base)], rock)
            stage.place.polygon(
                [(x, peak), (x + wide, base), (x + wide * 0.2, base)], mix(rock, INK, 0.2)
            )
            cap = 0.28
            stage.place.polygon(
                [
                    (x - wide * cap, peak + hgt * cap),
                    (x, peak),
                    (x + wide * cap, peak + hgt * cap),
                    (x + wide * 0.1, peak + hgt * cap * 0.7),
                    (x - wide * 0.05, peak + hgt * cap * 1.1),
                ],
                stage.lit(SNOW, far=far * 0.6),
            )
            boxes.append((max(0.0, x - wide), peak, min(float(w), x + wide), base))
    _far_land(stage, DARK_GRASS, 0.03, stage.horizon + (stage.height - stage.horizon) * 0.2, 0.1)
    out.append(("mountains", _union(boxes)))
    return out


def desert(stage: Stage) -> list[tuple[str, Box]]:
    out = [("sand", _ground(stage, SAND))]
    w, h, s = stage.width, stage.height, stage.short
    x = np.arange(w, dtype=np.float32)
    for k in range(3):
        base = stage.horizon + (h - stage.horizon) * (0.05 + 0.3 * k)
        crest = base - s * (0.05 + 0.03 * k) * (
            0.5 + 0.5 * np.sin(x / w * (1.5 + k) * 2 * np.pi / 3 + stage.rng.random() * 6)
        )
        sand = stage.lit(mix(SAND, (220, 160, 100), 0.2 * k), far=0.3 - 0.1 * k)
        stage.place.ridge(crest, sand)
        stage.place.ridge(crest + s * 0.012, mix(sand, (120, 70, 60), 0.18), 0.7)
        stage.place.ridge(crest + s * 0.05, sand)
    return out


def snowfield(stage: Stage) -> list[tuple[str, Box]]:
    out = [("snow", _ground(stage, SNOW, far_colour=(200, 214, 232)))]
    _far_land(stage, (200, 210, 228), 0.08, stage.horizon + 1, 0.3)
    w, s = stage.width, stage.short
    for _k in range(stage.rng.randint(3, 6)):
        x = stage.rng.uniform(0, w)
        if abs(x - w / 2) < w * 0.2:
            continue
        pine(stage, x, stage.horizon + s * 0.04, s * 0.14, 0.4)
        stage.place.polygon(
            [
                (x - s * 0.03, stage.horizon + s * 0.04 - s * 0.13),
                (x + s * 0.03, stage.horizon + s * 0.04 - s * 0.13),
                (x, stage.horizon + s * 0.04 - s * 0.15),
            ],
            stage.lit(SNOW),
            0.9,
        )
    x = np.arange(w, dtype=np.float32)
    stage.place.ridge(
        stage.horizon + (stage.height - stage.horizon) * 0.6 - s * 0.03 * np.sin(x / w * 4 + 1),
        stage.lit((226, 234, 246)),
    )
    return out


def village(stage: Stage) -> list[tuple[str, Box]]:
    out = [("land", _ground(stage, GRASS))]
    _far_land(stage, DARK_GRASS, 0.08, stage.horizon + 1, 0.5)
    rng, w, s = stage.rng, stage.width, stage.short
    boxes = []
    canvas_things = stage.things
    stage.things = stage.place  # the village's houses belong to the place
    try:
        for k in range(rng.randint(5, 7)):
            x = w * (0.08 + 0.84 * k / 6) + rng.uniform(-0.03, 0.03) * w
            y = stage.horizon + s * rng.uniform(0.02, 0.08)
            boxes.append(house(stage, stage.place, x, y, s * rng.uniform(0.12, 0.17)))
        for _ in range(3):
            x = rng.uniform(0.05, 0.95) * w
            boxes.append(tree(stage, stage.place, x, stage.horizon + s * 0.1, s * 0.2))
    finally:
        stage.things = canvas_things
    out.append(("houses", _clip(_union(boxes), stage)))
    return out


def _facade(stage: Stage, x0, x1, base, height, colour, far) -> None:
    c = stage.place
    wall = stage.lit(colour, far=far)
    c.rect(x0, base - height, x1, base, wall)
    c.rect(x0 - 2, base - height - stage.short * 0.01, x1 + 2, base - height, mix(wall, INK, 0.3))
    lit = stage.light.name in ("dusk", "night")
    rows = int(height / (stage.short * 0.06))
    cols = max(1, int((x1 - x0) / (stage.short * 0.05)))
    for r in range(rows):
        for k in range(cols):
            wx = x0 + (k + 0.3) * (x1 - x0) / cols
            wy = base - height + (r + 0.35) * height / rows
            on = lit and stage.rng.random() < 0.55
            c.rect(
                wx,
                wy,
                wx + (x1 - x0) / cols * 0.4,
                wy + height / rows * 0.45,
                WARM if on else mix(wall, INK, 0.35),
            )


def street(stage: Stage) -> list[tuple[str, Box]]:
    s, w, h = stage.short, stage.width, stage.height
    rng = stage.rng
    boxes = []
    x = -rng.uniform(0, s * 0.1)
    while x < w:  # a row of buildings behind the pavement
        bw = s * rng.uniform(0.18, 0.3)
        bh = s * rng.uniform(0.25, 0.6)
        _facade(
            stage,
            x,
            x + bw,
            stage.horizon + s * 0.02,
            bh,
            rng.choice(((190, 150, 130), (200, 190, 170), (150, 160, 176), (210, 178, 140))),
            0.3,
        )
        boxes.append(
            (
                max(0.0, x),
                stage.horizon + s * 0.02 - bh,
                min(float(w), x + bw),
                stage.horizon + s * 0.02,
            )
        )
        x += bw + s * rng.uniform(0.0, 0.02)
    top = stage.horizon + s * 0.02
    stage.place.band(top, h, stage.lit((170, 166, 160)))
    road_top = top + (h - top) * 0.3
    stage.place.band(road_top, h, Grad(stage.lit(ROAD, 0.2), stage.lit(mix(ROAD, INK, 0.3))))
    stage.place.band(road_top - s * 0.01, road_top, stage.lit((210, 206, 200)))
    for k in range(6):
        dx = (k + 0.25) * w / 6
        stage.place.rect(
            dx,
            road_top + (h - road_top) * 0.45,
            dx + w / 14,
            road_top + (h - road_top) * 0.45 + s * 0.012,
            (236, 232, 220),
            0.8,
        )
    for k in range(3):
        lamp(stage, stage.place, (k + 0.5) * w / 3, road_top - s * 0.005, s * 0.3)
    return [("buildings", _union(boxes)), ("street", (0.0, top, float(w), float(h)))]


def market(stage: Stage) -> list[tuple[str, Box]]:
    s, w, h = stage.short, stage.width, stage.height
    out = street(stage)[:1]
    stage.place.band(
        stage.horizon + s * 0.02, h, Grad(stage.lit((200, 180, 150)), stage.lit((150, 120, 96)))
    )
    rng = stage.rng
    boxes = []
    n = max(3, int(w / (s * 0.42)))
    base = stage.horizon + (h - stage.horizon) * 0.4
    for k in range(n):
        x0 = (k + 0.06) * w / n
        x1 = (k + 0.94) * w / n
        col = rng.choice(((200, 60, 56), (60, 120, 170), (230, 170, 60), (80, 150, 100)))
        stage.place.rect(x0 + s * 0.01, base - s * 0.2, x0 + s * 0.02, base, stage.lit(DARK_WOOD))
        stage.place.rect(x1 - s * 0.02, base - s * 0.2, x1 - s * 0.01, base, stage.lit(DARK_WOOD))
        stripes = 6
        for j in range(stripes):
            sx0 = x0 + (x1 - x0) * j / stripes
            stage.place.polygon(
                [
                    (sx0, base - s * 0.2),
                    (sx0 + (x1 - x0) / stripes, base - s * 0.2),
                    (sx0 + (x1 - x0) / stripes + s * 0.01, base - s * 0.14),
                    (sx0 + s * 0.01, base - s * 0.14),
                ],
                stage.lit(col if j % 2 == 0 else (244, 240, 230)),
            )
        stage.place.rect(x0, base - s * 0.07, x1, base, stage.lit(WOOD))
        for j in range(5):  # fruit and goods
            gx = x0 + (x1 - x0) * (j + 0.5) / 5
            stage.place.ellipse(
                gx,
                base - s * 0.08,
                s * 0.018,
                s * 0.015,
                stage.lit(
                    rng.choice(((230, 120, 40), (200, 40, 40), (240, 210, 70), (110, 170, 60)))
                ),
            )
        boxes.append((x0, base - s * 0.2, x1, base))
    out.append(("stalls", _clip(_union(boxes), stage)))
    return out


def temple(stage: Stage) -> list[tuple[str, Box]]:
    out = [("land", _ground(stage, (170, 160, 120)))]
    _far_land(stage, DARK_GRASS, 0.05, stage.horizon + 1, 0.45)
    s, w = stage.short, stage.width
    cx = w * 0.5
    base = stage.horizon + (stage.height - stage.horizon) * 0.2
    width = min(w * 0.7, s * 0.9)
    stone = stage.lit((226, 214, 190), far=0.15)
    shade = mix(stone, INK, 0.25)
    for k in range(3):  # steps
        stage.place.rect(
            cx - width / 2 - k * s * 0.02,
            base - s * 0.02 * (3 - k),
            cx + width / 2 + k * s * 0.02,
            base - s * 0.02 * (2 - k),
            mix(stone, INK, 0.05 * k),
        )
    top = base - s * 0.06 - s * 0.3
    n = 6
    for k in range(n):
        x = cx - width / 2 + width * (k + 0.5) / n
        stage.place.rect(x - s * 0.022, top, x + s * 0.022, base - s * 0.06, stone)
        stage.place.rect(x + s * 0.008, top, x + s * 0.022, base - s * 0.06, shade)
    stage.place.rect(
        cx - width / 2 - s * 0.02, top - s * 0.05, cx + width / 2 + s * 0.02, top, stone
    )
    stage.place.polygon(
        [
            (cx - width / 2 - s * 0.03, top - s * 0.05),
            (cx, top - s * 0.16),
            (cx + width / 2 + s * 0.03, top - s * 0.05),
        ],
        shade,
    )
    stage.place.polygon(
        [
            (cx - width / 2 + s * 0.02, top - s * 0.06),
            (cx, top - s * 0.14),
            (cx + width / 2 - s * 0.02, top - s * 0.06),
        ],
        stone,
    )
    out.append(
        ("temple", (cx - width / 2 - s * 0.04, top - s * 0.16, cx + width / 2 + s * 0.04, base))
    )
    return out


def road(stage: Stage) -> list[tuple[str, Box]]:
    out = [("land", _ground(stage, GRASS, far_colour=(150, 170, 120)))]
    _far_land(stage, DARK_GRASS, 0.07, stage.horizon + 1, 0.45)
    w, h, hz, s = stage.width, stage.height, stage.horizon, stage.short
    vx = w * (0.5 + stage.rng.uniform(-0.1, 0.1))
    stage.place.polygon(
        [
            (vx - s * 0.01, hz),
            (vx + s * 0.01, hz),
            (w * 0.5 + w * 0.42, h),
            (w * 0.5 - w * 0.42, h),
        ],
        Grad(stage.lit(ROAD, 0.4), stage.lit(ROAD), hz, h),
    )
    for k in range(8):
        t0, t1 = (k / 8) ** 1.8, ((k + 0.45) / 8) ** 1.8
        y0, y1 = hz + (h - hz) * t0, hz + (h - hz) * t1
        x0, x1 = vx + (w * 0.5 - vx) * t0, vx + (w * 0.5 - vx) * t1
        stage.place.polygon(
            [
                (x0 - s * 0.002 - s * 0.012 * t0, y0),
                (x0 + s * 0.002 + s * 0.012 * t0, y0),
                (x1 + s * 0.002 + s * 0.012 * t1, y1),
                (x1 - s * 0.002 - s * 0.012 * t1, y1),
            ],
            (240, 230, 190),
            0.85,
        )
    out.append(("road", (w * 0.08, hz, w * 0.92, float(h))))
    return out


def bridge(stage: Stage) -> list[tuple[str, Box]]:
    out = [("water", _water(stage))]
    _far_land(stage, DARK_GRASS, 0.05, stage.horizon + 1, 0.45)
    w, s = stage.width, stage.short
    deck = stage.horizon + (stage.height - stage.horizon) * 0.12
    stone = stage.lit(STONE, far=0.15)
    stage.place.rect(-2, deck - s * 0.05, w + 2, deck, stone)
    stage.place.rect(-2, deck - s * 0.075, w + 2, deck - s * 0.05, mix(stone, INK, 0.15))
    n = max(2, int(w / (s * 0.5)))
    span = w / n
    for k in range(n + 1):  # piers, and the arches between them (the water shows through)
        px = k * span
        stage.place.rect(px - s * 0.03, deck, px + s * 0.03, deck + s * 0.2, mix(stone, INK, 0.1))
        if k < n:
            stage.place.polygon(
                [(px + s * 0.03, deck), (px + span - s * 0.03, deck)]
                + [
                    (
                        px + span / 2 + (span / 2 - s * 0.03) * math.cos(a),
                        deck + s * 0.02 + s * 0.06 * math.sin(a),
                    )
                    for a in np.linspace(0, math.pi, 12)
                ],
                stone,
            )
    out.append(("bridge", (0.0, deck - s * 0.075, float(w), deck + s * 0.2)))
    return out


# --- interiors -------------------------------------------------------------------------------


def _room_shell(stage: Stage, wall_colour=WALL, floor_colour=WOOD) -> tuple[Box, Box]:
    """A back wall with a skirting board, and a floor of boards in perspective."""
    w, h, f, s = stage.width, stage.height, stage.horizon, stage.short
    night = stage.light.name in ("dusk", "night")
    wall = (
        stage.lit(wall_colour)
        if not night
        else mix(scale(wall_colour, (0.5, 0.44, 0.42)), WARM, 0.12)
    )
    stage.place.band(0, f, Grad(mix(wall, INK, 0.25), wall, 0, f))
    floor = stage.lit(floor_colour) if not night else scale(floor_colour, (0.55, 0.46, 0.42))
    stage.place.band(f, h, Grad(mix(floor, INK, 0.15), mix(floor, INK, 0.45), f, h))
    stage.place.band(f - s * 0.02, f, mix(wall, INK, 0.35))
    for k in range(-8, 9):  # boards converging to the middle
        stage.place.line(
            [(w / 2 + k * w * 0.03, f), (w / 2 + k * w * 0.16, h)],
            max(1, s * 0.002),
            mix(floor, INK, 0.4),
            0.5,
        )
    return (0.0, 0.0, float(w), float(f)), (0.0, float(f), float(w), float(h))


def room(stage: Stage) -> list[tuple[str, Box]]:
    wall, floor = _room_shell(stage, stage.rng.choice((WALL, (214, 200, 170), (196, 210, 200))))
    s = stage.short
    x = stage.width * stage.rng.choice((0.2, 0.8))
    frame = (x - s * 0.1, stage.horizon * 0.35, x + s * 0.1, stage.horizon * 0.35 + s * 0.14)
    stage.place.rect(*frame, stage.lit((120, 90, 60)))
    stage.place.rect(
        frame[0] + s * 0.012,
        frame[1] + s * 0.012,
        frame[2] - s * 0.012,
        frame[3] - s * 0.012,
        Grad(stage.lit((120, 170, 200)), stage.lit((110, 150, 90))),
    )
    return [("wall", wall), ("floor", floor), ("picture", frame)]


def kitchen(stage: Stage) -> list[tuple[str, Box]]:
    wall, floor = _room_shell(stage, (226, 222, 206), (150, 140, 130))
    w, f, s = stage.width, stage.horizon, stage.short
    tile = stage.lit((210, 224, 226))
    top = f - s * 0.32
    stage.place.rect(0, top - s * 0.16, w, top, tile)
    for k in range(int(w / (s * 0.05)) + 1):
        stage.place.line(
            [(k * s * 0.05, top - s * 0.16), (k * s * 0.05, top)], 1, mix(tile, INK, 0.2), 0.6
        )
    stage.place.rect(0, top, w, top + s * 0.03, stage.lit((90, 80, 76)))
    stage.place.rect(0, top + s * 0.03, w, f, stage.lit((120, 150, 140)))
    for k in range(int(w / (s * 0.2)) + 1):
        x = k * s * 0.2
        stage.place.rect(
            x + s * 0.01,
            top + s * 0.05,
            x + s * 0.19,
            f - s * 0.02,
            stage.lit((136, 168, 156)),
            radius=s * 0.01,
        )
        stage.place.rect(
            x + s * 0.08, top + s * 0.07, x + s * 0.12, top + s * 0.08, stage.lit(METAL)
        )
    shelf = top - s * 0.32
    stage.place.rect(w * 0.1, shelf, w * 0.9, shelf + s * 0.015, stage.lit(WOOD))
    for k in range(7):
        jx = w * (0.14 + 0.11 * k)
        stage.place.rect(
            jx,
            shelf - s * 0.07,
            jx + s * 0.04,
            shelf,
            stage.lit(stage.rng.choice(((200, 120, 60), (230, 220, 200), (120, 160, 190)))),
            radius=s * 0.008,
        )
    # a kettle on the counter
    kx = w * stage.rng.choice((0.25, 0.75))
    stage.place.ellipse(kx, top - s * 0.045, s * 0.05, s * 0.045, stage.lit((190, 60, 50)))
    stage.place.line(
        [(kx + s * 0.05, top - s * 0.06), (kx + s * 0.08, top - s * 0.09)],
        s * 0.012,
        stage.lit((190, 60, 50)),
    )
    return [
        ("wall", wall),
        ("floor", floor),
        ("counter", (0.0, top - s * 0.16, float(w), float(f))),
        ("kettle", (kx - s * 0.05, top - s * 0.09, kx + s * 0.09, top)),
    ]


def lamp_room(stage: Stage) -> list[tuple[str, Box]]:
    """The top of a lighthouse: a ring of tall panes with the sea and sky outside, a rail."""
    w, h, f, s = stage.width, stage.height, stage.horizon, stage.short
    sky_top, sky_bottom = stage.light.sky
    stage.place.band(0, f, Grad(sky_top, sky_bottom, 0, f * 0.7))
    sea_top = f * 0.7
    far, near = stage.light.water
    stage.place.band(sea_top, f, Grad(mix(far, sky_bottom, 0.3), near, sea_top, f))
    metal = stage.lit((60, 64, 74)) if not stage.light.night else (40, 44, 56)
    n = max(3, int(w / (s * 0.3)))
    for k in range(n + 1):
        x = k * w / n
        stage.place.rect(x - s * 0.012, 0, x + s * 0.012, f, metal)
    for y in (f * 0.08, f * 0.55):
        stage.place.rect(0, y, w, y + s * 0.012, metal)
    stage.place.band(f, h, Grad(mix(metal, (120, 110, 100), 0.3), mix(metal, INK, 0.5), f, h))
    stage.place.rect(0, f - s * 0.1, w, f - s * 0.09, stage.lit((150, 130, 90)))
    for k in range(int(w / (s * 0.06)) + 1):
        stage.place.rect(
            k * s * 0.06, f - s * 0.1, k * s * 0.06 + s * 0.006, f, stage.lit((150, 130, 90))
        )
    return [
        ("panes", (0.0, 0.0, float(w), float(f))),
        ("floor", (0.0, float(f), float(w), float(h))),
    ]


def shop(stage: Stage) -> list[tuple[str, Box]]:
    wall, floor = _room_shell(stage, (224, 208, 180))
    w, f, s = stage.width, stage.horizon, stage.short
    rng = stage.rng
    for k in range(4):
        y = f - s * (0.12 + 0.15 * k)
        stage.place.rect(w * 0.05, y, w * 0.95, y + s * 0.015, stage.lit(WOOD))
        x = w * 0.06
        while x < w * 0.93:
            bw = s * rng.uniform(0.02, 0.05)
            bh = s * rng.uniform(0.06, 0.11)
            stage.place.rect(
                x,
                y - bh,
                x + bw,
                y,
                stage.lit(
                    rng.choice(
                        (
                            (170, 60, 50),
                            (60, 100, 150),
                            (210, 170, 70),
                            (70, 130, 90),
                            (230, 220, 200),
                        )
                    )
                ),
            )
            x += bw + s * rng.uniform(0.002, 0.02)
    stage.place.rect(w * 0.2, f - s * 0.02, w * 0.8, f + s * 0.04, stage.lit(DARK_WOOD))
    return [
        ("wall", wall),
        ("floor", floor),
        ("shelves", (w * 0.05, f - s * 0.62, w * 0.95, float(f))),
    ]


def hall(stage: Stage) -> list[tuple[str, Box]]:
    wall, floor = _room_shell(stage, (220, 212, 200), (190, 180, 170))
    w, f, s = stage.width, stage.horizon, stage.short
    n = max(3, int(w / (s * 0.35)))
    for k in range(n):
        x = (k + 0.5) * w / n
        top = f * 0.18
        stage.place.rect(
            x - s * 0.07,
            top + s * 0.12,
            x + s * 0.07,
            f * 0.75,
            Grad(stage.light.sky[0], stage.light.sky[1]),
        )
        stage.place.ellipse(x, top + s * 0.12, s * 0.07, s * 0.07, stage.light.sky[0])
        cx = k * w / n
        stage.place.rect(cx - s * 0.035, 0, cx + s * 0.035, f, stage.lit((236, 230, 220)))
        stage.place.rect(cx + s * 0.01, 0, cx + s * 0.035, f, stage.lit((200, 192, 180)))
    for k in range(10):
        stage.place.line(
            [
                (0, f + (stage.height - f) * (k / 10) ** 1.5),
                (w, f + (stage.height - f) * (k / 10) ** 1.5),
            ],
            1,
            stage.lit(INK),
            0.25,
        )
    return [("wall", wall), ("floor", floor), ("columns", (0.0, 0.0, float(w), float(f)))]


def classroom(stage: Stage) -> list[tuple[str, Box]]:
    wall, floor = _room_shell(stage, (220, 226, 206))
    w, f, s = stage.width, stage.horizon, stage.short
    board = (
        w * 0.5 - min(w * 0.38, s * 0.6),
        f * 0.28,
        w * 0.5 + min(w * 0.38, s * 0.6),
        f * 0.28 + s * 0.3,
    )
    stage.place.rect(
        board[0] - s * 0.015,
        board[1] - s * 0.015,
        board[2] + s * 0.015,
        board[3] + s * 0.015,
        stage.lit(WOOD),
    )
    stage.place.rect(*board, stage.lit((46, 76, 62)))
    for k in range(3):
        y = board[1] + s * (0.06 + 0.08 * k)
        stage.place.line(
            [(board[0] + s * 0.05, y), (board[0] + s * (0.25 + 0.1 * k), y + s * 0.01)],
            max(1, s * 0.004),
            (230, 236, 230),
            0.7,
        )
    for row in range(2):
        y = f + (stage.height - f) * (0.3 + 0.45 * row)
        for k in range(4):
            x = w * (0.15 + 0.23 * k)
            dw = s * (0.12 + 0.06 * row)
            stage.place.rect(
                x - dw,
                y - s * (0.08 + 0.03 * row),
                x + dw,
                y - s * (0.06 + 0.03 * row),
                stage.lit(WOOD),
            )
            stage.place.rect(
                x - dw * 0.9, y - s * (0.06 + 0.03 * row), x - dw * 0.82, y, stage.lit(METAL)
            )
            stage.place.rect(
                x + dw * 0.82, y - s * (0.06 + 0.03 * row), x + dw * 0.9, y, stage.lit(METAL)
            )
    return [("wall", wall), ("floor", floor), ("blackboard", board)]


def abstract(stage: Stage) -> list[tuple[str, Box]]:
    """For a scene whose words name no place: soft overlapping discs of the light's colours."""
    rng, w, h, s = stage.rng, stage.width, stage.height, stage.short
    top, bottom = stage.sky_colours
    stage.place.band(0, h, Grad(top, mix(bottom, INK, 0.3), 0, h), 0.6)
    for _ in range(rng.randint(7, 11)):
        r = s * rng.uniform(0.08, 0.25)
        colour = mix(
            rng.choice((top, bottom, stage.light.sun)), (255, 255, 255), rng.uniform(0, 0.25)
        )
        stage.place.ellipse(
            rng.uniform(0, w), rng.uniform(0, h), r, r, colour, rng.uniform(0.15, 0.4)
        )
    return [("abstract", (0.0, 0.0, float(w), float(h)))]


PLACES: dict[str, Callable[[Stage], list[tuple[str, Box]]]] = {
    "sea": sea,
    "lighthouse": lighthouse,
    "harbour": harbour,
    "beach": beach,
    "river": river,
    "lake": lake,
    "bridge": bridge,
    "forest": forest,
    "field": field,
    "mountain": mountain,
    "desert": desert,
    "snowfield": snowfield,
    "village": village,
    "street": street,
    "market": market,
    "temple": temple,
    "road": road,
    "room": room,
    "kitchen": kitchen,
    "lamp room": lamp_room,
    "shop": shop,
    "hall": hall,
    "classroom": classroom,
}


def _union(boxes) -> Box:
    boxes = list(boxes)
    if not boxes:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _clip(box: Box, stage: Stage) -> Box:
    return (
        max(0.0, box[0]),
        max(0.0, box[1]),
        min(float(stage.width), box[2]),
        min(float(stage.height), box[3]),
    )
