"""MarianMT (OPUS-MT): one model per language pair, from `MODELS/translate/<src>-<tgt>/`.

The deterministic studio alternative to the LLM: greedy decoding, a batch of lines at a time,
one output per input line. Loaded through the engines' loader (offline, local files only).
Licences vary per pair (many OPUS-MT pairs are Apache-2.0, some CC-BY-4.0): see the README.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipelines.engines.loader import load_seq2seq, translation_dir
from pipelines.translate.languages import base

BATCH = 16  # lines per generate call
MAX_NEW_TOKENS = 256


class MarianTranslator:
    name = "marian"

    def __init__(self, models_dir: Path | None, device: str | None = None):
        self.models_dir = Path(models_dir) if models_dir else None
        self.device = device
        self._loaded: dict[Path, tuple] = {}

    def path(self, source: str, target: str) -> Path | None:
        if self.models_dir is None:
            return None
        return translation_dir(self.models_dir, base(source), base(target))

    def unavailable(self, source: str, target: str) -> str | None:
        path = self.path(source, target)
        if path is None:
            return "no model directory (--tier studio --models DIR)"
        if not (path / "config.json").is_file():
            return f"no model in {path}"
        return None

    def translate(
        self,
        lines: Sequence[str],
        source: str,
        target: str,
        times: Sequence[tuple[float, float]] | None = None,
    ) -> list[str]:
        import torch

        model, tokenizer, device = self._model(self.path(source, target))
        lines = [" ".join(line.split()) for line in lines]
        todo = [i for i, line in enumerate(lines) if line]
        out = list(lines)
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            inputs = tokenizer(
                [lines[i] for i in batch], return_tensors="pt", padding=True, truncation=True
            ).to(device)
            # a line's translation is rarely twice its tokens; the model's positions cap it too
            longest = min(
                MAX_NEW_TOKENS,
                2 * inputs["input_ids"].shape[1] + 8,
                model.config.max_position_embeddings - 1,
            )
            with torch.inference_mode():
                tokens = model.generate(**inputs, num_beams=1, max_new_tokens=longest)
            for i, text in zip(batch, tokenizer.batch_decode(tokens, skip_special_tokens=True)):
                out[i] = text.strip()
        return out

    def _model(self, path: Path) -> tuple:
        if path not in self._loaded:
            self._loaded[path] = load_seq2seq(path, self.device)
        return self._loaded[path]
