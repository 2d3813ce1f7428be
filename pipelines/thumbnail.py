"""Thumbnail: a 1280×720 JPEG from the film's best-looking frame, with the title on it.

Candidates are the middle frames of the shots; each is scored for exposure (mean luma near
mid-grey, little clipping) and sharpness (variance of a Laplacian), and the best one gets the
title drawn large over a dark gradient band so it reads at YouTube's small sizes.
"""

from __future__ import annotations

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


def make_thumbnail(candidates: list[np.ndarray], title: str, path: Path, sample_text: str = "") -> Path:
    """Pick the best candidate frame, cover-fit it to 1280×720, draw the title, save as JPEG."""
    from pipelines.subtitles import load_font
    from pipelines.visuals import cover_fit

    best = max(candidates, key=score)
    image = cover_fit(Image.fromarray(best), *SIZE).convert("RGB")

    # A dark band at the bottom third, fading upwards, carries the title.
    band = np.zeros((SIZE[1], SIZE[0]), dtype=np.float32)
    ramp = np.clip((np.arange(SIZE[1]) - SIZE[1] * 0.45) / (SIZE[1] * 0.55), 0, 1) ** 1.2
    band[:] = ramp[:, None] * 0.78
    shade = Image.fromarray((band * 255).astype(np.uint8), "L")
    image = Image.composite(Image.new("RGB", SIZE, (0, 0, 0)), image, shade)

    draw = ImageDraw.Draw(image)
    text = title.strip() or "Untitled"
    size = 96
    font = load_font(text + sample_text, size)
    while draw.textlength(text, font=font) > SIZE[0] * 0.88 and size > 36:
        size -= 6
        font = load_font(text + sample_text, size)
    width = draw.textlength(text, font=font)
    x, y = (SIZE[0] - width) / 2, SIZE[1] * 0.80 - size / 2
    draw.text((x, y), text, font=font, fill=(255, 255, 255), stroke_width=max(2, size // 16), stroke_fill=(0, 0, 0))
    image.save(path, "JPEG", quality=90, optimize=True)
    return path
