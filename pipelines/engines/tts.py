"""Neural speech: one VITS / MMS-TTS model per language, through transformers.

    engine = TTSEngine.load(models_dir / "tts")          # finds tts/en, tts/de, ...
    clips = engine(["Hello there.", "Goodbye."], language="en")   # float32 mono, 48 kHz

Meta's MMS-TTS covers ~1100 languages with one small VITS model each (`facebook/mms-tts-eng`,
`-deu`, ...): put each in `tts/<language>/` under the request's language code. A language
without a model gets `None` here and espeak-ng speaks it (pipelines/voice.py).

Lines go through the model as one padded batch; each comes back trimmed to its own length
and resampled from the model's rate (16 kHz for MMS) to the film's 48 kHz.
"""

from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np

from pipelines.engines.loader import check_device, prepare

SAMPLE_RATE = 48_000


class VitsVoice:
    """One language's VITS model and its character tokenizer."""

    def __init__(self, model, tokenizer, device: str):
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.sampling_rate = model.config.sampling_rate

    @classmethod
    def load(cls, path: Path, device: str) -> "VitsVoice":
        from transformers import AutoTokenizer, VitsModel

        model = VitsModel.from_pretrained(path, local_files_only=True).to(device).eval()
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        return cls(model, tokenizer, device)

    def __call__(self, texts: list[str], speaker: int = 0, seed: int = 0) -> list[np.ndarray]:
        """Speak each text; float32 mono at the model's own sampling rate."""
        import torch

        inputs = self.tokenizer(list(texts), padding=True, return_tensors="pt").to(self.device)
        spoken = inputs["attention_mask"].sum(dim=1) > 0  # text the tokenizer kept nothing of is silent
        if not spoken.any():
            return [np.zeros(0, np.float32) for _ in texts]
        multi_speaker = self.model.config.num_speakers > 1
        torch.manual_seed(seed)  # VITS samples its durations and its prior: a seed makes a take repeatable
        with torch.inference_mode():
            out = self.model(
                input_ids=inputs["input_ids"][spoken],
                attention_mask=inputs["attention_mask"][spoken],
                speaker_id=speaker % self.model.config.num_speakers if multi_speaker else None,
            )
        lengths = out.sequence_lengths.cpu().tolist()
        waves = iter(wave[:n] for wave, n in zip(out.waveform.float().cpu().numpy(), lengths))
        return [next(waves) if keep else np.zeros(0, np.float32) for keep in spoken.tolist()]


def resample(audio: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Polyphase resampling (exact ratio, band-limited) from `rate` to `target` Hz."""
    if rate == target or audio.size == 0:
        return audio.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = gcd(rate, target)
    return resample_poly(audio, target // g, rate // g, axis=0).astype(np.float32)


class TTSEngine:
    """Every language in a `tts/` directory; each model loads on first use."""

    def __init__(self, root: Path, device: str):
        self.root = Path(root)
        self.device = device
        self.voices: dict[str, VitsVoice] = {}

    @classmethod
    def load(cls, path: Path, device: str | None = None, *, memory_share: float | None = None) -> "TTSEngine":
        return cls(path, prepare(device, memory_share))

    @property
    def languages(self) -> list[str]:
        """The languages with a model (sub-directories holding a config.json)."""
        return sorted(p.parent.name for p in self.root.glob("*/config.json"))

    def voice(self, language: str) -> VitsVoice | None:
        """The model for `language` ("pt-BR" falls back to "pt"), loaded once; None if there is none."""
        for code in dict.fromkeys([language, language.split("-")[0]]):
            if code not in self.voices and (self.root / code / "config.json").is_file():
                self.voices[code] = VitsVoice.load(self.root / code, self.device)
            if code in self.voices:
                return self.voices[code]
        return None

    def __call__(self, texts: list[str], language: str, speaker: int = 0, seed: int = 0) -> list[np.ndarray] | None:
        """48 kHz float32 mono per text, or None when `language` has no model."""
        voice = self.voice(language)
        if voice is None:
            return None
        return [resample(wave, voice.sampling_rate) for wave in voice(texts, speaker, seed)]

    def check_health(self) -> None:
        check_device(self.device)
