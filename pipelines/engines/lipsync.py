"""Lip-sync in MuseTalk's architecture: a portrait's mouth redrawn to a line's audio.

    engine = LipSyncEngine.load(models_dir / "lipsync")
    frames = engine(face, audio, fps=24)   # one H×W×3 uint8 frame per film frame of the audio

MuseTalk (TMElyralab/MuseTalk, MIT) inpaints the lower half of a face in a VAE's latent space in
a single UNet pass, the UNet's cross-attention conditioned on Whisper encoder features of the
audio around each frame. Here the same parts, as library classes read with `from_pretrained`:

    MODELS/lipsync/
      unet/     diffusers UNet2DConditionModel: in 8 channels (the masked face's latents and the
                reference face's latents), out 4; cross_attention_dim = the Whisper encoder's width
      vae/      diffusers AutoencoderKL (MuseTalk uses sd-vae-ft-mse, MIT)
      whisper/  a transformers WhisperModel (its encoder is used) + WhisperFeatureExtractor
      studio.json  {"size": 256, "window": 2, "batch": 16}: face size, audio context, batch

Per frame: the face (resized to `size`) and its copy with the lower half blanked are encoded;
the UNet predicts the face's latents from both and the audio features of the `window` Whisper
steps (20 ms each) either side of the frame; the VAE decodes them and the lower half of the
prediction replaces the face's.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image

from pipelines.engines.loader import check_device, prepare, read_options, torch_dtype

WHISPER_RATE = 16000
WHISPER_STEPS_PER_S = 50  # encoder outputs: one per 20 ms (two 10 ms mel frames)


class LipSyncEngine:
    """Portrait + speech → talking frames."""

    def __init__(self, unet, vae, encoder, features, device: str, *, size=256, window=2, batch=16):
        self.unet, self.vae, self.encoder, self.features = unet, vae, encoder, features
        self.device = device
        self.size, self.window, self.batch = int(size), int(window), int(batch)

    @classmethod
    def load(
        cls, path: Path, device: str | None = None, *, memory_share: float | None = None
    ) -> LipSyncEngine:
        from diffusers import AutoencoderKL, UNet2DConditionModel
        from transformers import WhisperFeatureExtractor, WhisperModel

        device = prepare(device, memory_share)
        dtype = torch_dtype(device)
        path = Path(path)
        common = {"local_files_only": True}
        unet = UNet2DConditionModel.from_pretrained(path / "unet", dtype=dtype, **common)
        vae = AutoencoderKL.from_pretrained(path / "vae", dtype=dtype, **common)
        whisper = WhisperModel.from_pretrained(path / "whisper", dtype=dtype, **common)
        features = WhisperFeatureExtractor.from_pretrained(path / "whisper", **common)
        encoder = whisper.get_encoder()
        for model in (unet, vae, encoder):
            model.to(device).eval()
        return cls(unet, vae, encoder, features, device, **read_options(path))

    def __call__(
        self, face: Image.Image, audio: np.ndarray, sample_rate: int = 48000, fps: int = 24
    ) -> list[np.ndarray]:
        """One frame (the face's size, H×W×3 uint8) per film frame of `audio`: ceil(seconds ×
        fps) frames, the face's lower half redrawn for the speech around each."""
        import torch

        frames = max(1, math.ceil(len(audio) / sample_rate * fps))
        audio_features = self._audio_features(audio, sample_rate)  # (steps, width)
        steps = audio_features.shape[0]
        size = self.size
        face_in = face.convert("RGB").resize((size, size), Image.Resampling.LANCZOS)
        pixels = torch.from_numpy(np.asarray(face_in).copy()).permute(2, 0, 1).float() / 127.5 - 1
        pixels = pixels[None].to(self.device, self.vae.dtype)
        masked = pixels.clone()
        masked[:, :, size // 2 :] = -1  # the lower half blanked, as MuseTalk masks it
        with torch.inference_mode():
            scale = self.vae.config.scaling_factor
            reference = self.vae.encode(pixels).latent_dist.mode() * scale
            blanked = self.vae.encode(masked).latent_dist.mode() * scale
            inputs = torch.cat([blanked, reference], dim=1)
            out: list[np.ndarray] = []
            for first in range(0, frames, self.batch):
                count = min(self.batch, frames - first)
                context = torch.stack(
                    [self._window(audio_features, steps, (first + i) / fps) for i in range(count)]
                ).to(self.device, self.unet.dtype)
                latents = self.unet(
                    inputs.expand(count, -1, -1, -1),
                    torch.zeros(count, device=self.device),  # one pass, at t = 0
                    encoder_hidden_states=context,
                ).sample
                decoded = self.vae.decode(latents / scale).sample.clamp(-1, 1)
                predicted = pixels.expand(count, -1, -1, -1).clone()
                predicted[:, :, size // 2 :] = decoded[:, :, size // 2 :]
                images = ((predicted + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1)
                out += [
                    np.asarray(Image.fromarray(im).resize(face.size, Image.Resampling.BILINEAR))
                    for im in images.cpu().numpy()
                ]
        return out

    def _audio_features(self, audio: np.ndarray, sample_rate: int):
        """Whisper encoder outputs over the whole clip, in 30 s windows: (steps, width)."""
        import torch
        from scipy.signal import resample_poly

        g = math.gcd(WHISPER_RATE, sample_rate)
        speech = resample_poly(audio.astype(np.float32), WHISPER_RATE // g, sample_rate // g)
        window = WHISPER_RATE * 30
        parts = []
        for start in range(0, max(len(speech), 1), window):
            piece = speech[start : start + window]
            mel = self.features(
                piece, sampling_rate=WHISPER_RATE, return_tensors="pt"
            ).input_features.to(self.device, self.encoder.dtype)
            with torch.inference_mode():
                hidden = self.encoder(mel).last_hidden_state[0]
            keep = math.ceil(len(piece) / WHISPER_RATE * WHISPER_STEPS_PER_S)
            parts.append(hidden[: max(keep, 1)])
        return torch.cat(parts).float()

    def _window(self, features, steps: int, t: float):
        centre = round(t * WHISPER_STEPS_PER_S)
        index = [min(max(centre + k, 0), steps - 1) for k in range(-self.window, self.window + 1)]
        return features[index]

    def check_health(self) -> None:
        check_device(self.device)
