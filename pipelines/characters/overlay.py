"""Characters composited onto frames, straight in yuv420p, cheaply.

Everything that can be done once is: each layer is converted to Y, U and V planes when the film
is planned, and split into its opaque pixels (copied) and its soft edge (blended, a few thousand
pixels). A frame then costs a masked copy per layer and two small patch copies (mouth, eyes):
well under a millisecond at 720p, against the tens of milliseconds the frame itself takes.

`Cast` travels inside the `FrameSpec` to the Ray tasks that render frames; it holds per-frame
arrays (mouth shape, blink, nod, breath) and, per shot, who stands where.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipelines.characters.looks import Look
from pipelines.characters.mouths import SHAPES
from pipelines.motion import yuv_planes


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
        alpha_c = alpha.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3)).round().astype(np.uint8)
        return cls(y, u, v, alpha == 255, alpha_c == 255, _edge(alpha), _edge(alpha_c))

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


@dataclass
class Standing:
    """A character on screen for a span of frames, at a place."""

    character: int  # index into Cast.sprites
    start: int  # first frame (inclusive)
    end: int  # last frame (exclusive)
    x: int  # left edge of the character, even
    y: int  # top edge (the character may run past the bottom of the frame)


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

    def draw(self, frame: np.ndarray, shot: int, i: int) -> None:
        """Draw shot `shot`'s characters as at frame `i` (clamped into their span: a shot's
        last picture, crossfading into the next, keeps its last pose) into flat yuv420p."""
        standings = self.shots.get(shot)
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
            sprite = self.sprites[c]
            if self.floor and not self.floor[c][k]:
                sprite = self.quiet[c]
            top = s.y
            if sprite.body is not None:
                _blit(planes, sprite.body, s.x, top + int(self.breath[c][k]))
            hx, hy = s.x + sprite.head_at[0], top + sprite.head_at[1] + int(self.nod[c][k])
            _blit(planes, sprite.head, hx, hy)
            face = self.faces[c].get(i)
            if face is not None:  # the lip-sync model's frame of the face
                fx, fy = self.face_at[c]
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
