"""SDXL: one still per shot, from the shot's visual prompt.

    engine = SDXLEngine.load(models_dir / "sdxl")
    pictures = engine(["a lighthouse at dusk", "rain on a window"], size=(1280, 720), seed=7)

A thin layer over diffusers' `StableDiffusionXLPipeline`: prompts go in as one batch, each with
its own seeded generator (so a picture is the same whether it was drawn alone or in a batch),
drawn at a model-friendly size and cover-fitted to the film's frame.

The same character in every shot: `control=` conditions the pictures on a reference (a pose or
depth map, or the character's first still) through a ControlNet from `MODELS/controlnet/<kind>/`,
built over the loaded pipeline's own components (no second copy of the UNet).
The same face: `reference=` conditions the pictures on a picture of the character through an
IP-Adapter (`MODELS/sdxl/ip_adapter/`: its `*.safetensors` and the CLIP `image_encoder/` it was
trained with), loaded with diffusers' `load_ip_adapter` on the first call that has a reference.
LoRAs: every `MODELS/sdxl/lora/*.safetensors` is loaded as one adapter (its file stem), weighted
by `studio.json`'s `lora_weights` (default 1.0), stacked and fused at load. A file that is not a
LoRA is refused, naming it.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from pipelines.engines.framing import cover_fit, generation_size, latent_grid
from pipelines.engines.ip_adapter import IPAdapter
from pipelines.engines.loader import check_device, load_diffusers, read_options
from pipelines.errors import InputError

IP_ADAPTER_DIR = "ip_adapter"  # MODELS/sdxl/ip_adapter/: the adapter and its image encoder
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
        controlnets: Path | None = None,
        ip_adapter: Path | None = None,
        lora_weights: dict[str, float] | None = None,  # read at load (see `load`)
    ):
        self.pipe = pipe
        self.controlnets = controlnets  # MODELS/controlnet: one directory per kind
        self._control_pipes: dict[str, object] = {}
        self.ip_adapter = IPAdapter(ip_adapter)  # MODELS/sdxl/ip_adapter, loaded on first use
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

        options = read_options(path)

        def adapt(pipe) -> None:
            load_loras(pipe, Path(path) / "lora", options.get("lora_weights") or {})
            pipe.vae.enable_slicing()  # a batch decodes one picture at a time: less memory

        pipe, device = load_diffusers(
            "StableDiffusionXLPipeline", path, device, memory_share, adapt
        )
        return cls(
            pipe,
            device,
            controlnets=Path(path).parent / "controlnet",
            ip_adapter=Path(path) / IP_ADAPTER_DIR,
            **options,
        )

    def has_ip_adapter(self) -> bool:
        """Whether this model directory has an IP-Adapter (`sdxl/ip_adapter/*.safetensors`)."""
        return self.ip_adapter.available()

    def control_kinds(self) -> list[str]:
        """The ControlNets this model directory has (`pose`, `depth`, ...)."""
        if self.controlnets is None or not self.controlnets.is_dir():
            return []
        return sorted(p.name for p in self.controlnets.iterdir() if (p / "config.json").is_file())

    def _control_pipe(self, kind: str):
        """The ControlNet pipeline for `kind`, sharing this pipeline's components (loaded once)."""
        if kind not in self._control_pipes:
            if kind not in self.control_kinds():
                raise InputError(
                    "control_kind",
                    f"no ControlNet {kind!r} in {self.controlnets}; there are: "
                    f"{', '.join(self.control_kinds()) or 'none'}",
                )
            from diffusers import ControlNetModel, StableDiffusionXLControlNetPipeline

            controlnet = ControlNetModel.from_pretrained(
                self.controlnets / kind, dtype=self.pipe.unet.dtype, local_files_only=True
            ).to(self.device)
            pipe = StableDiffusionXLControlNetPipeline(
                **self.pipe.components, controlnet=controlnet
            )
            pipe.set_progress_bar_config(disable=True)
            self._control_pipes[kind] = pipe
        return self._control_pipes[kind]

    def __call__(
        self,
        prompts: list[str],
        size: tuple[int, int],
        seed: int | list[int] = 0,
        *,
        negative_prompt: str | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        control: Image.Image | None = None,
        control_kind: str = "pose",
        control_scale: float = 0.8,
        reference: Image.Image | None = None,
        reference_scale: float = 0.6,
    ) -> list[Image.Image]:
        """One picture per prompt, exactly `size` (width, height); prompt i is seeded `seed + i`
        (or `seed[i]` when a list is given). With `control`, every picture follows that reference
        (pose, depth or layout) through the `control_kind` ControlNet, at `control_scale`. With
        `reference` (a picture of the character), every picture takes its look through the
        IP-Adapter, at `reference_scale`."""
        import torch

        seeds = seed if isinstance(seed, list) else [seed + i for i in range(len(prompts))]
        width, height = generation_size(size, self.native, self.multiple)
        negative = self.negative_prompt if negative_prompt is None else negative_prompt
        guidance = self.guidance if guidance is None else guidance
        pipe = self.pipe
        conditioning = self.ip_adapter.conditioning(
            pipe, reference, reference_scale, guided=guidance > 1
        )
        if control is not None:
            pipe = self._control_pipe(control_kind)
            if self.ip_adapter.loaded and pipe.image_encoder is None:  # built before the adapter
                pipe.register_modules(
                    image_encoder=self.pipe.image_encoder,
                    feature_extractor=self.pipe.feature_extractor,
                )
            layout = cover_fit(control.convert("RGB"), (width, height))
            conditioning |= {
                "image": [layout] * len(prompts),
                "controlnet_conditioning_scale": float(control_scale),
            }
        images = pipe(
            prompt=list(prompts),
            negative_prompt=[negative] * len(prompts),
            width=width,
            height=height,
            num_inference_steps=steps or self.steps,
            guidance_scale=guidance,
            generator=[torch.Generator("cpu").manual_seed(s) for s in seeds],
            **conditioning,
        ).images
        return [cover_fit(image, size) for image in images]

    def check_health(self) -> None:
        check_device(self.device)


def load_loras(pipe, lora_dir: Path, weights: dict[str, float]) -> None:
    """Every `*.safetensors` in `lora_dir` as one adapter named by its stem, at `weights[stem]`
    (default 1.0), stacked and fused into the UNet. A file that is not a LoRA is refused by name."""
    files = sorted(Path(lora_dir).glob("*.safetensors")) if Path(lora_dir).is_dir() else []
    if not files:
        return
    from safetensors import safe_open

    for file in files:
        try:
            with safe_open(file, "pt") as weights_file:
                if not any("lora" in key for key in weights_file.keys()):
                    raise ValueError("it holds no LoRA weights")
            pipe.load_lora_weights(file.parent, weight_name=file.name, adapter_name=file.stem)
        except Exception as exc:
            raise InputError(
                f"lora {file.name}", f"{file} is not a LoRA safetensors file ({exc})"
            ) from exc
    names = [file.stem for file in files]
    pipe.set_adapters(names, [float(weights.get(name, 1.0)) for name in names])
    pipe.fuse_lora(adapter_names=names)
