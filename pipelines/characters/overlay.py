"""Characters composited onto frames, straight in yuv420p, cheaply.

Everything that can be done once is: each layer is converted to Y, U and V planes when the film
is planned, and split into its opaque pixels (copied) and its soft edge (blended, a few thousand
pixels). A frame then costs a masked copy per layer and two small patch copies (mouth, eyes):
well under a millisecond at 720p, against the tens of milliseconds the frame itself takes.

`Cast` travels inside the `FrameSpec` to the Ray tasks that render frames; it holds per-frame
arrays (mouth shape, blink, nod, breath) and, per shot, who stands where.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from pipelines.characters.looks import Look
from pipelines.characters.mouths import SHAPES
from pipelines.motion import yuv_planes

MIN_SCALE = 0.3  # a character kept clear of a caption is drawn at least this large


@dataclass
class Layer:
    """An RGBA picture as planes: Y (h×w), U and V (h/2×w/2), with alpha split into opaque
    pixels and an edge of partly transparent ones."""

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    opaque: np.ndarray  # bool h×w
    opaque_c: np.ndarray  # bool h/2×w/2
    edge: tuple[np.ndarray, np.ndarray, np.ndarray]  # rows, cols, alpha (uint16)
    edge_c: tuple[np.ndarray, np.ndarray, np.ndarray]

    @classmethod
    def of(cls, rgba: np.ndarray) -> Layer:
        h, w = rgba.shape[:2]
        assert h % 2 == 0 and w % 2 == 0, "layers are cut on even pixels"
        y, u, v = yuv_planes(np.ascontiguousarray(rgba[..., :3]))
        alpha = rgba[..., 3] if rgba.shape[2] == 4 else np.full((h, w), 255, np.uint8)
        return cls.of_planes(y, u, v, alpha)

    @classmethod
    def of_planes(cls, y, u, v, alpha: np.ndarray) -> Layer:
        h, w = alpha.shape
        alpha_c = alpha.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3)).round().astype(np.uint8)
        return cls(y, u, v, alpha == 255, alpha_c == 255, _edge(alpha), _edge(alpha_c))

    def alpha(self) -> np.ndarray:
        """The layer's alpha (h×w uint8), from its opaque pixels and edge."""
        out = np.where(self.opaque, 255, 0).astype(np.uint8)
        rows, cols, a = self.edge
        out[rows, cols] = a
        return out

    def scaled(self, size: tuple[int, int]) -> Layer:
        """The layer resampled to `size` (even width, height), colour weighted by alpha so
        that the transparent pixels' colour does not bleed into the edge."""
        w, h = size
        alpha = self.alpha()
        a = cv2.resize(alpha.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
        a_c = cv2.resize(a, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        half = cv2.resize(alpha, (self.width // 2, self.height // 2), interpolation=cv2.INTER_AREA)

        def plane(p: np.ndarray, weight: np.ndarray, out_a: np.ndarray, dsize) -> np.ndarray:
            premul = cv2.resize(p.astype(np.float32) * weight, dsize, interpolation=cv2.INTER_AREA)
            return np.clip(premul / np.maximum(out_a, 1e-3) + 0.5, 0, 255).astype(np.uint8)

        y = plane(self.y, alpha.astype(np.float32), a, (w, h))
        u = plane(self.u, half.astype(np.float32), a_c, (w // 2, h // 2))
        v = plane(self.v, half.astype(np.float32), a_c, (w // 2, h // 2))
        return Layer.of_planes(y, u, v, np.clip(a + 0.5, 0, 255).astype(np.uint8))

    @property
    def height(self) -> int:
        return self.y.shape[0]

    @property
    def width(self) -> int:
        return self.y.shape[1]


def _edge(alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols = np.nonzero((alpha > 0) & (alpha < 255))
    return rows, cols, alpha[rows, cols].astype(np.uint16)


@dataclass
class Patch:
    """An opaque RGB picture as planes, pasted as it is."""

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray

    @classmethod
    def of(cls, rgb: np.ndarray) -> Patch:
        return cls(*yuv_planes(np.ascontiguousarray(rgb[..., :3])))

    def scaled(self, scale: float) -> Patch:
        w, h = _even(self.y.shape[1] * scale), _even(self.y.shape[0] * scale)
        return Patch(
            cv2.resize(self.y, (w, h), interpolation=cv2.INTER_AREA),
            cv2.resize(self.u, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
            cv2.resize(self.v, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
        )


@dataclass
class Sprite:
    """One character's look as planes."""

    body: Layer | None
    head: Layer
    head_at: tuple[int, int]
    mouths: list[Patch]  # in SHAPES order
    mouth_at: tuple[int, int]
    eyes_closed: Patch | None
    eyes_at: tuple[int, int]
    width: int
    height: int

    @classmethod
    def of(cls, look: Look) -> Sprite:
        return cls(
            Layer.of(look.body) if look.body is not None else None,
            Layer.of(look.head),
            look.head_at,
            [Patch.of(look.mouths[s]) for s in SHAPES],
            look.mouth_at,
            Patch.of(look.eyes_closed) if look.eyes_closed is not None else None,
            look.eyes_at,
            *look.size,
        )

    def scaled(self, scale: float) -> Sprite:
        """The same look `scale` times as large (every offset and size kept even)."""

        def at(p: tuple[int, int]) -> tuple[int, int]:
            return _even(p[0] * scale, 0), _even(p[1] * scale, 0)

        def layer(lay: Layer) -> Layer:
            return lay.scaled((_even(lay.width * scale), _even(lay.height * scale)))

        return Sprite(
            layer(self.body) if self.body is not None else None,
            layer(self.head),
            at(self.head_at),
            [m.scaled(scale) for m in self.mouths],
            at(self.mouth_at),
            self.eyes_closed.scaled(scale) if self.eyes_closed is not None else None,
            at(self.eyes_at),
            _even(self.width * scale),
            _even(self.height * scale),
        )


def _even(v: float, least: int = 2) -> int:
    return max(least, round(v / 2) * 2)


@dataclass
class Standing:
    """A character on screen for a span of frames, at a place."""

    character: int  # index into Cast.sprites
    start: int  # first frame (inclusive)
    end: int  # last frame (exclusive)
    x: int  # left edge of the character, even
    y: int  # top edge (the character may run past the bottom of the frame)
    # drawn smaller than their look (`Cast.clear_of`): the scale and the scaled looks
    scale: float = 1.0
    sprite: Sprite | None = None
    quiet: Sprite | None = None


@dataclass
class Cast:
    """Who is on screen in each shot, and how each character moves, frame by frame."""

    width: int
    height: int
    sprites: list[Sprite]
    mouth: list[np.ndarray]  # per character: shape index per film frame
    blink: list[np.ndarray]  # per character: eyes closed per frame
    nod: list[np.ndarray]  # per character: head offset (px, int) per frame
    breath: list[np.ndarray]  # per character: body offset (px, int) per frame
    shots: dict[int, list[Standing]] = field(default_factory=dict)  # shot index → standings
    names: list[str] = field(default_factory=list)  # the characters, in `sprites` order
    # studio tier: per character, frame → its face animated by the lip-sync model, and where
    # that face sits on the head (see `characters.talking_faces`)
    faces: list[dict[int, Patch]] = field(default_factory=list)
    face_at: list[tuple[int, int]] = field(default_factory=list)
    # a two-host show (`pipelines.show`): per character, the frames where they hold the floor,
    # and their dimmed sprite, drawn in the other frames
    floor: list[np.ndarray] = field(default_factory=list)
    quiet: list[Sprite] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.faces = self.faces or [{} for _ in self.sprites]
        self.face_at = self.face_at or [(0, 0) for _ in self.sprites]

    def standing(self, name: str, shot: int) -> Standing | None:
        """Where `name` stands in shot `shot` (None: not in it)."""
        k = self.names.index(name)
        return next((s for s in self.shots.get(shot, []) if s.character == k), None)

    def mouth_box(self, name: str, shot: int) -> tuple[int, int, int, int] | None:
        """(x, y, width, height) of `name`'s mouth in shot `shot`, the head at rest."""
        s = self.standing(name, shot)
        if s is None:
            return None
        sprite = self.sprites[s.character]
        patch = sprite.mouths[0].y
        x = s.x + sprite.head_at[0] + sprite.mouth_at[0]
        y = s.y + sprite.head_at[1] + sprite.mouth_at[1]
        return x, y, patch.shape[1], patch.shape[0]

    def clear_of(self, shot: int, box: tuple[int, int, int, int] | None) -> list[Standing]:
        """Shot `shot`'s standings placed so that no character covers `box` (x0, y0, x1, y1 in
        frame pixels: what a caption's panel covers over the shot). A character over it moves
        out to the side, away from its middle, where they fit whole; else they are drawn as
        large as fits beside it or below it, feet on their ground line. Nods and breaths only
        move a character down, so their place at rest is what must stay clear."""
        standings = self.shots.get(shot, [])
        if box is None or box[2] <= box[0] or box[3] <= box[1]:
            return standings
        bx0, by0, bx1, by1 = box
        out = []
        for s in standings:
            sprite = self.sprites[s.character]
            w, h = sprite.width, sprite.height
            if s.x + w <= bx0 or s.x >= bx1 or s.y >= by1 or s.y + h <= by0:
                out.append(s)
                continue
            left = s.x + w / 2 < (bx0 + bx1) / 2
            room = bx0 if left else self.width - bx1
            if room >= w + 2:  # x even
                x = min(s.x, (bx0 - w) // 2 * 2) if left else max(s.x, bx1 + (bx1 & 1))
                out.append(replace(s, x=x))
                continue
            ground = s.y + h
            side, below = (room - 2) / w, (ground - by1 - 2) / h  # 2: sizes round to even
            scale = min(max(side, below), 1.0)
            if scale < MIN_SCALE:
                # no room beside the caption or below it: the caption is read, the
                # character is left out of this shot
                continue
            scaled = sprite.scaled(scale)
            if side >= below:
                x = (bx0 - scaled.width) // 2 * 2 if left else bx1 + (bx1 & 1)
            else:
                x = int(s.x + (w - scaled.width) / 2) // 2 * 2
            x = min(max(x, 0), (self.width - scaled.width) // 2 * 2)
            quiet = self.quiet[s.character].scaled(scale) if self.quiet else None
            out.append(
                replace(s, x=x, y=ground - scaled.height, scale=scale, sprite=scaled, quiet=quiet)
            )
        return out

    def draw(
        self, frame: np.ndarray, shot: int, i: int, standings: list[Standing] | None = None
    ) -> None:
        """Draw shot `shot`'s characters (or `standings`, its own placed by `clear_of`) as at
        frame `i` (clamped into their span: a shot's last picture, crossfading into the next,
        keeps its last pose) into flat yuv420p."""
        if standings is None:
            standings = self.shots.get(shot, [])
        if not standings:
            return
        w, h = self.width, self.height
        planes = (
            frame[: w * h].reshape(h, w),
            frame[w * h : w * h * 5 // 4].reshape(h // 2, w // 2),
            frame[w * h * 5 // 4 :].reshape(h // 2, w // 2),
        )
        for s in standings:
            k = min(max(i, s.start), s.end - 1)
            c = s.character
            sprite = s.sprite or self.sprites[c]
            if self.floor and not self.floor[c][k]:
                sprite = s.quiet or self.quiet[c]
            top = s.y
            if sprite.body is not None:
                _blit(planes, sprite.body, s.x, top + int(self.breath[c][k] * s.scale))
            hx = s.x + sprite.head_at[0]
            hy = top + sprite.head_at[1] + int(self.nod[c][k] * s.scale)
            _blit(planes, sprite.head, hx, hy)
            face = self.faces[c].get(i)
            if face is not None:  # the lip-sync model's frame of the face
                fx, fy = self.face_at[c]
                if s.scale != 1.0:  # a small patch: scaled as it is drawn
                    face = face.scaled(s.scale)
                    fx, fy = _even(fx * s.scale, 0), _even(fy * s.scale, 0)
                _paste(planes, face, hx + fx, hy + fy)
            else:
                mx, my = sprite.mouth_at
                _paste(planes, sprite.mouths[self.mouth[c][k]], hx + mx, hy + my)
            if sprite.eyes_closed is not None and self.blink[c][k]:
                ex, ey = sprite.eyes_at
                _paste(planes, sprite.eyes_closed, hx + ex, hy + ey)


def _blit(planes, layer: Layer, x: int, y: int) -> None:
    """Alpha-composite `layer` with its top-left at (x, y), x even; rows past the bottom of
    the frame are left out."""
    luma = planes[0]
    rows = min(layer.height, luma.shape[0] - y)
    if rows <= 0 or y < 0:
        return
    for plane, src, opaque, edge, (px, py, n) in (
        (planes[0], layer.y, layer.opaque, layer.edge, (x, y, rows)),
        (planes[1], layer.u, layer.opaque_c, layer.edge_c, (x // 2, y // 2, rows // 2)),
        (planes[2], layer.v, layer.opaque_c, layer.edge_c, (x // 2, y // 2, rows // 2)),
    ):
        region = plane[py : py + n, px : px + src.shape[1]]
        np.copyto(region, src[:n], where=opaque[:n])
        er, ec, ea = edge
        if n < src.shape[0]:
            keep = er < n
            er, ec, ea = er[keep], ec[keep], ea[keep]
        under = region[er, ec].astype(np.uint16)
        region[er, ec] = ((src[er, ec] * ea + under * (255 - ea) + 127) // 255).astype(np.uint8)


def _paste(planes, patch: Patch, x: int, y: int) -> None:
    """Copy an opaque patch with its top-left at (x, y), x even, clipped at the bottom."""
    n = min(patch.y.shape[0], planes[0].shape[0] - y)
    if n <= 0 or y < 0:
        return
    planes[0][y : y + n, x : x + patch.y.shape[1]] = patch.y[:n]
    cw = patch.u.shape[1]
    planes[1][y // 2 : y // 2 + n // 2, x // 2 : x // 2 + cw] = patch.u[: n // 2]
    planes[2][y // 2 : y // 2 + n // 2, x // 2 : x // 2 + cw] = patch.v[: n // 2]
