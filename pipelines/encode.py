"""Encode: frames and the mix into an MP4 that YouTube takes as it is.

YouTube's recommended upload settings: H.264 High profile, yuv420p, closed GOP of half the frame
rate, B-frames, moov atom first (+faststart), AAC-LC 48 kHz stereo; bitrate at or under the
recommendation for the height (720p 5 Mbps, 1080p 8 Mbps: we cap with a VBV and let CRF spend
less on easy pictures). PyAV drives FFmpeg's libx264 and native AAC encoders in-process.

Frames arrive as yuv420p planes in display order; audio is fed in step with the video so the
file is interleaved. The audio may still be in the making when the first frames arrive (the
orchestrator mixes it beside the frames): the encoder then takes a Future of it and catches the
audio up as soon as it is ready.
"""

from __future__ import annotations

from concurrent.futures import Future
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SAMPLE_RATE = 48000
# FFmpeg's native AAC encoder with its "fast" coder: a quarter of the CPU of the default "twoloop"
# (0.8 s against 3.2 s for a minute of film, measured), and with two of its defaults changed it
# keeps the mix's loudness better than "twoloop" does (integrated loudness after decoding,
# mastered at −14 LUFS):
# - mid/side stereo off: on the studio tier's near-mono noise the fast coder's M/S decisions
#   lost 1.8 LU (−15.8 LUFS); without M/S, 0.06 LU;
# - a 22 kHz low-pass instead of ~17 kHz: BS.1770 weighs high frequencies up, so cutting them
#   lost 1.6 LU on white noise (twoloop's default, 1.1 LU); now 0.25 LU. A film: 0.02 LU.
AUDIO_OPTIONS = {"aac_coder": "fast", "aac_ms": "0", "cutoff": "22000"}
AUDIO_BITRATE = 192_000
PRESET = "veryfast"  # measured: ~2x the speed of "medium" on 2 cores at the same CRF
# Ken Burns frames move smoothly by fractions of a pixel: diamond search and one sub-pixel
# refinement find that motion as well as veryfast's hex/subme 2 at the same file size, for
# ~30 % less x264 CPU (measured on a 60 s film: 9.1 s against 13.5 s; luma PSNR 48.2 dB).
X264_PARAMS = "open-gop=0:scenecut=0:me=dia:subme=1"


def max_bitrate(height: int, width: int) -> int:
    """YouTube's recommended SDR bitrate for 24–30 fps, by the shorter side of the frame."""
    short = min(height, width)
    return 8_000_000 if short >= 1080 else 5_000_000


