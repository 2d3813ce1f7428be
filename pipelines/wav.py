"""16-bit PCM WAV files from float audio (the stdlib `wave` module: no extra dependency).

Used by the stages' command lines (`python -m pipelines.voice|music … -o x.wav`) and by the
engine gateway's HTTP answers.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np


def wav_bytes(audio: np.ndarray, sample_rate: int = 48_000) -> bytes:
    """WAV bytes of float audio in [-1, 1], (n,) mono or (n, channels)."""
    audio = np.asarray(audio, np.float32).reshape(len(audio), -1)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(audio.shape[1])
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes((np.clip(audio, -1, 1) * 32767).round().astype("<i2").tobytes())
    return buffer.getvalue()


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int = 48_000) -> None:
    Path(path).write_bytes(wav_bytes(audio, sample_rate))
