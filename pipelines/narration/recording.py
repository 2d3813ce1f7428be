"""The user's recording, decoded: mono float32 at the film's sample rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipelines.errors import InputError
from pipelines.music import decode_audio

SAMPLE_RATE = 48000
MAX_RECORDING_S = 300.0  # the product's longest film


def load_recording(path: Path, sr: int = SAMPLE_RATE) -> np.ndarray:
    """`path` decoded to mono float32 at `sr`; refused (field "narration") when it does not
    decode, is silent, or is longer than `MAX_RECORDING_S`."""
    limit = round(MAX_RECORDING_S * sr)
    stereo = decode_audio(Path(path), sr, max_samples=limit + sr, field="narration")
    if len(stereo) > limit:
        raise InputError(
            "narration",
            f"{Path(path).name} is longer than {MAX_RECORDING_S:g} s; the limit is "
            f"{MAX_RECORDING_S:g} s",
        )
    mono = stereo.mean(axis=1).astype(np.float32)
    if not np.any(np.abs(mono) > 1e-4):
        raise InputError("narration", f"{Path(path).name} is silent")
    return mono
