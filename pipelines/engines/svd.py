"""Stable Video Diffusion: a shot's still becomes a short clip.

    engine = SVDEngine.load(models_dir / "svd")
    frames = engine(still, num_frames=14, size=(1280, 720), seed=7)   # 14 × (720, 1280, 3) uint8

A thin layer over diffusers' `StableVideoDiffusionPipeline`. SVD makes 14 frames (SVD) or 25
(SVD-XT) at ~7 fps whatever the shot's length; the frame stage retimes them to the shot.
`decode_chunk_size` bounds the VAE's memory: fewer frames decoded at once, less VRAM.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from pipelines.engines.framing import cover_fit, generation_size, latent_grid
from pipelines.engines.loader import check_device, load_diffusers, read_options


class SVDEngine:
    """Still → clip with Stable Video Diffusion."""

    def __init__(
        self,
        pipe,
        device: str,
        *,
        steps: int = 25,
        decode_chunk_size: int = 8,
        motion_bucket_id: int = 127,
        fps: int = 7,
        noise_aug_strength: float = 0.02,
        native: int | None = None,
    ):
        self.pipe = pipe
        self.device = device
        self.steps = steps
        self.decode_chunk_size = decode_chunk_size
        self.motion_bucket_id = motion_bucket_id
        self.fps = fps
        self.noise_aug_strength = noise_aug_strength
        trained, self.multiple = latent_grid(pipe)
        self.native = native or trained  # a smaller `native` draws smaller, e.g. on a T4

    @classmethod
    def load(
        cls, path: Path, device: str | None = None, *, memory_share: float | None = None
    ) -> SVDEngine:
        pipe, device = load_diffusers("StableVideoDiffusionPipeline", path, device, memory_share)
        return cls(pipe, device, **read_options(path))

    def __call__(
        self,
        image: Image.Image,
        num_frames: int | None = None,
        size: tuple[int, int] | None = None,
        seed: int = 0,
        *,
        motion_bucket_id: int | None = None,
        decode_chunk_size: int | None = None,
        steps: int | None = None,
    ) -> list[np.ndarray]:
        """`num_frames` (default: the model's own, 14 or 25) H×W×3 uint8 frames of `size`
        (default: the still's size)."""
        import torch

        size = tuple(size or image.size)
        width, height = generation_size(size, self.native, self.multiple)
        frames = self.pipe(
            cover_fit(image.convert("RGB"), (width, height)),
            height=height,
            width=width,
            num_frames=num_frames or self.pipe.unet.config.num_frames,
            num_inference_steps=steps or self.steps,
            fps=self.fps,
            motion_bucket_id=self.motion_bucket_id
            if motion_bucket_id is None
            else motion_bucket_id,
            noise_aug_strength=self.noise_aug_strength,
            decode_chunk_size=decode_chunk_size or self.decode_chunk_size,
            generator=torch.Generator("cpu").manual_seed(seed),
        ).frames[0]
        return [np.asarray(cover_fit(frame, size), dtype=np.uint8) for frame in frames]

    def check_health(self) -> None:
        check_device(self.device)
