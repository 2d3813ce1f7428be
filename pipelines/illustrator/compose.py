"""Composing a scene: a reading (place, time, weather, things) → depth layers + a scene graph.

    sky     the time's palette and weather; sun, moon, stars, birds        (back plate)
    place   the middle ground: sea, harbour, room, ...                       (back plate)
    things  the foreground: boat, lamp, table, ...                           (front layer)

Placement rules: the horizon (or an interior's floor line) sits a little below the middle; the
subject (the first thing the shot names) stands on a third, on the side where the place's own
landmark is not; things are scaled by depth (nearer the bottom, bigger); later things take
the first spot that neither overlaps the subject nor an earlier thing; every box stays inside
the frame. The seed varies all of it, so two shots of one place differ and one seed always
gives one picture.

The sky and the place are flattened into one opaque back plate and the things are a separate
RGBA layer: the camera moves the front layer more than the back (parallax, `motion`), and each
extra blended layer costs a frame about a millisecond.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field

import numpy as np
from PIL import Image

from pipelines.illustrator.motifs import (
    LIGHTS,
    PLACES,
    SIZE,
    SURFACE,
    THINGS,
    Light,
    Stage,
    _sky_spot,
    abstract,
    draw_sky,
    great_lamp,
)
from pipelines.illustrator.read import ShotReading

# How much farther the front layer travels than the camera's move (the back plate travels 1x).
FRONT_DEPTH = 1.6
MAX_THINGS = 4
# With no time in the words, scenes step through these from a seeded start.
DEFAULT_TIMES = ("day", "dusk", "dawn", "day", "night")
# Half the width of each thing for its size ("size" is about its height), to keep it in frame.
HALF_WIDTH = {
    "boat": 1.15,
    "ship": 1.85,
    "car": 1.3,
    "train": 2.45,
    "table": 1.05,
    "house": 0.8,
    "tower": 0.25,
    "tree": 0.45,
    "lamp": 0.36,
    "candle": 0.2,
    "book": 0.5,
    "door": 0.3,
    "window": 0.5,
    "birds": 1.9,
    "sun": 0.5,
    "moon": 0.5,
}


@dataclass
class Motif:
    name: str
    layer: str  # "sky", "place" or "things"
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in the picture's pixels


@dataclass
class SceneGraph:
    """What the illustrator drew: the reading it drew from and every motif with its layer."""

    place: str | None
    interior: bool
    time: str
    weather: str | None
    motifs: list[Motif] = field(default_factory=list)
    layers: list[tuple[str, float]] = field(default_factory=list)  # (plate, depth): back first

    def names(self, layer: str | None = None) -> list[str]:
        return [m.name for m in self.motifs if layer is None or m.layer == layer]

    def find(self, name: str) -> Motif | None:
        return next((m for m in self.motifs if m.name == name), None)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Drawing:
    """A drawn scene: an opaque back plate, a front layer (straight RGBA) with its box, the
    weather to animate, the stars that twinkle (x, y, radius on the back plate) and where the
    caption's panel is on the back plate (coverage, HxW uint8): nothing shows over it."""

    back: np.ndarray  # HxWx3 uint8
    front: np.ndarray | None  # HxWx4 uint8, or None when nothing is in front
    front_box: tuple[int, int, int, int] | None
    graph: SceneGraph
    weather: str | None = None
    twinkles: list[tuple[float, float, float]] = field(default_factory=list)
    front_depth: float = FRONT_DEPTH
    texts: list[str] = field(default_factory=list)  # the words set on the card (heading, caption)
    caption: np.ndarray | None = None

    @property
    def size(self) -> tuple[int, int]:
        return self.back.shape[1], self.back.shape[0]

    def flat(self) -> Image.Image:
        """The front layer over the back plate, as one RGB picture; the caption's panel shows
        the back plate alone, as every frame of the film does."""
        if self.front is None:
            return Image.fromarray(self.back)
        back = self.back.astype(np.float32)
        a = self.front[..., 3:].astype(np.float32) / 255
        if self.caption is not None:
            a *= 1 - self.caption[..., None].astype(np.float32) / 255
        out = back + (self.front[..., :3].astype(np.float32) - back) * a
        return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8))


