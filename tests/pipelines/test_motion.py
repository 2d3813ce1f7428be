"""Motion: Ken Burns moves are seeded, stay inside the picture, glide smoothly, and fit frames."""

from __future__ import annotations

import av
import numpy as np
import pytest
from PIL import Image

from pipelines.cards import SAFE_MARGIN
from pipelines.motion import Move, ShotRenderer, crossfade, ease, plan_move, render_frame
from pipelines.pictures import prepare_picture

SIZES = [(1280, 720), (1920, 1080), (1080, 1920), (1080, 1080)]
TIMES = np.linspace(0, 1, 21)


def textured(size=(368, 207), seed=0, low=0) -> np.ndarray:
    """A soft random texture (no flat areas, so any motion shows), values in [low, 255]."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(low, 256, (size[1] // 5, size[0] // 5, 3), dtype=np.uint8)
    return np.array(Image.fromarray(coarse).resize(size, Image.Resampling.BILINEAR))


def kind(move: Move) -> str:
    (x0, y0, z0), (x1, y1, z1) = move.start, move.end
    if abs(z1 - z0) > 0.08:  # pans drift in by a few percent at most
        return "zoom in" if z1 > z0 else "zoom out"
    return "pan x" if abs(x1 - x0) > abs(y1 - y0) else "pan y"


# --- plan_move -------------------------------------------------------------------------------


def test_moves_are_reproducible_from_the_seed():
    assert plan_move(42, 3) == plan_move(42, 3)
    assert plan_move(42, 3) != plan_move(43, 3)
    assert plan_move(42, 3) != plan_move(42, 4)


def test_a_film_gets_every_kind_of_move_and_neighbours_differ():
    for seed in range(5):
        moves = [plan_move(seed, i) for i in range(24)]
        assert {kind(m) for m in moves} == {"zoom in", "zoom out", "pan x", "pan y"}
        assert all(a != b for a, b in zip(moves, moves[1:]))


def test_every_window_stays_inside_the_picture():
    for seed in range(30):
        for shot in range(12):
            move = plan_move(seed, shot)
            for t in TIMES:
                x, y, zoom = move.at(ease(t))
                half = 0.5 / zoom  # the window covers 1/zoom of each side
                assert zoom >= 1.0
                assert half - 1e-9 <= x <= 1 - half + 1e-9 and half - 1e-9 <= y <= 1 - half + 1e-9


def test_the_camera_never_crops_the_text_of_a_card():
    """Cards keep their text inside SAFE_MARGIN; every window must show all of that area."""
    for seed in range(30):
        for shot in range(12):
            move = plan_move(seed, shot)
            for t in TIMES:
                x, y, zoom = move.at(ease(t))
                half = 0.5 / zoom
                assert x - half <= SAFE_MARGIN and x + half >= 1 - SAFE_MARGIN
                assert y - half <= SAFE_MARGIN and y + half >= 1 - SAFE_MARGIN


def test_easing_starts_and_ends_at_rest():
    assert ease(0) == 0 and ease(1) == 1 and ease(0.5) == pytest.approx(0.5)
    assert ease(0.02) - ease(0) < ease(0.51) - ease(0.49)


# --- rendering -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_frames_have_the_exact_size(size):
    picture = prepare_picture(Image.fromarray(textured()), size)
    renderer = ShotRenderer(picture, plan_move(0, 1), size)
    for t in (0.0, 0.37, 1.0):
        frame = renderer.frame(t)
        assert frame.shape == (size[1], size[0], 3) and frame.dtype == np.uint8
        assert frame.flags.writeable  # subtitles are burned into it in place


def test_the_picture_moves_between_start_and_end():
    picture = textured()
    for shot in range(6):
        a, b = (render_frame(picture, plan_move(5, shot), t, (320, 180)) for t in (0.0, 1.0))
        assert np.abs(a.astype(int) - b).mean() > 5


@pytest.mark.parametrize("shot", range(6))
def test_motion_is_smooth_without_pixel_jitter(shot):
    """Steps between frames are small and change gradually. A window snapped to whole pixels
    fails this: its steps jump between ~0 and a full pixel's worth (measured ratio 0.7–1.0)."""
    renderer = ShotRenderer(textured(), plan_move(1, shot), (320, 180))
    frames = [renderer.frame(t).astype(np.int16) for t in np.linspace(0, 1, 48)]
    steps = np.array([np.abs(b - a).mean() for a, b in zip(frames, frames[1:])])
    whole = np.abs(frames[-1] - frames[0]).mean()
    assert steps.max() < 0.35 * whole  # each frame moves a little of the whole way
    assert np.abs(np.diff(steps)).max() < 0.25 * steps.max()  # and the speed changes gently


