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
