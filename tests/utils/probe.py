"""What a user's player sees in an MP4, read with FFmpeg's own libraries (PyAV) — the same
fields ffprobe prints — plus the box order that +faststart guarantees."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np


@dataclass
class Probe:
    video_codec: str
    profile: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    audio_codec: str
    audio_profile: str
    sample_rate: int
    channels: int
    duration: float
    moov_before_mdat: bool
    keyframe_interval: int


def top_level_boxes(path: Path) -> list[str]:
    boxes = []
    with open(path, "rb") as f:
        while header := f.read(8):
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0] - 8
            boxes.append(kind.decode("latin-1"))
            f.seek(size - 8, 1)
    return boxes


def assert_upload_standard(p: Probe, duration: float, tolerance: float = 0.5) -> None:
    """YouTube's recommended upload settings, for a 1280×720 24 fps film of `duration` s."""
    assert (p.video_codec, p.profile, p.pix_fmt) == ("h264", "High", "yuv420p")
    assert (p.audio_codec, p.audio_profile, p.sample_rate, p.channels) == ("aac", "LC", 48000, 2)
    assert (p.width, p.height, p.fps) == (1280, 720, 24)
    assert abs(p.duration - duration) <= tolerance
    assert p.moov_before_mdat


def probe(path: Path) -> Probe:
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        keys = [i for i, p in enumerate(c.demux(v)) if p.is_keyframe and p.size]
        gaps = [b - x for x, b in zip(keys, keys[1:])]
        boxes = top_level_boxes(path)
        return Probe(
            video_codec=v.codec_context.name,
            profile=v.codec_context.profile or "",
            pix_fmt=v.codec_context.pix_fmt,
            width=v.codec_context.width,
            height=v.codec_context.height,
            fps=float(v.average_rate),
            audio_codec=a.codec_context.name,
            audio_profile=a.codec_context.profile or "",
            sample_rate=a.codec_context.sample_rate,
            channels=a.codec_context.channels,
            duration=c.duration / 1e6,
            moov_before_mdat=boxes.index("moov") < boxes.index("mdat"),
            keyframe_interval=max(gaps) if gaps else 0,
        )


def decode_audio(path: Path) -> np.ndarray:
    """The film's audio as float32 (n, 2) at its sample rate."""
    with av.open(str(path)) as c:
        chunks = [f.to_ndarray() for f in c.decode(audio=0)]
    return np.concatenate(chunks, axis=1).T.astype(np.float32)


def loudness(path: Path) -> tuple[float, float]:
    """The film's (integrated LUFS, true peak dBTP), measured independently of the mixer: a
    BS.1770 meter (pyloudnorm) and the peak of the signal oversampled 4×."""
    import pyloudnorm
    from scipy.signal import resample_poly

    audio = decode_audio(path)
    lufs = pyloudnorm.Meter(48000).integrated_loudness(audio)
    true_peak = 20 * np.log10(np.abs(resample_poly(audio, 4, 1, axis=0)).max())
    return lufs, true_peak


def decode_frames(path: Path, times: list[float]) -> list[np.ndarray]:
    """RGB frames nearest the given times (seconds)."""
    out = []
    with av.open(str(path)) as c:
        frames = [(f.time, f) for f in c.decode(video=0)]
    for t in times:
        _, frame = min(frames, key=lambda tf: abs(tf[0] - t))
        out.append(frame.to_ndarray(format="rgb24"))
    return out
