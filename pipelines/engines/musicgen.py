"""MusicGen: a score for the film from a text prompt built on the script's mood.

    engine = MusicGenEngine.load(models_dir / "musicgen")
    music = engine("gentle piano and strings, hopeful", duration_s=95.0)   # (n, 2) float32, 48 kHz

transformers' `MusicgenForConditionalGeneration` writes 50 codec frames per second of audio and
was trained on 30-second pieces, so a longer film gets one piece looped with crossfades, then
trimmed to the film's exact length. The mix stage ducks it under speech as in the draft tier.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipelines.engines.loader import check_device, prepare, read_options, torch_dtype
from pipelines.engines.tts import SAMPLE_RATE, resample

MOOD_PROMPTS = {
    "calm": "calm ambient film score, soft piano and warm strings, slow tempo",
    "hopeful": "hopeful cinematic score, rising strings and gentle piano, major key",
    "joyful": "joyful upbeat orchestral score, bright plucked strings and light percussion",
    "tense": "tense suspense film score, low pulsing strings and sparse percussion",
    "sad": "sad melancholic film score, solo cello and quiet piano, minor key",
    "mysterious": "mysterious atmospheric score, airy synth pads and distant bells",
}


def music_prompt(mood: str, title: str | None = None) -> str:
    """The text MusicGen is conditioned on: a film-score description of the script's mood."""
    prompt = MOOD_PROMPTS.get(mood, MOOD_PROMPTS["calm"])
    return f"{prompt}, instrumental, no vocals" + (f", for a film titled {title}" if title else "")


class MusicGenEngine:
    """Text → stereo music at 48 kHz, any length."""

    def __init__(
        self,
        model,
        tokenizer,
        device: str,
        *,
        max_seconds: float = 30.0,
        guidance: float = 3.0,
        crossfade_s: float = 2.0,
    ):
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.frame_rate = model.config.audio_encoder.frame_rate  # codec frames per second
        self.sampling_rate = model.config.audio_encoder.sampling_rate
        # The decoder's positions bound a piece too; its delay pattern takes one step per codebook.
        positions = (
            model.config.decoder.max_position_embeddings - model.config.decoder.num_codebooks - 1
        )
        self.max_seconds = min(max_seconds, positions / self.frame_rate)
        self.guidance = guidance
        self.crossfade_s = crossfade_s

    @classmethod
    def load(
        cls, path: Path, device: str | None = None, *, memory_share: float | None = None
    ) -> MusicGenEngine:
        from transformers import AutoTokenizer, MusicgenForConditionalGeneration

        device = prepare(device, memory_share)
        model = (
            MusicgenForConditionalGeneration.from_pretrained(
                path, dtype=torch_dtype(device), local_files_only=True
            )
            .to(device)
            .eval()
        )
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        return cls(model, tokenizer, device, **read_options(path))

    def generate(self, prompt: str, seconds: float, seed: int = 0) -> np.ndarray:
        """One piece of at most `max_seconds`, as the model makes it: (channels, samples) float32."""
        import torch

        torch.manual_seed(seed)
        inputs = self.tokenizer([prompt], padding=True, return_tensors="pt").to(self.device)
        steps = max(1, round(min(seconds, self.max_seconds) * self.frame_rate))
        with torch.inference_mode():
            audio = self.model.generate(
                **inputs, max_new_tokens=steps, do_sample=True, guidance_scale=self.guidance
            )
        return audio[0].float().cpu().numpy()

    def __call__(self, prompt: str, duration_s: float, seed: int = 0) -> np.ndarray:
        """`duration_s` seconds of music: (n, 2) float32 at 48 kHz, n = round(duration_s * 48000)."""
        piece = self.generate(prompt, duration_s, seed)
        stereo = np.repeat(piece, 2, axis=0) if piece.shape[0] == 1 else piece[:2]
        audio = resample(stereo.T, self.sampling_rate)
        return loop_to_length(
            audio, round(duration_s * SAMPLE_RATE), round(self.crossfade_s * SAMPLE_RATE)
        )

    def check_health(self) -> None:
        check_device(self.device)


def loop_to_length(audio: np.ndarray, length: int, crossfade: int) -> np.ndarray:
    """Repeat `audio` (n, channels) with equal-power crossfades until it is `length` long, then trim."""
    if len(audio) == 0:
        return np.zeros((length, 2), np.float32)
    crossfade = min(crossfade, len(audio) // 2)
    out = audio
    if crossfade:
        t = np.linspace(0.0, np.pi / 2, crossfade, dtype=np.float32)[:, None]
        fade_out, fade_in = np.cos(t), np.sin(t)
    while len(out) < length:
        if crossfade:
            joint = out[-crossfade:] * fade_out + audio[:crossfade] * fade_in
            out = np.concatenate([out[:-crossfade], joint, audio[crossfade:]])
        else:
            out = np.concatenate([out, audio])
    return np.ascontiguousarray(out[:length], dtype=np.float32)
