"""Where each script line is spoken in the user's recording, in any language espeak-ng speaks.

The method of aeneas (which no longer installs on current numpy): synthesise the script with
espeak-ng in the film's language, line by line, so each line's start and end in the synthetic
reference are known; take MFCCs of both signals (each normalised per coefficient, so level and
microphone matter less) and warp the reference onto the recording with dynamic time warping
(`librosa.sequence.dtw`); a line starts where the warp path first reaches its first reference
frame. A line the recording leaves out is squeezed by the warp into a few frames: one whose
span in the recording is under `MISSING_RATIO` of its span in the reference was not said.
Extra speech in the recording (an ad-lib) is absorbed by the warp between lines.

PocketSphinx's forced alignment (`Decoder.set_align_text`) was tried for English and dropped
the lines after a 2-s pause (checked on this project's test recording), so every language
takes this path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal import resample_poly

from pipelines import voice

ALIGN_RATE = 16000  # both signals are compared at this rate
HOP_S = 0.01  # one MFCC frame per 10 ms ...
MAX_CELLS = 30_000_000  # ... unless the warp's cost matrix would exceed this (long films)
REFERENCE_GAP_S = 0.3  # silence between the reference's lines
MISSING_RATIO = 0.3  # a line spoken in under this share of its reference length was not said


@dataclass
class Alignment:
    """Per script line, (start s, end s) in the recording, or None where it was not found."""

    spans: list[tuple[float, float] | None]
    missing: list[str] = field(default_factory=list)  # the text of each line not found
    duration: float = 0.0  # the recording's length, s


def align(recording: np.ndarray, sr: int, lines: list[str], language: str) -> Alignment:
    """Align the script's `lines` (in order) to `recording` (mono float32 at `sr`)."""
    duration = len(recording) / sr
    if not lines:
        return Alignment([], [], duration)
    reference, ref_spans = _reference(lines, language)
    heard = _to_align_rate(recording, sr)
    hop = _hop(len(reference), len(heard))
    ref_features, heard_features = _features(reference, hop), _features(heard, hop)
    first, last = _warp(ref_features, heard_features)
    seconds = hop / ALIGN_RATE
    spans: list[tuple[float, float] | None] = []
    missing = []
    for text, (start, end) in zip(lines, ref_spans):
        i = min(round(start / seconds), len(first) - 1)
        j = min(max(i, round(end / seconds) - 1), len(last) - 1)
        begin, finish = first[i] * seconds, (last[j] + 1) * seconds
        if finish - begin < MISSING_RATIO * (end - start):
            spans.append(None)
            missing.append(text)
        else:
            spans.append((begin, min(finish, duration)))
    return Alignment(spans, missing, duration)


def _reference(lines: list[str], language: str) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The script spoken by espeak-ng at `ALIGN_RATE`, and each line's voiced (start, end) s."""
    speaker = voice.list_voices(language)[0]
    gap = np.zeros(round(REFERENCE_GAP_S * ALIGN_RATE), np.float32)
    parts, spans, t = [gap], [], len(gap)
    for text in lines:
        clip = _to_align_rate(voice.synthesize(text, speaker), voice.SAMPLE_RATE)
        voiced = np.flatnonzero(np.abs(clip) > 0.02 * np.abs(clip).max(initial=1e-9))
        lo, hi = (voiced[0], voiced[-1] + 1) if len(voiced) else (0, len(clip))
        spans.append(((t + lo) / ALIGN_RATE, (t + hi) / ALIGN_RATE))
        parts += [clip, gap]
        t += len(clip) + len(gap)
    return np.concatenate(parts), spans


def _to_align_rate(audio: np.ndarray, sr: int) -> np.ndarray:
    from math import gcd

    g = gcd(ALIGN_RATE, sr)
    return resample_poly(np.asarray(audio, np.float32), ALIGN_RATE // g, sr // g).astype(np.float32)


def _hop(n_reference: int, n_heard: int) -> int:
    """Samples per frame: 10 ms, longer where both signals' frames would overflow the matrix."""
    hop = round(HOP_S * ALIGN_RATE)
    while (n_reference // hop) * (n_heard // hop) > MAX_CELLS:
        hop *= 2
    return hop


def _features(audio: np.ndarray, hop: int) -> np.ndarray:
    """MFCCs (13 × frames), each coefficient normalised to zero mean and unit variance."""
    import librosa

    mfcc = librosa.feature.mfcc(
        y=audio, sr=ALIGN_RATE, n_mfcc=13, hop_length=hop, n_fft=max(400, 2 * hop), center=False
    )
    return (mfcc - mfcc.mean(axis=1, keepdims=True)) / (mfcc.std(axis=1, keepdims=True) + 1e-6)


def _warp(reference: np.ndarray, heard: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The DTW path as, per reference frame, the first and last recording frame matched."""
    import librosa

    _, path = librosa.sequence.dtw(X=reference, Y=heard, metric="euclidean")
    first = np.full(reference.shape[1], heard.shape[1], np.int64)
    last = np.zeros(reference.shape[1], np.int64)
    np.minimum.at(first, path[:, 0], path[:, 1])
    np.maximum.at(last, path[:, 0], path[:, 1])
    return first, last