def test_every_frame_shows_its_window_to_a_fraction_of_a_pixel():
    """A picture whose red rises 2 levels a pixel left to right and green 3 levels a pixel top to
    bottom: a bilinear sample of it is exact, so frame pixel (x, y) must show the picture at
    left + (x + 0.5) * scale - 0.5 (pixel centres at i + 0.5: the window's edges on the frame's
    edges), and likewise down. A window off by a quarter of a pixel fails this (by 0.5 level on
    average)."""
    xs, ys = np.meshgrid(np.arange(128), np.arange(72))
    picture = np.stack([2 * xs, 3 * ys, np.zeros_like(xs)], -1).astype(np.uint8)
    for shot in range(6):
        renderer = ShotRenderer(picture, plan_move(2, shot), (320, 180))
        for t in np.linspace(0, 1, 25):
            left, top, right, bottom = renderer.window(t)
            at_x = left + (np.arange(320) + 0.5) * (right - left) / 320 - 0.5
            at_y = top + (np.arange(180) + 0.5) * (bottom - top) / 180 - 0.5
            frame = renderer.frame(t).astype(float)
            for channel, at, slope, last, axis in ((0, at_x, 2, 127, 0), (1, at_y, 3, 71, 1)):
                expected = slope * np.clip(at, 0, last)  # the edge pixel repeats beyond the edge
                error = frame[..., channel].mean(axis=axis) - expected
                assert abs(error.mean()) < 0.1  # pixels round to whole levels, none off on average
                assert np.abs(error).max() < 0.6


@pytest.mark.parametrize("size", SIZES)
def test_no_black_borders_anywhere_in_a_move(size):
    picture = prepare_picture(Image.fromarray(textured(low=60)), size)
    for shot in range(6):
        renderer = ShotRenderer(picture, plan_move(9, shot), size)
        for t in (0.0, 0.5, 1.0):
            frame = renderer.frame(t)
            edges = np.concatenate([frame[0], frame[-1], frame[:, 0], frame[:, -1]])
            assert edges.min() >= 50


def test_any_picture_shape_fills_the_frame():
    tall = textured((200, 600), low=60)  # not prepared: a portrait picture for a landscape frame
    frame = render_frame(tall, plan_move(0, 2), 0.5, (640, 360))
    assert frame.shape == (360, 640, 3) and frame.min() >= 50


def test_render_frame_matches_the_shot_renderer():
    picture, move = textured(), plan_move(3, 3)
    assert np.array_equal(
        render_frame(picture, move, 0.4, (320, 180)),
        ShotRenderer(picture, move, (320, 180)).frame(0.4),
    )


def test_a_move_cannot_zoom_out_past_the_whole_picture():
    with pytest.raises(ValueError):
        Move((0.5, 0.5, 0.9), (0.5, 0.5, 1.0))


def test_refuses_a_picture_that_is_not_rgb():
    with pytest.raises(ValueError):
        ShotRenderer(np.zeros((10, 10), np.uint8), plan_move(0, 0), (32, 18))


# --- the yuv420p fast path -------------------------------------------------------------------


def ffmpeg_yuv420(rgb: np.ndarray) -> np.ndarray:
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    rows = (
        np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, : p.width]
        for p in frame.planes
    )
    return np.concatenate([r.reshape(-1) for r in rows])


@pytest.mark.parametrize("size", [(640, 360), (360, 640)])
def test_yuv420_frames_match_rgb_frames_converted_by_ffmpeg(size):
    renderer = ShotRenderer(
        prepare_picture(Image.fromarray(textured()), size), plan_move(2, 4), size
    )
    w, h = size
    for t in (0.0, 0.5, 1.0):
        fast = renderer.frame_yuv420(t).astype(int)
        slow = ffmpeg_yuv420(renderer.frame(t)).astype(int)
        assert fast.shape == (w * h * 3 // 2,) and renderer.frame_yuv420(t).flags.writeable
        luma, chroma = slice(0, w * h), slice(w * h, None)
        assert np.abs(fast[luma] - slow[luma]).mean() < 1.5
        assert np.abs(fast[chroma] - slow[chroma]).mean() < 2.5


def test_yuv420_needs_an_even_size():
    with pytest.raises(ValueError):
        ShotRenderer(textured(), plan_move(0, 0), (321, 180)).frame_yuv420(0.5)


# --- crossfade -------------------------------------------------------------------------------


def test_crossfade_blends_from_one_frame_to_the_other():
    a = np.full((18, 32, 3), 200, np.uint8)
    b = np.full((18, 32, 3), 20, np.uint8)
    assert np.array_equal(crossfade(a, b, 0.0), a) and np.array_equal(crossfade(a, b, 1.0), b)
    half = crossfade(a, b, 0.5)
    assert half.dtype == np.uint8 and np.abs(half.astype(int) - 110).max() <= 1
    levels = [int(crossfade(a, b, x)[0, 0, 0]) for x in np.linspace(0, 1, 11)]
    assert levels == sorted(levels, reverse=True)


def test_crossfade_works_on_flat_yuv_frames_and_refuses_mismatched_ones():
    a, b = np.zeros(96, np.uint8), np.full(96, 255, np.uint8)
    assert abs(int(crossfade(a, b, 0.25)[0]) - 64) <= 1
    with pytest.raises(ValueError):
        crossfade(a, np.zeros(95, np.uint8), 0.5)
