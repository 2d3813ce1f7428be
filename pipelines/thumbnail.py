"""Thumbnail: a 1280×720 JPEG from the film's best-looking frame, with the title on it.

Candidates are the middle frames of the shots; each is scored for exposure (mean luma near
mid-grey, little clipping) and sharpness (variance of a Laplacian), and the best one gets the
title drawn large over a dark gradient band so it reads at YouTube's small sizes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = (1280, 720)


def score(rgb: np.ndarray) -> float:
    """Higher is better: well exposed and sharp."""
    luma = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    exposure = 1.0 - min(abs(luma.mean() / 255.0 - 0.5) * 2.0, 1.0)
    clipped = float(((luma < 8) | (luma > 247)).mean())
    grey = Image.fromarray(luma.astype(np.uint8)).resize((320, 180))
    edges = np.asarray(grey.filter(ImageFilter.FIND_EDGES), dtype=np.float32)
    sharpness = min(edges.var() / 400.0, 1.0)
    return exposure * 0.5 + sharpness * 0.5 - clipped


def make_thumbnail(candidates: Iterable[np.ndarray], title: str) -> Image.Image:
    """Pick the best candidate frame, cover-fit it to 1280×720 and draw the title: the
    thumbnail as an RGB picture (`save` writes it). Candidates may come one at a time (a
    generator): only the best so far is kept."""
    from pipelines.pictures import cover_fit

    best = max(candidates, key=score)
    image = cover_fit(Image.fromarray(best), *SIZE).convert("RGB")

    # A dark band at the bottom third, fading upwards, carries the title.
    band = np.zeros((SIZE[1], SIZE[0]), dtype=np.float32)
    ramp = np.clip((np.arange(SIZE[1]) - SIZE[1] * 0.45) / (SIZE[1] * 0.55), 0, 1) ** 1.2
    band[:] = ramp[:, None] * 0.78
    shade = Image.fromarray((band * 255).astype(np.uint8), "L")
    image = Image.composite(Image.new("RGB", SIZE, (0, 0, 0)), image, shade)

    _draw_title(image, title.strip() or "Untitled")
    return image


def from_frames(spec, pictures, title: str) -> Image.Image:
    """The thumbnail of a film about to be rendered: the best of the middle frames of up to
    eight shots spread over it (rendered without subtitles), with the title on it."""
    from pipelines import frames
    from pipelines.encode import release_freed_memory, yuv420_to_rgb

    clean = frames.FrameSpec(**{**spec.__dict__, "cues": [], "subtitle_sample": None})
    renderer = frames.FrameRenderer(clean, pictures)
    step = max(1, len(spec.shots) // 8)
    middles = [(s.start + s.end) // 2 for s in spec.shots[::step]]
    candidates = (yuv420_to_rgb(renderer.render(i), spec.width, spec.height) for i in middles)
    picture = make_thumbnail(candidates, title)  # holds the best so far and the next
    del renderer, candidates
    release_freed_memory()  # the renderer's planes, which this thread's arena would keep
    return picture


def save(image: Image.Image, path: Path) -> Path:
    """Write the thumbnail as YouTube takes it: a JPEG."""
    image.save(path, "JPEG", quality=90, optimize=True)
    return path


def _draw_title(image: Image.Image, text: str) -> None:
    """The title, as large as fits 88 % of the width, white with a black outline. Where no
    installed font covers the title's writing system, the picture goes without it (the
    render is not refused for a thumbnail; burned subtitles are refused up front instead)."""
    from pipelines.fonts import load_font

    draw = ImageDraw.Draw(image)
    size = 96
    font = load_font(text, size)
    if font is None:
        return
    while draw.textlength(text, font=font) > SIZE[0] * 0.88 and size > 36:
        size -= 6
        font = load_font(text, size)
    width = draw.textlength(text, font=font)
    x, y = (SIZE[0] - width) / 2, SIZE[1] * 0.80 - size / 2
    draw.text(
        (x, y),
        text,
        font=font,
        fill=(255, 255, 255),
        stroke_width=max(2, size // 16),
        stroke_fill=(0, 0, 0),
    )
