"""Neural speech: one VITS / MMS-TTS model per language, through transformers.

    engine = TTSEngine.load(models_dir / "tts")          # finds tts/en, tts/de, ...
    clips = engine(["Hello there.", "Goodbye."], language="en")   # float32 mono, 48 kHz

Meta's MMS-TTS covers ~1100 languages with one small VITS model each (`facebook/mms-tts-eng`,
`-deu`, ...): put each in `tts/<language>/` under the request's language code. A language
without a model gets `None` here and espeak-ng speaks it (pipelines/voice.py).

Lines go through the model as one padded batch; each comes back trimmed to its own length
and resampled from the model's rate (16 kHz for MMS) to the film's 48 kHz. The resampling runs
where the model ran, on the whole batch at once (`resample_batch`: scipy's polyphase filter as
one `conv_transpose1d`), so a GPU replica does not stall on CPU work line by line.
"""

from __future__ import annotations

from functools import lru_cache
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
    def load(cls, path: Path, device: str) -> VitsVoice:
        from transformers import AutoTokenizer, VitsModel

        model = VitsModel.from_pretrained(path, local_files_only=True).to(device).eval()
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        return cls(model, tokenizer, device)

    def __call__(
        self, texts: list[str], speaker: int = 0, seed: int = 0, rate: int | None = None
    ) -> list[np.ndarray]:
        """Speak each text: float32 mono at `rate` (default: the model's own), resampled on the
        model's device."""
        import torch

        inputs = self.tokenizer(list(texts), padding=True, return_tensors="pt").to(self.device)
        spoken = (
            inputs["attention_mask"].sum(dim=1) > 0
        )  # text the tokenizer kept nothing of is silent
        if not spoken.any():
            return [np.zeros(0, np.float32) for _ in texts]
        multi_speaker = self.model.config.num_speakers > 1
        torch.manual_seed(
            seed
        )  # VITS samples its durations and its prior: a seed makes a take repeatable
        with torch.inference_mode():
            out = self.model(
                input_ids=inputs["input_ids"][spoken],
                attention_mask=inputs["attention_mask"][spoken],
                speaker_id=speaker % self.model.config.num_speakers if multi_speaker else None,
            )
            waves, lengths = resample_batch(
                out.waveform.float(),
                out.sequence_lengths,
                self.sampling_rate,
                rate or self.sampling_rate,
            )
        # one copy of the batch to the host, then each line trimmed to its length
        rows = iter(wave[:n] for wave, n in zip(waves.cpu().numpy(), lengths.cpu().tolist()))
        return [next(rows) if keep else np.zeros(0, np.float32) for keep in spoken.tolist()]


def resample_batch(waves, lengths, rate: int, target: int = SAMPLE_RATE):
    """A batch of waves (B, T) and their lengths resampled from `rate` to `target` on their own
    device: (waves, lengths) at `target`.

    Integer up-sampling (16, 24 or 12 kHz → 48 kHz) is scipy's `resample_poly`, done as one
    `conv_transpose1d` of the zero-stuffed batch with the same Kaiser-windowed filter, so the
    samples match the CPU path. Other ratios go through `resample_poly` on the CPU and stay
    there (the caller takes the batch to the host anyway)."""
    import torch

    if rate == target:
        return waves, lengths
    g = gcd(rate, target)
    up, down = target // g, rate // g
    if down != 1:
        audio = [
            resample(w[:n], rate, target)
            for w, n in zip(waves.cpu().numpy(), lengths.cpu().tolist())
        ]
        width = max((len(a) for a in audio), default=0)
        out = np.zeros((len(audio), width), np.float32)
        for row, a in zip(out, audio):
            row[: len(a)] = a
        return torch.from_numpy(out), torch.tensor([len(a) for a in audio])
    taps = torch.from_numpy(_polyphase_filter(up)).to(waves.device, waves.dtype)
    lengths = lengths.to(waves.device)
    # silence past each line's end (a padded batch holds leftovers there), as a trimmed line has
    waves = waves * (torch.arange(waves.shape[1], device=waves.device)[None, :] < lengths[:, None])
    full = torch.nn.functional.conv_transpose1d(waves[:, None, :], taps[None, None, :], stride=up)[
        :, 0
    ]
    delay = (len(taps) - 1) // 2  # the filter's centre: what resample_poly trims off the front
    return full[:, delay : delay + waves.shape[1] * up].contiguous(), lengths * up


@lru_cache(maxsize=8)
def _polyphase_filter(up: int) -> np.ndarray:
    """The low-pass filter `scipy.signal.resample_poly` designs for up-sampling by `up`."""
    from scipy.signal import firwin

    half = 10 * up
    return (firwin(2 * half + 1, 1.0 / up, window=("kaiser", 5.0)) * up).astype(np.float32)


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
    def load(
        cls, path: Path, device: str | None = None, *, memory_share: float | None = None
    ) -> TTSEngine:
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

    def __call__(
        self, texts: list[str], language: str, speaker: int = 0, seed: int = 0
    ) -> list[np.ndarray] | None:
        """48 kHz float32 mono per text, or None when `language` has no model."""
        voice = self.voice(language)
        if voice is None:
            return None
        return voice(texts, speaker, seed, rate=SAMPLE_RATE)

    def check_health(self) -> None:
        check_device(self.device)