def light_for(time: str | None, variant: int, seed: int) -> Light:
    """The light of `time`, or, where the words say none, a seeded step through DEFAULT_TIMES
    by the scene's index (neighbouring scenes differ)."""
    if time in LIGHTS:
        return LIGHTS[time]  # type: ignore[index]
    start = random.Random(f"illustrate-time:{seed}").randrange(len(DEFAULT_TIMES))
    return LIGHTS[DEFAULT_TIMES[(start + variant) % len(DEFAULT_TIMES)]]


def compose(
    reading: ShotReading,
    size: tuple[int, int],
    seed: int,
    *,
    variant: int = 0,
    shot: int = 0,
) -> Drawing:
    """Draw `reading` at `size` (width, height). `variant` (the scene's index) picks the light
    where no time is named; `shot` varies the composition within a scene."""
    width, height = int(size[0]), int(size[1])
    rng = random.Random(f"illustrate:{seed}:{variant}:{shot}")
    light = light_for(reading.time, variant, seed)
    stage = Stage(width, height, light, reading.weather, rng, interior=reading.interior)
    stage.horizon = height * (
        rng.uniform(0.66, 0.72) if reading.interior else rng.uniform(0.56, 0.64)
    )
    graph = SceneGraph(reading.place, reading.interior, light.name, reading.weather)
    graph.layers = [("back", 1.0), ("front", FRONT_DEPTH)]

    # 1. Sky: the palette of the hour, clouds and haze of the weather.
    draw_sky(stage)
    graph.motifs.append(Motif("sky", "sky", (0.0, 0.0, float(width), float(stage.horizon))))

    # 2. Place: the middle ground, or an abstract card where no place is named.
    draw_place = PLACES.get(reading.place or "", abstract)
    if reading.place is None and reading.interior:
        draw_place = PLACES["room"]
    for name, box in draw_place(stage):
        graph.motifs.append(Motif(name, "place", _inside(box, width, height)))
    landmarks = [
        m.box for m in graph.motifs if m.layer == "place" and _area(m.box) < 0.3 * width * height
    ]

    # 3. Things: the subject on a third, the others where they do not cover it.
    placed: list[tuple[float, float, float, float]] = []
    subject_side = _subject_side(landmarks, width, rng)
    things = list(reading.things)[:MAX_THINGS]
    if any(_on_table(t, reading) for t in things) and "table" not in things:
        things.insert(next(i for i, t in enumerate(things) if _on_table(t, reading)), "table")
    table = None
    for thing in things:
        box = _draw_thing(stage, thing, subject_side, placed, reading, table)
        if box is None:
            continue
        layer = (
            "sky"
            if SURFACE.get(thing) == "sky"
            else "place"
            if thing in ("window", "door")
            else "things"
        )
        box = tuple(round(float(v), 1) for v in box)
        graph.motifs.append(
            Motif(thing, layer, box if layer == "things" else _inside(box, width, height))
        )
        if thing == "table":
            table = box
        if layer != "sky" and not _on_table(thing, reading):
            placed.append(box)

    back = stage.place.over(stage.sky)
    dither = np.random.default_rng(rng.getrandbits(32))
    back_rgb = back.rgb8(dither)
    front_box = stage.things.box()
    front = stage.things.rgba8(front_box) if front_box is not None else None
    return Drawing(back_rgb, front, front_box, graph, reading.weather, list(stage.twinkles))


def _subject_side(landmarks, width: int, rng: random.Random) -> float:
    """The third (as a fraction of the width) with less of the place's landmarks on it."""
    thirds = [1 / 3, 2 / 3]
    rng.shuffle(thirds)

    def covered(f: float) -> float:
        x = width * f
        return sum(
            max(0.0, min(b[2], x + width * 0.12) - max(b[0], x - width * 0.12)) for b in landmarks
        )

    return min(thirds, key=covered)


