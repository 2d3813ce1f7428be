"""An IP-Adapter for a diffusers pipeline: pictures (or clips) that take a reference's look.

    adapter = IPAdapter(models_dir / "sdxl" / "ip_adapter")    # *.safetensors + image_encoder/
    kwargs = adapter.conditioning(pipe, reference, scale=0.6, guided=True)
    pipe(prompt=..., **kwargs)

The directory is h94/IP-Adapter's layout: the adapter's `*.safetensors` beside the CLIP
`image_encoder/` it was trained with. diffusers' `load_ip_adapter` puts it into the pipeline's
UNet on the first call that has a reference, so a film without references never pays for it.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from pipelines.errors import InputError

IMAGE_ENCODER_DIR = "image_encoder"


class IPAdapter:
    """One adapter directory, loaded into a pipeline on first use."""

    def __init__(self, path: Path | None):
        self.path = None if path is None else Path(path)
        self.loaded = False

    def available(self) -> bool:
        return self.path is not None and any(self.path.glob("*.safetensors"))

    def load(self, pipe) -> None:
        """The adapter and its image encoder into `pipe` (once). A pipeline built later over
        `pipe.components` shares them."""
        if self.loaded:
            return
        if not self.available():
            raise InputError(
                "reference",
                f"a reference picture needs an IP-Adapter in {self.path} "
                f"(its *.safetensors and {IMAGE_ENCODER_DIR}/); there is none",
            )
        pipe.load_ip_adapter(
            str(self.path),
            subfolder="",
            weight_name=sorted(self.path.glob("*.safetensors"))[0].name,
            image_encoder_folder=IMAGE_ENCODER_DIR,
            local_files_only=True,
        )
        self.loaded = True

    def conditioning(
        self, pipe, reference: Image.Image | None, scale: float, guided: bool
    ) -> dict[str, object]:
        """The pipeline's IP-Adapter arguments. Once the adapter is in the UNet, every call needs
        image embeddings: a call without a reference gets zeros at scale 0, which adds exactly
        nothing (the picture it would have drawn before the adapter was loaded)."""
        if reference is not None:
            self.load(pipe)
            pipe.set_ip_adapter_scale(float(scale))
            return {"ip_adapter_image": reference.convert("RGB")}
        if not self.loaded:
            return {}
        import torch

        pipe.set_ip_adapter_scale(0.0)
        width = pipe.image_encoder.config.projection_dim
        zeros = torch.zeros(2 if guided else 1, 1, width, dtype=pipe.unet.dtype)
        return {"ip_adapter_image_embeds": [zeros.to(pipe.device)]}


def to_png(picture: Image.Image | None) -> bytes | None:
    """A reference as PNG bytes: how it travels to a Serve deployment (lossless, and equal
    pictures are equal bytes, so a replica can batch the requests that share one)."""
    if picture is None:
        return None
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def from_png(data: bytes | None) -> Image.Image | None:
    return None if data is None else Image.open(io.BytesIO(data)).convert("RGB")
