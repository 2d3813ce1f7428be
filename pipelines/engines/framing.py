"""Fitting generated pictures to the film's frame.

Diffusion models draw best near the size they were trained at (SDXL 1024², SVD 1024×576), at
sides that divide into their latent grid. So the engines generate at a model-friendly size with
the film's aspect ratio, then cover-fit (scale to cover, centre-crop) to the exact frame.
"""

from __future__ import annotations

import math

from PIL import Image


def latent_grid(pipe) -> tuple[int, int]:
    """(native, multiple) of a diffusers pipeline: the side its UNet was trained at, in pixels,
    and the grid its latents divide into (every down-sampling block halves them)."""
    scale = pipe.vae_scale_factor
    native = pipe.unet.config.sample_size * scale
    return native, math.lcm(8, scale * 2 ** (len(pipe.unet.config.block_out_channels) - 1))


def generation_size(size: tuple[int, int], native: int, multiple: int) -> tuple[int, int]:
    """A (width, height) with the aspect of `size`, about `native`² pixels, sides a `multiple`."""
    width, height = size
    scale = native / math.sqrt(width * height)

    def snap(side: float) -> int:
        return max(multiple, round(side * scale / multiple) * multiple)

    return snap(width), snap(height)


def cover_fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale `image` to cover `size` (width, height), then crop the centre: exact size, no bars."""
    if image.size == tuple(size):
        return image
    width, height = size
    scale = max(width / image.width, height / image.height)
    scaled = (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
    image = image.convert("RGB").resize(scaled, Image.Resampling.LANCZOS)
    left, top = (scaled[0] - width) // 2, (scaled[1] - height) // 2
    return image.crop((left, top, left + width, top + height))