def _on_table(thing: str, reading: ShotReading) -> bool:
    """Small things stand on a table indoors (a lamp room's lamp stands on the floor)."""
    if not reading.interior:
        return False
    return SURFACE.get(thing) == "table" or (thing == "lamp" and reading.place != "lamp room")


def _draw_thing(stage: Stage, thing: str, side: float, placed: list, reading: ShotReading, table):
    """Draw one thing where the rules put it; its box, or None if it has no room."""
    w, h, s = stage.width, stage.height, stage.short
    rng = stage.rng
    surface = SURFACE.get(thing, "ground")
    draw = THINGS[thing]
    if surface == "sky":
        sx, sy = _sky_spot(stage, 1 if side > 0.5 else -1)
        if thing == "stars":
            return draw(stage, stage.sky, 0, 0, s)
        size = s * SIZE[thing]
        sx = _keep_in(sx, size * HALF_WIDTH[thing], w)
        return draw(stage, stage.sky, sx, max(sy, size), size)
    if stage.interior and thing == "lamp" and reading.place == "lamp room":
        size = min(s * 0.62, stage.horizon * 0.85)
        x = _keep_in(w * side, size * 0.34, w)
        return great_lamp(stage, stage.things, x, stage.horizon + (h - stage.horizon) * 0.35, size)
    if _on_table(thing, reading) and table is not None:
        on = stage.things.__dict__.setdefault("_on_table", [])
        size = s * SIZE[thing]
        slots = (0.3, 0.7, 0.5)
        x = table[0] + (table[2] - table[0]) * slots[len(on) % 3]
        on.append(thing)
        return draw(stage, stage.things, x, stage.surface or stage.horizon, size)
    if surface == "wall":
        size = s * SIZE[thing] * (1.0 if stage.interior else 0.6)
        x = w * (1 - side)
        x = _keep_in(x, size * HALF_WIDTH[thing] + s * 0.1, w)
        return draw(stage, stage.things, x, stage.horizon - s * 0.12, size)
    # Ground, water or floor: by depth, first the subject's spot, then others.
    spots = [(side, 0.55), (1 - side, 0.35), (0.5, 0.25), (side, 0.2), (1 - side, 0.7)]
    spots += [(1 - side, 0.1), (0.5, 0.08), (side, 0.06)]  # far off, small
    if placed:
        spots = spots[1:] + spots[:1]
    if stage.water and surface == "ground" and not stage.interior:  # on the far shore
        spots = [(1 - side, 0.03), (0.5, 0.03), (side, 0.03)]
    for shrink in (1.0, 0.6, 0.4):  # smaller, if there is no room at full size
        for fx, depth in spots:
            y = stage.horizon + (h - stage.horizon) * depth
            size = s * SIZE[thing] * (0.45 + 0.8 * depth) * shrink
            half = size * HALF_WIDTH.get(thing, 0.6)
            if 2 * half > w * 0.9:
                size *= w * 0.9 / (2 * half)
                half = w * 0.45
            x = _keep_in(w * fx + rng.uniform(-0.03, 0.03) * w, half, w)
            box = (x - half, y - size * 1.3, x + half, y)
            if box[1] < 0:
                continue
            if not any(_overlap(box, b) for b in placed):
                return draw(stage, stage.things, x, y, size)
    return None


def _keep_in(x: float, half: float, width: float, margin: float = 0.02) -> float:
    lo, hi = half + width * margin, width - half - width * margin
    return min(max(x, lo), hi) if lo <= hi else width / 2


def _overlap(a, b, pad: float = 0.0) -> bool:
    return a[0] - pad < b[2] and b[0] - pad < a[2] and a[1] - pad < b[3] and b[1] - pad < a[3]


def _area(box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _inside(box, width: int, height: int) -> tuple[float, float, float, float]:
    """A box as reported: rounded to whole pixels, cut to the frame (shapes may run off it)."""
    x0, y0, x1, y1 = (round(float(v), 1) for v in box)
    return max(0.0, x0), max(0.0, y0), min(float(width), x1), min(float(height), y1)
