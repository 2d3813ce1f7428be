"""Speech recognition for a recording given without a script: Whisper through transformers.

    engine = ASREngine.load(models_dir / "asr")
    windows = engine(audio_16k, "en")     # [(start s, end s, text)], one per ~30 s window

Whisper hears 30 s at a time, so the recording is cut into windows of at most that, each cut
at the quietest 10 ms of its last seconds (not inside a word). Each window's text comes back
with the window's span; where its sentences fall inside it is found by the narration aligner
(`pipelines.narration.transcribe`), which works the same for every language espeak-ng speaks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipelines.engines.loader import load_whisper, read_options

RATE = 16000  # Whisper's feature extractor's rate
WINDOW_S = 30.0
CUT_SEARCH_S = 5.0  # a window ends at the quietest moment of its last seconds
MAX_NEW_TOKENS = 220  # well above the ~150 words 30 s of speech holds


class ASREngine:
    def __init__(self, model, processor, device: str, max_new_tokens: int = MAX_NEW_TOKENS):
        self.model = model
        self.processor = processor
        self.device = device
        self.max_new_tokens = max_new_tokens

    @classmethod
    def load(cls, path: Path, device: str | None = None, **_) -> ASREngine:
        model, processor, device = load_whisper(path, device)
        return cls(model, processor, device, **read_options(path))

    def __call__(self, audio: np.ndarray, language: str) -> list[tuple[float, float, str]]:
        """(start s, end s, text) per window of `audio` (mono float32 at 16 kHz)."""
        import torch

        out = []
        for start, end in windows(audio):
            features = self.processor(
                audio[start:end], sampling_rate=RATE, return_tensors="pt"
            ).input_features.to(self.device, self.model.dtype)
            with torch.inference_mode():
                ids = self.model.generate(
                    features, max_new_tokens=self.max_new_tokens, **self._language(language)
                )
            text = self.processor.batch_decode(ids, skip_special_tokens=True)[0]
            out.append((start / RATE, end / RATE, " ".join(text.split())))
        return out

    def _language(self, language: str) -> dict:
        """Whisper told the language where it knows it; else it detects it (an English-only
        model takes no language at all)."""
        config = self.model.generation_config
        known = getattr(config, "lang_to_id", None) or {}
        if getattr(config, "is_multilingual", False) and f"<|{language}|>" in known:
            return {"language": language, "task": "transcribe"}
        return {}


def windows(audio: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) samples of consecutive windows of at most `WINDOW_S`, each after the first
    starting where the one before ends, at the quietest 10 ms of its last `CUT_SEARCH_S`."""
    size, search, frame = round(WINDOW_S * RATE), round(CUT_SEARCH_S * RATE), RATE // 100
    out, start = [], 0
    while len(audio) - start > size:
        tail = audio[start + size - search : start + size]
        energy = (tail[: len(tail) // frame * frame].reshape(-1, frame) ** 2).sum(axis=1)
        cut = start + size - search + int(np.argmin(energy)) * frame
        out.append((start, cut))
        start = cut
    out.append((start, len(audio)))
    return out
