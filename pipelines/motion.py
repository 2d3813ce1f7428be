"""Motion: the Ken Burns pan and zoom that moves a still picture for the length of its shot.

A shot's `Move` goes from a start window to an end window over the prepared picture (see
`pictures.prepare_picture`, which leaves ~15 % of room around the frame). Every frame resamples
the window at the eased position and zoom onto the output size (bilinear, with OpenCV): the
window is in floating-point pixels, so the picture glides by fractions of a pixel per frame
instead of jumping whole pixels (the jitter of FFmpeg's `zoompan`).

Speed matters: this runs for every frame of the film. Each plane goes through one OpenCV
`warpAffine` (bilinear, 1/32 px precision, the picture's edge replicated where a sample falls
just outside it), which OpenCV 5.1 vectorized (hence the pin; timings in
benchmarks/results.md). Nothing here is hand-written but the geometry.

`ShotRenderer.frame_yuv420` is the fast path for the encoder: it resamples Y, U and V planes made
once per picture (1.5 samples a pixel instead of 3) and skips the RGB → YUV conversion.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

# Frames render in parallel across Ray workers, next to x264's own threads: one thread each.
cv2.setNumThreads(1)

KINDS = ("zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down")


@dataclass(frozen=True)
class Move:
    """A camera move: (centre x, centre y, zoom) at the start and end of the shot.

    The centre is a fraction of the picture (0.5, 0.5 is the middle); zoom 1 shows the whole
    picture, zoom 2 half of it in each direction.
    """

    start: tuple[float, float, float]
    end: tuple[float, float, float]

    def __post_init__(self) -> None:
        if min(self.start[2], self.end[2]) < 1:
            raise ValueError(f"zoom must be at least 1 (the whole picture): {self}")

    def at(self, s: float) -> tuple[float, float, float]:
        """The window at eased progress `s` in [0, 1].

        The centre moves linearly and the zoom geometrically (equal ratios in equal times), so
        a zoom reads as steady instead of slowing down as it closes in.
        """
        (x0, y0, z0), (x1, y1, z1) = self.start, self.end
        zoom = math.exp(math.log(z0) + (math.log(z1) - math.log(z0)) * s)
        return x0 + (x1 - x0) * s, y0 + (y1 - y0) * s, zoom


def ease(t: float) -> float:
    """Cosine ease-in-out of shot progress t in [0, 1]: the camera starts and stops gently."""
    t = min(max(t, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * t)


def plan_move(seed: int, shot_index: int) -> Move:
    """A seeded Ken Burns move for a shot: a zoom in or out, or a pan with a gentle zoom.

    Consecutive shots get different kinds of move. Every window stays inside the picture: at
    zoom z the window covers 1/z of each side, so its centre may sit at most (1 - 1/z) / 2 from
    the middle. Both ends of every move keep to that, and so does the path between them: along
    a move that room is concave in time while the centre's offset is convex.
    """
    rng = random.Random(f"ken-burns:{seed}:{shot_index}")
    kind = _kind(seed, shot_index)
    if kind in ("zoom_in", "zoom_out"):
        near = rng.uniform(1.10, 1.20)
        room = _room(near) * 0.8
        focus = (0.5 + rng.uniform(-room, room), 0.5 + rng.uniform(-room, room), near)
        wide = (0.5, 0.5, 1.0)
        return Move(wide, focus) if kind == "zoom_in" else Move(focus, wide)

    zoom = rng.uniform(1.10, 1.15)
    end_zoom = zoom * rng.uniform(1.0, 1.04)  # a pan drifts a little closer, never farther
    room = _room(zoom)
    travel = room * rng.uniform(0.75, 0.95)
    across = room * rng.uniform(-0.3, 0.3)  # slightly off-centre on the other axis
    direction = -1.0 if kind in ("pan_left", "pan_up") else 1.0  # camera left: centre x falls
    a, b = 0.5 - direction * travel, 0.5 + direction * travel
    if kind in ("pan_left", "pan_right"):
        return Move((a, 0.5 + across, zoom), (b, 0.5 + across, end_zoom))
    return Move((0.5 + across, a, zoom), (0.5 + across, b, end_zoom))


def _room(zoom: float) -> float:
    """How far from the middle the centre of a window at this zoom may go."""
    return (1.0 - 1.0 / zoom) / 2


def _kind(seed: int, shot_index: int) -> str:
    """Kinds of move come in seeded shuffles of all six, so neighbours never repeat a kind."""
    cycle, position = divmod(shot_index, len(KINDS))

    def order(c: int) -> list[str]:
        return random.Random(f"ken-burns-order:{seed}:{c}").sample(KINDS, len(KINDS))

    kinds = order(cycle)
    if cycle > 0 and kinds[0] == order(cycle - 1)[-1]:  # a shuffle's last never moves
        kinds[0], kinds[1] = kinds[1], kinds[0]
    return kinds[position]


class ShotRenderer:
    """Renders the frames of one shot: `frame(t)` for t in [0, 1] through the shot.

    `picture` is an HxWx3 uint8 array, normally from `pictures.prepare_picture(img, size)`; any
    size or aspect works (the window is the largest box of the output's aspect, divided by the
    zoom, and is clamped inside the picture).
    """

    def __init__(self, picture: np.ndarray, move: Move, size: tuple[int, int], planes=None):
        """`planes`: the picture's `yuv_planes`, when the caller already made them (shots
        that show one picture share them)."""
        if picture.ndim != 3 or picture.shape[2] != 3 or picture.dtype != np.uint8:
            raise ValueError(f"picture must be HxWx3 uint8, not {picture.shape} {picture.dtype}")
        self.picture = np.ascontiguousarray(picture)
        self.move = move
        self.size = (int(size[0]), int(size[1]))
        width, height = self.size
        ph, pw = picture.shape[:2]
        self._base = min(pw, ph * width / height), min(ph, pw * height / width)
        self._planes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = (
            planes  # Y, U, V, or made at first use
        )

    def window(self, t: float) -> tuple[float, float, float, float]:
        """The crop box (left, top, right, bottom) in picture pixels at progress t, eased."""
        cx, cy, zoom = self.move.at(ease(t))
        zoom = max(zoom, 1.0)
        ph, pw = self.picture.shape[:2]
        ww, wh = min(self._base[0] / zoom, pw), min(self._base[1] / zoom, ph)
        left = min(max(cx * pw - ww / 2, 0.0), pw - ww)
        top = min(max(cy * ph - wh / 2, 0.0), ph - wh)
        return left, top, left + ww, top + wh

    def frame(self, t: float) -> np.ndarray:
        """The RGB frame at progress t: HxWx3 uint8, writable (subtitles are drawn onto it)."""
        return _warp(self.picture, self.window(t), self.size)

    def frame_yuv420(self, t: float, out: np.ndarray | None = None) -> np.ndarray:
        """The frame at progress t as flat yuv420p bytes (Y, then U, then V; BT.601 tv range),
        written into `out` when given (a row of the batch the frames travel in).

        The same picture and window as `frame`, resampled plane by plane from Y, U and V
        planes made once per picture: half the work of `frame` plus an RGB → YUV conversion.
        Needs an even width and height, as yuv420p does.
        """
        width, height = self.size
        if width % 2 or height % 2:
            raise ValueError(f"yuv420p needs an even size, not {width}x{height}")
        if self._planes is None:
            self._planes = yuv_planes(self.picture)
        luma, u, v = self._planes
        box = self.window(t)
        half = tuple(c / 2 for c in box)
        chroma = (width // 2, height // 2)
        if out is None:
            out = np.empty(width * height * 3 // 2, np.uint8)  # writable, like `frame`'s array
        start = 0
        for plane, (w, h), window in ((luma, self.size, box), (u, chroma, half), (v, chroma, half)):
            _warp(plane, window, (w, h), out=out[start : start + w * h].reshape(h, w))
            start += w * h
        return out


def _warp(
    picture: np.ndarray,
    box: tuple[float, float, float, float],
    size: tuple[int, int],
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The window `box` of a picture resampled bilinearly to `size`, into `out` when given.

    Output pixel centre x + 0.5 samples the picture at left + (x + 0.5) * scale, where the
    picture's own pixel centres sit at i + 0.5: the window's edges land on the frame's edges.
    """
    left, top, right, bottom = box
    sx, sy = (right - left) / size[0], (bottom - top) / size[1]
    inverse = np.array([[sx, 0.0, left + 0.5 * sx - 0.5], [0.0, sy, top + 0.5 * sy - 0.5]])
    return cv2.warpAffine(
        picture,
        inverse,
        size,
        dst=out,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def yuv_planes(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full-size Y and half-size U, V planes (uint8) of an RGB picture, BT.601 tv range: the
    matrix FFmpeg's swscale uses for rgb24 → yuv420p by default, so frames from `frame_yuv420`
    match frames converted from `frame` by the encoder. OpenCV's I420 conversion (a picture with
    an odd side gets one more row or column of its edge pixels first), far faster than numpy."""
    h, w = rgb.shape[:2]
    even = cv2.copyMakeBorder(rgb, 0, h % 2, 0, w % 2, cv2.BORDER_REPLICATE)
    eh, ew = even.shape[:2]
    flat = cv2.cvtColor(even, cv2.COLOR_RGB2YUV_I420).reshape(-1)
    chroma = eh // 2 * (ew // 2)
    luma = flat[: eh * ew].reshape(eh, ew)[:h, :w]
    u = flat[eh * ew : eh * ew + chroma].reshape(eh // 2, ew // 2)
    v = flat[eh * ew + chroma :].reshape(eh // 2, ew // 2)
    return np.ascontiguousarray(luma), u, v


# --- layered pictures: parallax and weather ---------------------------------------------------


@dataclass
class LayeredPicture:
    """A drawn card prepared for the camera: an opaque back plate and a front layer (straight
    RGBA, the same size) that the camera moves `front_depth` times as far (parallax), with the
    weather to animate, the stars that twinkle (x, y, radius on the back plate) and the
    caption's panel on the back plate (coverage, HxW uint8), which nothing is drawn over."""

    back: np.ndarray  # HxWx3 uint8
    front: np.ndarray | None = None  # HxWx4 uint8
    front_box: tuple[int, int, int, int] | None = None  # where the front layer has anything
    front_depth: float = 1.6
    weather: str | None = None  # rain, storm, snow, fog: animated; others still
    twinkles: list[tuple[float, float, float]] | None = None
    seed: int = 0
    caption: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.back.ndim != 3 or self.back.shape[2] != 3 or self.back.dtype != np.uint8:
            raise ValueError(f"back must be HxWx3 uint8, not {self.back.shape} {self.back.dtype}")
        if self.front is not None and self.front.shape[:2] != self.back.shape[:2]:
            raise ValueError(f"front {self.front.shape} and back {self.back.shape} differ")
        if self.caption is not None and self.caption.shape != self.back.shape[:2]:
            raise ValueError(f"caption {self.caption.shape} and back {self.back.shape} differ")


def layer_planes(picture: LayeredPicture):
    """What a `LayeredRenderer` resamples, made once per picture: the back plate's Y, U, V
    (`yuv_planes`) and the front layer's premultiplied Y, U, V with its alpha at full and half
    size (BT.601 tv range, as `yuv_planes`), all uint8."""
    back = yuv_planes(picture.back)
    if picture.front is None or picture.front_box is None:
        return back, None
    h, w = picture.back.shape[:2]
    rgba = cv2.copyMakeBorder(picture.front, 0, h % 2, 0, w % 2, cv2.BORDER_REPLICATE)
    rgb = rgba[..., :3].astype(np.float32)
    a = rgba[..., 3].astype(np.float32) / 255.0
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = (16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255) * a
    u = (128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255) * a
    v = (128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255) * a

    def half(p: np.ndarray) -> np.ndarray:
        return cv2.resize(p, (p.shape[1] // 2, p.shape[0] // 2), interpolation=cv2.INTER_AREA)

    def u8(p: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(cv2.convertScaleAbs(p))

    front = (
        u8(luma)[:h, :w],
        u8(half(u)),
        u8(half(v)),
        u8(a * 255)[:h, :w],
        u8(half(a) * 255),
    )
    return back, tuple(np.ascontiguousarray(p) for p in front)


class LayeredRenderer:
    """Renders the frames of a drawn shot: the back plate moves with the shot's Ken Burns move
    (a `ShotRenderer`), the front layer `front_depth` times as far from where the move starts
    (nearer things travel farther: parallax), then the weather (rain falls, snow drifts, fog
    slides) and twinkling stars; last, the caption's panel shows the back plate's frame again.

    Per frame the front layer is resampled and blended only over its box, with OpenCV's
    saturating uint8 arithmetic; weather textures are made once and slid a whole pixel at a
    time; the panel's pixels are kept and put back only where something may be drawn over it
    (stars behind it keep still). `seconds`: the shot's length, for the weather's speed."""

    def __init__(
        self,
        picture: LayeredPicture,
        move: Move,
        size: tuple[int, int],
        planes=None,
        seconds: float = 4.0,
    ):
        self.picture = picture
        self.size = (int(size[0]), int(size[1]))
        self.seconds = max(seconds, 1e-3)
        back_planes, self._front = planes if planes is not None else layer_planes(picture)
        self.base = ShotRenderer(picture.back, move, self.size, back_planes)
        self._start = self.base.window(0.0)
        self._weather = _weather_textures(picture, self.size) if picture.weather else None
        self._caption = _caption_masks(picture.caption)
        # A star behind the caption's panel keeps still (both move with the back plate), so
        # that no frame needs the panel put back for its sake.
        panel = self._caption[0] if self._caption is not None else (0, 0, 0, 0)
        self._twinkles = [
            (i, star)
            for i, star in enumerate(picture.twinkles or ())
            if not _overlap(_star_box(*star), panel)
        ]
        self._scratch: dict[tuple[int, int], tuple[np.ndarray, ...]] = {}

    def window(self, t: float) -> tuple[float, float, float, float]:
        return self.base.window(t)

    def caption_reach(self, steps: int = 32) -> tuple[int, int, int, int] | None:
        """The frame pixels (x0, y0, x1, y1) the caption's panel covers at some point of the
        shot, or None without a panel: its box at `steps` + 1 points of the move, joined, and
        a margin of a window's travel between two points (the move is smooth)."""
        if self._caption is None:
            return None
        width, height = self.size
        bx0, by0, bx1, by1 = self._caption[0]
        boxes = []
        for k in range(steps + 1):
            left, top, right, bottom = self.base.window(k / steps)
            sx, sy = (right - left) / width, (bottom - top) / height
            boxes.append(((bx0 - left) / sx, (by0 - top) / sy, (bx1 - left) / sx, (by1 - top) / sy))
        a, b = np.asarray(boxes[:-1]), np.asarray(boxes[1:])
        margin = 2 + math.ceil(np.abs(b - a).max(initial=0.0))
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        return (
            max(math.floor(x0) - margin, 0),
            max(math.floor(y0) - margin, 0),
            min(math.ceil(x1) + margin, width),
            min(math.ceil(y1) + margin, height),
        )

    def front_window(self, t: float) -> tuple[float, float, float, float]:
        """The front layer's crop box at t: the back's, with its travel since the start of the
        move (centre and zoom) multiplied by the depth."""
        k = self.picture.front_depth
        l0, t0, r0, b0 = self._start
        left, top, right, bottom = self.base.window(t)
        w0, w1 = r0 - l0, right - left
        ratio = (w1 / w0) ** (k - 1)  # zoom travels geometrically
        ww, wh = w1 * ratio, (bottom - top) * ratio
        cx = (l0 + r0) / 2 + ((left + right) / 2 - (l0 + r0) / 2) * k
        cy = (t0 + b0) / 2 + ((top + bottom) / 2 - (t0 + b0) / 2) * k
        return cx - ww / 2, cy - wh / 2, cx + ww / 2, cy + wh / 2

    def frame(self, t: float) -> np.ndarray:
        """The RGB frame at t (HxWx3 uint8), from the yuv420p frame."""
        from pipelines.encode import yuv420_to_rgb

        return yuv420_to_rgb(self.frame_yuv420(t), *self.size)

    def frame_yuv420(self, t: float, out: np.ndarray | None = None) -> np.ndarray:
        out = self.base.frame_yuv420(t, out)
        width, height = self.size
        y_plane = out[: width * height].reshape(height, width)
        front = self._front_region(t) if self._front is not None else None
        # The caption's panel moves with the back plate it is drawn on: the card's look, as the
        # still shows it, and the camera's safe margin already keeps it in frame.
        kept = self._keep_caption(t, out, front)
        if front is not None:
            self._blend_front(front, out)
        if self._twinkles:
            self._twinkle(t, y_plane)
        if self._weather is not None:
            self._animate_weather(t, y_plane)
        if kept is not None:
            self._restore_caption(out, kept)
        return out

    def _front_region(self, t: float):
        """(window, frame box): the front layer's window at t and the even-aligned box of
        frame pixels its things may cover, or None where they cover none."""
        width, height = self.size
        window = left, top, right, bottom = self.front_window(t)
        sx, sy = (right - left) / width, (bottom - top) / height
        ph, pw = self.picture.back.shape[:2]
        bx0, by0, bx1, by1 = self.picture.front_box  # type: ignore[misc]
        # The box in frame pixels; a box touching the picture's edge runs on past it (the
        # layer's edge is replicated there, as the back plate's is).
        x0 = 0 if bx0 <= 0 else math.floor((bx0 - left) / sx) - 2
        y0 = 0 if by0 <= 0 else math.floor((by0 - top) / sy) - 2
        x1 = width if bx1 >= pw else math.ceil((bx1 - left) / sx) + 2
        y1 = height if by1 >= ph else math.ceil((by1 - top) / sy) + 2
        box = _even_box((x0, y0, x1, y1), self.size)
        return None if box is None else (window, box)

    def _planes(self, out: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """The Y, U and V planes of a flat yuv420p frame, each with its subsampling."""
        width, height = self.size
        chroma = (width // 2) * (height // 2)
        y_plane = out[: width * height].reshape(height, width)
        u = out[width * height : width * height + chroma].reshape(height // 2, width // 2)
        v = out[width * height + chroma :].reshape(height // 2, width // 2)
        return [(y_plane, 1), (u, 2), (v, 2)]

    def _blend_front(self, placed, out: np.ndarray) -> None:
        width, height = self.size
        (left, top, right, bottom), (x0, y0, x1, y1) = placed
        sx, sy = (right - left) / width, (bottom - top) / height
        luma_p, u_p, v_p, alpha, alpha_half = self._front  # type: ignore[misc]
        for (plane, div), (premul, a) in zip(
            self._planes(out), ((luma_p, alpha), (u_p, alpha_half), (v_p, alpha_half))
        ):
            rx0, ry0, rx1, ry1 = x0 // div, y0 // div, x1 // div, y1 // div
            inverse = np.array(
                [
                    [sx, 0.0, left / div + (rx0 + 0.5) * sx - 0.5],
                    [0.0, sy, top / div + (ry0 + 0.5) * sy - 0.5],
                ]
            )
            region = plane[ry0:ry1, rx0:rx1]
            shape = (ry1 - ry0, rx1 - rx0)
            p_buf, a_buf, t_buf = self._buffers(shape)
            flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
            dsize = (shape[1], shape[0])
            cv2.warpAffine(
                premul, inverse, dsize, dst=p_buf, flags=flags, borderMode=cv2.BORDER_REPLICATE
            )
            cv2.warpAffine(
                a, inverse, dsize, dst=a_buf, flags=flags, borderMode=cv2.BORDER_REPLICATE
            )
            cv2.multiply(region, a_buf, dst=t_buf, scale=1 / 255)
            cv2.subtract(region, t_buf, dst=region)
            cv2.add(region, p_buf, dst=region)

    def _keep_caption(self, t: float, out: np.ndarray, front):
        """The pixels of the back plate's frame at t that anything drawn after it may cover
        inside the caption's panel box (a copy per plane), with where they are; else None."""
        if self._caption is None:
            return None
        width, height = self.size
        left, top, right, bottom = self.base.window(t)
        sx, sy = (right - left) / width, (bottom - top) / height
        bx0, by0, bx1, by1 = self._caption[0]
        panel = _even_box(
            (
                math.floor((bx0 - left) / sx) - 2,
                math.floor((by0 - top) / sy) - 2,
                math.ceil((bx1 - left) / sx) + 2,
                math.ceil((by1 - top) / sy) + 2,
            ),
            self.size,
        )
        if panel is None:
            return None
        if self._weather is not None:
            box = panel
        elif front is not None:  # both on even pixels: so is what they share
            (px0, py0, px1, py1), (fx0, fy0, fx1, fy1) = panel, front[1]
            box = max(px0, fx0), max(py0, fy0), min(px1, fx1), min(py1, fy1)
            if box[2] - box[0] < 2 or box[3] - box[1] < 2:
                return None
        else:
            return None
        x0, y0, x1, y1 = box
        kept = [
            plane[y0 // div : y1 // div, x0 // div : x1 // div].copy()
            for plane, div in self._planes(out)
        ]
        return (left, top, sx, sy), (x0, y0, x1, y1), kept

    def _restore_caption(self, out: np.ndarray, kept) -> None:
        """Put the kept panel pixels back, through the panel's coverage at the frame's window."""
        (left, top, sx, sy), (x0, y0, x1, y1), pixels = kept
        full, half = self._caption[1]  # type: ignore[index]
        for (plane, div), mask, saved in zip(self._planes(out), (full, half, half), pixels):
            rx0, ry0 = x0 // div, y0 // div
            inverse = np.array(
                [
                    [sx, 0.0, left / div + (rx0 + 0.5) * sx - 0.5],
                    [0.0, sy, top / div + (ry0 + 0.5) * sy - 0.5],
                ]
            )
            cover = cv2.warpAffine(
                mask,
                inverse,
                (saved.shape[1], saved.shape[0]),
                flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_CONSTANT,
            )
            cv2.copyTo(saved, cover, dst=plane[ry0 : y1 // div, rx0 : x1 // div])

    def _buffers(self, shape: tuple[int, int]) -> tuple[np.ndarray, ...]:
        bufs = self._scratch.get(shape)
        if bufs is None:
            if len(self._scratch) > 8:
                self._scratch.clear()
            bufs = self._scratch[shape] = tuple(np.empty(shape, np.uint8) for _ in range(3))
        return bufs

    def _twinkle(self, t: float, y_plane: np.ndarray) -> None:
        """Each bright star's light swells and fades on its own slow beat (luma only)."""
        width, height = self.size
        left, top, right, bottom = self.base.window(t)
        sx, sy = (right - left) / width, (bottom - top) / height
        now = t * self.seconds
        for i, (x, y, r) in self._twinkles:
            beat = 0.5 + 0.5 * math.sin(2 * math.pi * (now * (0.4 + 0.07 * (i % 7)) + i * 0.37))
            gain = int(110 * beat * beat)
            if gain < 4:
                continue
            fx, fy = (x - left) / sx, (y - top) / sy
            sprite = _star_sprite(max(1, round(r / sx)))
            n = sprite.shape[0] // 2
            cx, cy = round(fx), round(fy)
            if not (n <= cx < width - n and n <= cy < height - n):
                continue
            region = y_plane[cy - n : cy + n + 1, cx - n : cx + n + 1]
            cv2.add(region, cv2.convertScaleAbs(sprite, alpha=gain / 255), dst=region)

    def _animate_weather(self, t: float, y_plane: np.ndarray) -> None:
        kind, texture, alpha, period, speed = self._weather  # type: ignore[misc]
        width, height = self.size
        now = t * self.seconds
        dy = int(now * speed[1]) % period[0]
        dx = int(now * speed[0]) % period[1]
        if kind == "fog":
            top = int(height * 0.35)
            rows = slice(top, top + texture.shape[0] - period[0])
            region = y_plane[rows]
            premul = texture[dy : dy + region.shape[0], dx : dx + width]
            a = alpha[dy : dy + region.shape[0], dx : dx + width]
            keep = cv2.multiply(region, a, scale=1 / 255)
            cv2.subtract(region, keep, dst=region)
            cv2.add(region, premul, dst=region)
            return
        view = texture[period[0] - dy : period[0] - dy + height, dx : dx + width]
        cv2.add(y_plane, view, dst=y_plane)


def _even_box(box, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """`box` (x0, y0, x1, y1 in frame pixels) cut to the frame, on even pixels (yuv420p's
    chroma covers two by two); None where less than two pixels are left."""
    width, height = size
    x0, y0, x1, y1 = box
    x0, y0 = max(x0, 0) & ~1, max(y0, 0) & ~1
    x1, y1 = min(x1 + (x1 & 1), width), min(y1 + (y1 & 1), height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return x0, y0, x1, y1


def _star_box(x: float, y: float, r: float) -> tuple[float, float, float, float]:
    """What a twinkling star at (x, y), radius r on the back plate may light there (its
    sprite reaches twice its radius, and a pixel more for rounding)."""
    reach = 2 * r + 2
    return x - reach, y - reach, x + reach, y + reach


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _caption_masks(caption: np.ndarray | None):
    """A caption panel's box and its coverage at the luma's and the chroma planes' size, or
    None."""
    if caption is None:
        return None
    x, y, w, h = cv2.boundingRect(caption)
    if not w:
        return None
    ph, pw = caption.shape
    half = cv2.resize(caption, ((pw + 1) // 2, (ph + 1) // 2), interpolation=cv2.INTER_NEAREST)
    return (x, y, x + w, y + h), (np.ascontiguousarray(caption), half)


@lru_cache(maxsize=16)
def _star_sprite(radius: int) -> np.ndarray:
    """A soft round point of light, (2n+1)² float32 peaking at 255."""
    n = radius * 2
    yy, xx = np.mgrid[-n : n + 1, -n : n + 1]
    return (255 * np.exp(-(xx**2 + yy**2) / (2 * (radius * 0.6) ** 2))).astype(np.float32)


def _weather_textures(picture: LayeredPicture, size: tuple[int, int]):
    """(kind, texture, alpha, period (rows, cols), speed (px/s x, y)): a tile that repeats
    every `period`, laid out large enough to slide over the frame without a seam. Rain and
    snow are added to the luma; fog is blended over a band across the middle."""
    width, height = size
    rng = np.random.default_rng(picture.seed)
    short = min(width, height)
    kind = picture.weather
    if kind in ("rain", "storm"):
        ph, pw = 256, 128
        tile = np.zeros((ph, pw), np.uint8)
        drops = 26 if kind == "rain" else 44
        for _ in range(drops):
            x, y = rng.integers(0, pw), rng.integers(0, ph)
            length = int(rng.integers(short // 40, short // 18))
            for k in range(length):  # a streak leaning with the wind, wrapping round the tile
                tile[(y + k) % ph, (x + k // 6) % pw] = max(
                    tile[(y + k) % ph, (x + k // 6) % pw], 40 + k * 30 // length
                )
        speed = (height * 0.15, height * 1.4)
    elif kind == "snow":
        ph, pw = 256, 256
        tile = np.zeros((ph, pw), np.uint8)
        for _ in range(40):
            x, y = int(rng.integers(0, pw)), int(rng.integers(0, ph))
            r = max(1, int(short / 720 * rng.uniform(1.2, 3.0)))
            cv2.circle(tile, (x, y), r, int(rng.integers(90, 170)), -1, lineType=cv2.LINE_AA)
        speed = (height * 0.02, height * 0.09)
    elif kind == "fog":
        ph, pw = 1, width
        band = int(height * 0.4)
        x = np.arange(pw + width, dtype=np.float32) / pw
        wave = sum(np.sin(2 * np.pi * (c * x + rng.random())) / c for c in (1, 2, 3, 5))
        rows = np.exp(-(((np.arange(band) - band * 0.55) / (band * 0.3)) ** 2))
        a = np.clip(0.22 + 0.12 * wave[None, :], 0, 1) * rows[:, None]
        fog = 220 * a
        alpha = cv2.convertScaleAbs(a.astype(np.float32), alpha=255.0)
        texture = cv2.convertScaleAbs(fog.astype(np.float32))
        return (
            "fog",
            np.vstack([texture, texture[:1]]),
            np.vstack([alpha, alpha[:1]]),
            (1, pw),
            (width * 0.015, 0.0),
        )
    else:
        return None
    texture = np.tile(tile, (height // ph + 2, width // pw + 2))
    return kind, texture, None, (ph, pw), speed


def render_frame(picture: np.ndarray, move: Move, t: float, size: tuple[int, int]) -> np.ndarray:
    """One frame of a shot (HxWx3 uint8). For many frames of one shot, use `ShotRenderer`."""
    return ShotRenderer(picture, move, size).frame(t)


def crossfade(
    a: np.ndarray, b: np.ndarray, alpha: float, out: np.ndarray | None = None
) -> np.ndarray:
    """Blend two frames: alpha 0 gives `a`, 1 gives `b`. Any shape (RGB or flat yuv420p);
    written into `out` when given.

    Integer math in uint16 (weights out of 256): faster than float and than `Image.blend`.
    """
    if a.shape != b.shape:
        raise ValueError(f"crossfade needs frames of one shape, not {a.shape} and {b.shape}")
    out = np.empty_like(a) if out is None else out
    k = round(min(max(alpha, 0.0), 1.0) * 256)
    if k in (0, 256):
        out[...] = a if k == 0 else b
        return out
    mixed = np.multiply(a, 256 - k, dtype=np.uint16)
    mixed += np.multiply(b, k, dtype=np.uint16)
    mixed += 128
    mixed >>= 8
    np.copyto(out, mixed, casting="unsafe")
    return out


def _benchmark() -> None:
    """Print the per-frame cost at each output size (not a test: timings vary by machine).

    CPU time of this process, best of three runs of 48 frames: on a shared machine that is
    closer to what a frame costs than wall time.
    """
    import time

    from pipelines.cards import make_card
    from pipelines.pictures import prepare_picture

    def cost(fn, *args) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            for i in range(48):
                fn(i / 47, *args)
            best = min(best, (time.process_time() - start) / 48)
        return best * 1000

    for size in ((1280, 720), (1920, 1080), (1080, 1920), (1080, 1080)):
        card = make_card(
            "EXT. LIGHTHOUSE - NIGHT",
            "Waves hit the rocks.",
            scene_index=0,
            shot_index=0,
            size=size,
            seed=0,
        )
        renderer = ShotRenderer(prepare_picture(card, size), plan_move(0, 0), size)
        renderer.frame_yuv420(0.0)  # the planes are made once per picture, outside the timing
        a, b = renderer.frame(0.2), renderer.frame(0.8)
        print(
            f"{size[0]}x{size[1]}: frame {cost(renderer.frame):.2f} ms, "
            f"frame_yuv420 {cost(renderer.frame_yuv420):.2f} ms, "
            f"crossfade {cost(lambda t, a=a, b=b: crossfade(a, b, t)):.2f} ms"
        )


if __name__ == "__main__":
    _benchmark()
