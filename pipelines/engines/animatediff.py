"""AnimateDiff: a shot's prompt becomes a short clip (text to video, no still needed).

    engine = AnimateDiffEngine.load(models_dir / "animatediff")
    frames = engine("a lighthouse at dusk, waves", num_frames=16, size=(1280, 720), seed=7)

A thin layer over diffusers' `AnimateDiffPipeline`: a `MotionAdapter` (the temporal layers)
inserted into the Stable Diffusion 1.5 UNet it was trained on. The directory holds both::

    animatediff/
      motion_adapter/   a diffusers MotionAdapter (e.g. animatediff-motion-adapter-v1-5-2)
      base/             the SD 1.5-style StableDiffusionPipeline the adapter matches
      ip_adapter/       optional: an SD 1.5 IP-Adapter (*.safetensors + image_encoder/), so a
                        clip takes a character's look from `reference=` (as SDXL's stills do)
      studio.json       optional defaults: steps, guidance, native, decode_chunk_size

Its motion modules were trained on 16-frame clips at 512²; the frame stage retimes the clip to
its shot like SVD's. `decode_chunk_size` bounds the VAE's memory as in SVD.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from pipelines.engines.framing import cover_fit, generation_size, latent_grid
from pipelines.engines.ip_adapter import IPAdapter
from pipelines.engines.loader import check_device, prepare, read_options, torch_dtype

ADAPTER_DIR = "motion_adapter"
BASE_DIR = "base"
IP_ADAPTER_DIR = "ip_adapter"


class AnimateDiffEngine:
    """Prompt → clip with AnimateDiff."""

    def __init__(
        self,
        pipe,
        device: str,
        *,
        steps: int = 25,
        guidance: float = 7.5,
        decode_chunk_size: int = 8,
        num_frames: int = 16,
        native: int | None = None,
        ip_adapter: Path | None = None,
    ):
        self.pipe = pipe
        self.ip_adapter = IPAdapter(ip_adapter)  # loaded on the first clip with a reference
        self.device = device
        self.steps = steps
        self.guidance = guidance
        self.decode_chunk_size = decode_chunk_size
        self.num_frames = num_frames
        trained, self.multiple = latent_grid(pipe)
        self.native = native or trained  # a smaller `native` draws smaller, e.g. on a T4

    @classmethod
    def load(
        cls, path: Path, device: str | None = None, *, memory_share: float | None = None
    ) -> AnimateDiffEngine:
        """The adapter from `path/motion_adapter`, inserted into the base in `path/base`."""
        from diffusers import AnimateDiffPipeline, MotionAdapter
        from diffusers.utils import logging

        logging.disable_progress_bar()
        path = Path(path)
        device = prepare(device, memory_share)
        dtype = torch_dtype(device)
        local = {"local_files_only": True, "use_safetensors": True}
        adapter = MotionAdapter.from_pretrained(path / ADAPTER_DIR, dtype=dtype, **local)
        pipe = AnimateDiffPipeline.from_pretrained(
            path / BASE_DIR, motion_adapter=adapter, dtype=dtype, **local
        )
        pipe.to(device)
        pipe.set_progress_bar_config(disable=True)
        return cls(pipe, device, ip_adapter=path / IP_ADAPTER_DIR, **read_options(path))

    def has_ip_adapter(self) -> bool:
        """Whether this model directory has an IP-Adapter (`animatediff/ip_adapter/`)."""
        return self.ip_adapter.available()

    def __call__(
        self,
        prompt: str,
        num_frames: int | None = None,
        size: tuple[int, int] = (1280, 720),
        seed: int = 0,
        *,
        steps: int | None = None,
        reference: Image.Image | None = None,
        reference_scale: float = 0.6,
    ) -> list[np.ndarray]:
        """`num_frames` (default: the adapter's 16) H×W×3 uint8 frames of `size` (width, height).
        With `reference` (a picture of the character) the clip takes its look through the
        IP-Adapter, at `reference_scale`."""
        import torch

        size = tuple(size)
        width, height = generation_size(size, self.native, self.multiple)
        conditioning = self.ip_adapter.conditioning(
            self.pipe, reference, reference_scale, guided=self.guidance > 1
        )
        frames = self.pipe(
            prompt=prompt,
            num_frames=num_frames or self.num_frames,
            height=height,
            width=width,
            num_inference_steps=steps or self.steps,
            guidance_scale=self.guidance,
            decode_chunk_size=self.decode_chunk_size,
            generator=torch.Generator("cpu").manual_seed(seed),
            **conditioning,
        ).frames[0]
        return [np.asarray(cover_fit(frame, size), dtype=np.uint8) for frame in frames]

    def check_health(self) -> None:
        check_device(self.device)
