"""SDXL: one still per shot, from the shot's visual prompt.

    engine = SDXLEngine.load(models_dir / "sdxl")
    pictures = engine(["a lighthouse at dusk", "rain on a window"], size=(1280, 720), seed=7)

A thin layer over diffusers' `StableDiffusionXLPipeline`: prompts go in as one batch, each with
its own seeded generator (so a picture is the same whether it was drawn alone or in a batch),
drawn at a model-friendly size and cover-fitted to the film's frame.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from pipelines.engines.framing import cover_fit, generation_size, latent_grid
from pipelines.engines.loader import check_device, load_diffusers, read_options

NEGATIVE_PROMPT = "blurry, low quality, distorted, watermark, text, logo, frame, border"


class SDXLEngine:
    """Text → picture with Stable Diffusion XL."""

    def __init__(
        self,
        pipe,
        device: str,
        *,
        steps: int = 30,
        guidance: float = 6.0,
        negative_prompt: str = NEGATIVE_PROMPT,
        native: int | None = None,
    ):
        self.pipe = pipe
        self.device = device
        self.steps = steps
        self.guidance = guidance
        self.negative_prompt = negative_prompt
        trained, self.multiple = latent_grid(pipe)
        self.native = native or trained  # a smaller `native` draws smaller, e.g. on a T4

    @classmethod
    def load(
        cls, path: Path, device: str | None = None, *, memory_share: float | None = None
    ) -> SDXLEngine:
        """Load the pipeline (and the optional LoRA in `path/lora`) onto `device`."""

        def adapt(pipe) -> None:
            lora = Path(path) / "lora"
            if lora.is_dir():
                pipe.load_lora_weights(lora)
                pipe.fuse_lora()
            pipe.vae.enable_slicing()  # a batch decodes one picture at a time: less memory

        pipe, device = load_diffusers(
            "StableDiffusionXLPipeline", path, device, memory_share, adapt
        )
        return cls(pipe, device, **read_options(path))

    def __call__(
        self,
        prompts: list[str],
        size: tuple[int, int],
        seed: int | list[int] = 0,
        *,
        negative_prompt: str | None = None,
        steps: int | None = None,
        guidance: float | None = None,
    ) -> list[Image.Image]:
        """One picture per prompt, exactly `size` (width, height); prompt i is seeded `seed + i`
        (or `seed[i]` when a list is given)."""
        import torch

        seeds = seed if isinstance(seed, list) else [seed + i for i in range(len(prompts))]
        width, height = generation_size(size, self.native, self.multiple)
        negative = self.negative_prompt if negative_prompt is None else negative_prompt
        images = self.pipe(
            prompt=list(prompts),
            negative_prompt=[negative] * len(prompts),
            width=width,
            height=height,
            num_inference_steps=steps or self.steps,
            guidance_scale=self.guidance if guidance is None else guidance,
            generator=[torch.Generator("cpu").manual_seed(s) for s in seeds],
        ).images
        return [cover_fit(image, size) for image in images]

    def check_health(self) -> None:
        check_device(self.device)
