"""Draw the four sample pictures for samples/sample.fountain into samples/images/.

    python samples/make_images.py

Original pictures, made only from gradients, shapes and noise with Pillow and numpy (seeded, so
every run draws the same): a lighthouse at dusk, a boat on the open sea, a night sky over the
water, and a harbour at dawn. Each is 1600x900 and kept under 300 KB.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

W, H = 1600, 900
HORIZON = 560
OUT = Path(__file__).parent / "images"
MAX_BYTES = 300_000


def gradient(stops: list[tuple[float, tuple[int, int, int]]], height: int = H) -> np.ndarray:
    """A vertical colour gradient (height x W x 3 floats) through (position 0..1, colour) stops."""
    y = np.linspace(0, 1, height)
    positions = [p for p, _ in stops]
    column = np.stack([np.interp(y, positions, [c[i] for _, c in stops]) for i in range(3)], -1)
    return np.repeat(column[:, None, :], W, axis=1)


def noise(rng: np.random.Generator, shape: tuple[int, int], blur: float) -> np.ndarray:
    """Smooth noise in -1..1: white noise blurred by `blur` pixels."""
    image = Image.fromarray((rng.random(shape) * 255).astype(np.uint8))
    smooth = np.asarray(image.filter(ImageFilter.GaussianBlur(blur)), dtype=np.float32)
    smooth -= smooth.mean()
    return smooth / (np.abs(smooth).max() + 1e-6)


def sky_and_sea(sky: list, sea: list, rng: np.random.Generator, ripple: float) -> np.ndarray:
    """The sky above HORIZON, the sea below it with stretched ripples."""
    picture = gradient(sky)
    water = gradient(sea, H - HORIZON)
    ripples = noise(rng, (H - HORIZON, W // 8), 1.5)
    ripples = (
        np.asarray(
            Image.fromarray(((ripples + 1) * 127).astype(np.uint8)).resize(
                (W, H - HORIZON), Image.BICUBIC
            ),
            dtype=np.float32,
        )
        / 127
        - 1
    )
    depth = np.linspace(0.3, 1.0, H - HORIZON)[:, None, None]
    picture[HORIZON:] = water + ripples[..., None] * ripple * depth
    return picture


def glow(picture: np.ndarray, x: float, y: float, radius: float, colour, strength: float) -> None:
    """Add a soft round light (sun, moon, lamp) in place."""
    yy, xx = np.mgrid[0:H, 0:W]
    falloff = np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * radius**2))[..., None]
    picture += falloff * np.array(colour, dtype=np.float32) * strength


def to_image(picture: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8))


def lighthouse_at_dusk(rng: np.random.Generator) -> Image.Image:
    picture = sky_and_sea(
        sky=[(0, (28, 32, 78)), (0.45, (120, 70, 120)), (0.62, (250, 150, 90))],
        sea=[(0, (120, 80, 90)), (1, (20, 25, 50))],
        rng=rng,
        ripple=18,
    )
    glow(picture, 1150, HORIZON - 20, 120, (255, 170, 90), 0.9)
    glow(picture, 1150, HORIZON + 60, 60, (255, 150, 80), 0.35)  # the sun on the water
    image = to_image(picture)
    draw = ImageDraw.Draw(image, "RGBA")
    draw.polygon([(180, 900), (260, 640), (420, 590), (620, 650), (760, 900)], fill=(25, 20, 30))

    def tower(top: float, bottom: float, colour) -> None:  # a slice of the tapering tower
        def half(y: float) -> float:
            return 28 + 17 * (y - 330) / 270

        draw.polygon(
            [
                (400 - half(top), top),
                (400 + half(top), top),
                (400 + half(bottom), bottom),
                (400 - half(bottom), bottom),
            ],
            fill=colour,
        )

    tower(330, 600, (235, 230, 220))
    for top in (375, 460, 545):
        tower(top, top + 30, (170, 40, 40))
    draw.rectangle([360, 300, 440, 330], fill=(40, 40, 50))  # gallery
    draw.rectangle([372, 268, 428, 300], fill=(255, 225, 140))  # the lamp
    draw.polygon([(360, 268), (400, 232), (440, 268)], fill=(40, 40, 50))
    draw.polygon([(428, 276), (1600, 120), (1600, 330), (428, 294)], fill=(255, 230, 160, 40))
    for _ in range(7):  # gulls
        x, y = rng.uniform(600, 1000), rng.uniform(150, 330)
        draw.line([(x - 14, y - 6), (x, y), (x + 14, y - 6)], fill=(30, 25, 40), width=3)
    return image.filter(ImageFilter.GaussianBlur(0.6))


def open_sea(rng: np.random.Generator) -> Image.Image:
    picture = sky_and_sea(
        sky=[(0, (70, 90, 120)), (0.62, (170, 185, 200))],
        sea=[(0, (60, 90, 110)), (1, (15, 35, 55))],
        rng=rng,
        ripple=25,
    )
    x = np.arange(W)
    image = to_image(picture)
    draw = ImageDraw.Draw(image, "RGBA")
    for row, (amplitude, length, shade) in enumerate(
        [(6, 220, 70), (10, 300, 55), (16, 380, 40), (24, 460, 28)]
    ):
        base = HORIZON + 50 + row * 85
        crest = base + amplitude * np.sin(2 * np.pi * x / length + row * 1.7)
        draw.polygon(
            [*zip(x.tolist(), crest.tolist()), (W, H), (0, H)],
            fill=(shade - 10, shade + 25, shade + 45, 255),
        )
        for i in range(0, W, 3):  # foam on the crests
            if np.sin(2 * np.pi * i / length + row * 1.7) > 0.8 and rng.random() < 0.6:
                draw.point((i, crest[i] - 1), fill=(235, 240, 245, 200))
    hull = [(690, 640), (900, 640), (870, 680), (720, 680)]
    draw.polygon(hull, fill=(90, 40, 30))
    draw.rectangle([760, 600, 830, 640], fill=(210, 205, 190))
    draw.line([(795, 600), (795, 520)], fill=(60, 50, 40), width=4)
    return image.filter(ImageFilter.GaussianBlur(0.7))


def night_sky(rng: np.random.Generator) -> Image.Image:
    picture = sky_and_sea(
        sky=[(0, (5, 8, 25)), (0.62, (25, 40, 80))],
        sea=[(0, (20, 30, 60)), (1, (3, 6, 15))],
        rng=rng,
        ripple=10,
    )
    band = noise(rng, (H // 4, W // 4), 6)
    band = (
        np.asarray(
            Image.fromarray(((band + 1) * 127).astype(np.uint8)).resize((W, H)), dtype=np.float32
        )
        / 255
    )
    yy, xx = np.mgrid[0:H, 0:W]
    along = np.exp(-(((yy - 0.35 * xx - 50) / 170.0) ** 2))  # a diagonal milky way
    picture[:HORIZON] += (along * band * 60)[:HORIZON, :, None] * np.array([0.8, 0.85, 1.0])
    glow(picture, 1320, 160, 60, (200, 210, 230), 0.45)
    image = to_image(picture)
    draw = ImageDraw.Draw(image)
    for _ in range(900):
        x, y = rng.uniform(0, W), rng.uniform(0, HORIZON - 10)
        bright = int(rng.uniform(120, 255))
        r = 1.6 if rng.random() < 0.05 else 0.7
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(bright, bright, min(255, bright + 20)))
    draw.ellipse([1298, 138, 1342, 182], fill=(245, 242, 225))
    draw.rectangle([120, HORIZON - 30, 132, HORIZON], fill=(10, 10, 15))
    draw.ellipse([117, HORIZON - 38, 135, HORIZON - 26], fill=(255, 230, 150))
    return image


def harbour_at_dawn(rng: np.random.Generator) -> Image.Image:
    picture = sky_and_sea(
        sky=[(0, (120, 140, 190)), (0.4, (230, 180, 180)), (0.62, (255, 210, 150))],
        sea=[(0, (200, 170, 160)), (1, (60, 70, 95))],
        rng=rng,
        ripple=14,
    )
    glow(picture, 400, HORIZON, 130, (255, 190, 110), 0.35)
    mist = noise(rng, (H // 8, W // 8), 3)
    mist = (
        np.asarray(
            Image.fromarray(((mist + 1) * 127).astype(np.uint8)).resize((W, H)), dtype=np.float32
        )
        / 255
    )
    near_horizon = np.exp(-(((np.arange(H) - HORIZON) / 90.0) ** 2))[:, None]
    image = to_image(picture)
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle([0, 720, 640, 780], fill=(70, 60, 65))  # the quay
    for x in range(30, 640, 150):
        draw.rectangle([x, 780, x + 18, 900], fill=(50, 42, 48))
    for x, y, size in [(720, 700, 1.0), (1020, 640, 0.7), (1180, 790, 1.3)]:  # moored boats
        w, h = 190 * size, 40 * size
        draw.polygon(
            [(x, y - h), (x + w, y - h), (x + w * 0.85, y), (x + w * 0.12, y)], fill=(55, 45, 60)
        )
        draw.line([(x + w / 2, y - h), (x + w / 2, y - h - 170 * size)], fill=(55, 45, 60), width=4)
    draw.rectangle([1390, 470, 1406, 562], fill=(235, 225, 215))  # the lighthouse far off
    draw.rectangle([1386, 458, 1410, 470], fill=(60, 55, 65))
    picture = np.asarray(image, dtype=np.float32)
    picture += (mist * near_horizon * 50)[..., None]
    return to_image(picture).filter(ImageFilter.GaussianBlur(0.6))


def save(image: Image.Image, name: str) -> Path:
    """PNG when it fits MAX_BYTES, else JPEG (noise textures compress badly as PNG)."""
    (OUT / f"{name}.jpg").unlink(missing_ok=True)  # left by an earlier run
    path = OUT / f"{name}.png"
    image.save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        path.unlink()
        path = OUT / f"{name}.jpg"
        image.save(path, quality=90, optimize=True)
    assert path.stat().st_size <= MAX_BYTES, path
    return path


def main() -> None:
    OUT.mkdir(exist_ok=True)
    rng = np.random.default_rng(2025)
    pictures = {
        "01_lighthouse_dusk": lighthouse_at_dusk,
        "02_open_sea": open_sea,
        "03_night_sky": night_sky,
        "04_harbour_dawn": harbour_at_dawn,
    }
    for name, draw in pictures.items():
        path = save(draw(rng), name)
        print(f"{path} {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