def video_options(width: int, height: int, fps: int) -> dict[str, str]:
    cap = max_bitrate(height, width)
    return {
        "preset": PRESET,
        "profile": "high",
        "crf": "20",
        "maxrate": str(cap),
        "bufsize": str(cap * 2),
        "g": str(fps // 2),  # GOP of half the frame rate
        "keyint_min": str(fps // 2),
        "bf": "2",
        "flags": "+cgop",  # closed GOP
        "x264-params": X264_PARAMS,
    }


def yuv_frame_bytes(width: int, height: int) -> int:
    return width * height * 3 // 2


class FilmEncoder:
    """Write an MP4 frame by frame: `write(yuv_planes)` for each frame, then `close()`.

    `audio` is the whole mix, float32 (n, 2) at 48 kHz, or a Future of it; it is encoded
    alongside the frames from the moment it is ready (`close` waits for it).
    """

    def __init__(self, path: Path, width: int, height: int, fps: int, audio: np.ndarray | Future):
        self.path = Path(path)
        self.width, self.height, self.fps = width, height, fps
        self.container = av.open(str(self.path), "w", format="mp4", options={"movflags": "+faststart", "max_interleave_delta": "0"})
        self.video = self.container.add_stream("libx264", rate=fps)
        self.video.width, self.video.height = width, height
        self.video.pix_fmt = "yuv420p"
        self.video.time_base = Fraction(1, fps)
        self.video.options = video_options(width, height, fps)
        self.video.codec_context.color_range = 1  # tv range, what browsers expect
        self.audio_stream = self.container.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
        self.audio_stream.bit_rate = AUDIO_BITRATE
        self.audio_stream.codec_context.profile = "LC"
        self.audio_stream.options = AUDIO_OPTIONS
        self._pending = audio if isinstance(audio, Future) else None
        self.audio = None if self._pending else audio  # (n, 2) float32; made planar a chunk at a time
        self.audio_sent = 0
        self.frames = 0

    # -- video -----------------------------------------------------------------------------
    def write(self, yuv: np.ndarray) -> None:
        """Encode one frame given as flat yuv420p bytes (Y plane, then U, then V).

        The frame wraps the array without a copy (x264 copies it in when it takes the frame)."""
        rows = np.ascontiguousarray(yuv).reshape(self.height * 3 // 2, self.width)
        frame = av.VideoFrame.from_numpy_buffer(rows, format="yuv420p")
        frame.pts = self.frames
        self.frames += 1
        self.container.mux(self.video.encode(frame))
        self._feed_audio(upto=round(self.frames / self.fps * SAMPLE_RATE))

    def write_rgb(self, rgb: np.ndarray) -> None:
        """Encode one HxWx3 RGB frame (used by the encode-floor benchmark and tests)."""
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        frame.pts = self.frames
        self.frames += 1
        self.container.mux(self.video.encode(frame))
        self._feed_audio(upto=round(self.frames / self.fps * SAMPLE_RATE))

    # -- audio -----------------------------------------------------------------------------
    def _feed_audio(self, upto: int | None) -> None:
        """Encode the audio up to sample `upto` (None: all of it, waiting for it if need be)."""
        if self._pending is not None:
            if upto is not None and not self._pending.done():
                return  # not mixed yet: the muxer holds the video until the audio catches up
            self.audio, self._pending = self._pending.result(), None
        upto = len(self.audio) if upto is None else min(upto, len(self.audio))
        chunk = 1024 * 8
        while self.audio_sent < upto:
            end = min(self.audio_sent + chunk, upto)
            samples = np.ascontiguousarray(self.audio[self.audio_sent : end].T, dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = self.audio_sent
            self.audio_sent = end
            self.container.mux(self.audio_stream.encode(frame))

    def close(self) -> None:
        """Flush both encoders and write the moov atom at the front (+faststart)."""
        self._feed_audio(upto=None)
        self.container.mux(self.video.encode(None))
        self.container.mux(self.audio_stream.encode(None))
        self.container.close()

    def abort(self) -> None:
        """Close without finishing (the caller deletes the partial file)."""
        try:
            self.container.close()
        except Exception:  # noqa: BLE001 - the file is being thrown away
            pass

    def __enter__(self) -> "FilmEncoder":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _plane(data: np.ndarray, width: int, height: int, line_size: int) -> bytes:
    """Pad rows to FFmpeg's aligned line size when it differs from the width."""
    if line_size == width:
        return data.tobytes()
    padded = np.zeros((height, line_size), dtype=np.uint8)
    padded[:, :width] = data.reshape(height, width)
    return padded.tobytes()


def rgb_to_yuv420(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 RGB → flat yuv420p bytes (BT.601 limited range, via FFmpeg's swscale)."""
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    h, w = rgb.shape[:2]
    out = np.empty(yuv_frame_bytes(w, h), dtype=np.uint8)
    y_size, c_size = w * h, (w // 2) * (h // 2)
    for plane, (start, pw, ph) in zip(
        frame.planes, ((0, w, h), (y_size, w // 2, h // 2), (y_size + c_size, w // 2, h // 2))
    ):
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(ph, plane.line_size)[:, :pw]
        out[start : start + pw * ph] = rows.reshape(-1)
    return out


def yuv420_to_rgb(yuv: np.ndarray, width: int, height: int) -> np.ndarray:
    """Flat yuv420p bytes → HxWx3 RGB (for stills taken from the frame pipeline)."""
    frame = av.VideoFrame(width, height, "yuv420p")
    y_size, c_size = width * height, (width // 2) * (height // 2)
    for plane, (start, pw, ph) in zip(
        frame.planes, ((0, width, height), (y_size, width // 2, height // 2), (y_size + c_size, width // 2, height // 2))
    ):
        plane.update(_plane(yuv[start : start + pw * ph], pw, ph, plane.line_size))
    return frame.to_ndarray(format="rgb24")
