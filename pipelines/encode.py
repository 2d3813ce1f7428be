"""Encode: frames and the mix into an MP4 that YouTube takes as it is.

YouTube's recommended upload settings: H.264 High profile, yuv420p, closed GOP of half the frame
rate, B-frames, CABAC, moov atom first (+faststart), AAC-LC 48 kHz stereo; bitrate at or under
the recommendation for the height (720p 5 Mbps, 1080p 8 Mbps: we cap with a VBV and let CRF
spend less on easy pictures). PyAV drives FFmpeg's libx264 and native AAC encoders in-process.

The video is encoded in chunks of whole closed GOPs (`ChunkEncoder`), the way large encoding
services split a film: a chunk depends on no frame outside it, so chunks encode in parallel
wherever the frames are rendered (each Ray worker encodes the frames it renders, with x264 on one
thread) and only compressed chunks travel. `FilmEncoder` then stitches the chunks into one MP4
stream (a remux: no re-encoding) with the audio. Every chunk comes from the same settings, so
all carry the same SPS/PPS. Each chunk's VBV starts afresh, which can let a chunk boundary run a
little over the cap for a moment; CRF keeps films far under it (2–3 Mbps at 720p).

Audio is fed in step with the chunks so the file is interleaved. It may still be in the making
when the first chunks arrive (the orchestrator mixes it beside the frames): the encoder then
takes a Future of it and catches the audio up as soon as it is ready.
"""

from __future__ import annotations

import ctypes
import functools
import io
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.subtitles.subtitle import SubtitleSet

SAMPLE_RATE = 48000
# FFmpeg's native AAC encoder with its "fast" coder (a quarter of the default's CPU), with
# mid/side stereo off and a 22 kHz low-pass: both keep the mastered loudness through the
# encoder (M/S decisions and a lower cut each lost over 1.5 LU; see benchmarks/results.md).
AUDIO_OPTIONS = {"aac_coder": "fast", "aac_ms": "0", "cutoff": "22000"}
AUDIO_BITRATE = 192_000
PRESET = "veryfast"  # about twice "medium"'s speed at the same CRF
# x264's default quality: YouTube re-encodes every upload anyway.
CRF = 23
# Ken Burns frames move smoothly by fractions of a pixel: diamond search and one sub-pixel
# refinement find that motion as well as veryfast's defaults, for less CPU; a glide is
# predicted from the frames around it, so no intra search in P and B frames
# (`partitions=none`) and always two B-frames (`b-adapt=0`). Same size and PSNR; the CPU
# saved is in benchmarks/results.md.
X264_PARAMS = "open-gop=0:scenecut=0:me=dia:subme=1:partitions=none:b-adapt=0"
# A chunk is this many GOPs (4 s at any frame rate): long enough that x264's start-up, its
# look-ahead's flush and Ray Data's pause between tasks cost little, short enough to share a
# minute of film among workers in even parts.
CHUNK_GOPS = 8
# FFmpeg's subtitle encoders take ASS events; the mov_text encoder needs a style header.
_ASS_HEADER = (
    b"[Script Info]\r\nScriptType: v4.00+\r\n\r\n[V4+ Styles]\r\n"
    b"Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
    b"BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
    b"BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\r\n"
    b"Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0"
    b"\r\n\r\n[Events]\r\n"
    b"Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\r\n"
)


def pcm16(audio: np.ndarray) -> np.ndarray:
    """A float mix (−1..1) as 16-bit PCM: half the memory while it waits for the frames.
    Converted a block at a time, so no temporary as long as the film."""
    out = np.empty(audio.shape, np.int16)
    block = 1 << 20
    for start in range(0, len(audio), block):
        part = np.clip(audio[start : start + block], -1.0, 32767 / 32768) * 32768
        out[start : start + block] = np.round(part)
    return out


def max_bitrate(height: int, width: int) -> int:
    """YouTube's recommended SDR bitrate for 24–30 fps, by the shorter side of the frame."""
    short = min(height, width)
    return 8_000_000 if short >= 1080 else 5_000_000


def video_options(width: int, height: int, fps: int) -> dict[str, str]:
    cap = max_bitrate(height, width)
    return {
        "preset": PRESET,
        "profile": "high",
        "crf": str(CRF),
        "maxrate": str(cap),
        "bufsize": str(cap * 2),
        "g": str(gop_frames(fps)),  # GOP of half the frame rate
        "keyint_min": str(gop_frames(fps)),
        "bf": "2",
        "flags": "+cgop",  # closed GOP
        "x264-params": X264_PARAMS,
    }


def yuv_frame_bytes(width: int, height: int) -> int:
    return width * height * 3 // 2


def gop_frames(fps: int) -> int:
    """Frames per closed GOP: half the frame rate."""
    return max(1, fps // 2)


def chunk_frames(fps: int) -> int:
    """Frames per chunk: whole GOPs, so every chunk starts on a keyframe of the film."""
    return gop_frames(fps) * CHUNK_GOPS


class ChunkEncoder:
    """Encode a run of frames that starts on a GOP boundary into a small MP4 holding H.264 alone.

    `add(yuv)` for each frame (flat yuv420p: Y plane, then U, then V), then `finish()` for the
    MP4's bytes. x264 runs on this thread only unless told otherwise: chunks run in parallel, one
    per worker, and a single-threaded x264 spends less CPU per frame than one split across
    threads.
    """

    def __init__(self, width: int, height: int, fps: int, threads: int = 1):
        _keep_freed_memory()
        self.width, self.height = width, height
        self.buffer = io.BytesIO()
        self.container = av.open(self.buffer, "w", format="mp4")
        self.stream = _video_stream(self.container, width, height, fps, threads)
        self.frames = 0

    def add(self, yuv: np.ndarray) -> None:
        """Encode one frame. The frame wraps the array without a copy (x264 copies it in)."""
        rows = np.ascontiguousarray(yuv).reshape(self.height * 3 // 2, self.width)
        frame = av.VideoFrame.from_numpy_buffer(rows, format="yuv420p")
        frame.pts = self.frames
        self.frames += 1
        self.container.mux(self.stream.encode(frame))

    def finish(self) -> bytes:
        self.container.mux(self.stream.encode(None))
        self.container.close()
        return self.buffer.getvalue()


def encode_chunk(
    frames: Iterable[np.ndarray], width: int, height: int, fps: int, threads: int = 1
) -> bytes:
    """A chunk's frames (flat yuv420p) → the chunk's MP4 bytes (see `ChunkEncoder`)."""
    chunk = ChunkEncoder(width, height, fps, threads)
    for yuv in frames:
        chunk.add(yuv)
    return chunk.finish()


class FilmEncoder:
    """Write the film's MP4: `write_chunk(mp4_bytes)` for each encoded chunk, in order (or
    `write(yuv)` frame by frame, which encodes the chunks here), then `close()`.

    `audio` is the whole mix, float32 (n, 2) at 48 kHz (or 16-bit PCM, see `pcm16`), or a
    Future of it; it is encoded alongside the video from the moment it is ready (`close` waits
    for it).
    """

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: int,
        audio: np.ndarray | Future,
        subtitles: Sequence[tuple[str, Sequence[tuple[float, float, str]]]] = (),
        chapters: Sequence[tuple[float, float, str]] = (),
    ):
        """`subtitles`: (ISO 639-2 language, [(start s, end s, text)]) per soft subtitle track,
        each written as a `mov_text` stream with its language tag, in the order given.
        `chapters`: (start s, end s, title) each, written as the MP4's chapter track."""
        self.path = Path(path)
        self.width, self.height, self.fps = width, height, fps
        self.container = av.open(
            str(self.path),
            "w",
            format="mp4",
            options={"movflags": "+faststart", "max_interleave_delta": "0"},
        )
        if chapters:  # before the first packet: the muxer plans its chapter track in the header
            self.container.set_chapters(
                [
                    {
                        "id": i + 1,
                        "start": round(start * 1000),
                        "end": round(end * 1000),
                        "time_base": Fraction(1, 1000),
                        "metadata": {"title": title},
                    }
                    for i, (start, end, title) in enumerate(chapters)
                ]
            )
        self.video = None  # made from the first chunk's stream: every chunk shares its settings
        self.audio_stream = None
        self._pending = audio if isinstance(audio, Future) else None
        self.audio = (
            None if self._pending else audio
        )  # (n, 2) float32; made planar a chunk at a time
        self.audio_sent = 0
        self.frames = 0
        self._chunk: ChunkEncoder | None = None  # for `write`: the chunk being encoded here
        self._subtitles = [(language, sorted(cues)) for language, cues in subtitles]
        self._subtitle_streams: list = []
        self._cues_sent = [0] * len(self._subtitles)
        self._shared_audio: list[av.Packet] | None = None  # AAC packets given (`share_audio`)

    # -- video -----------------------------------------------------------------------------
    def write_chunk(self, data: bytes) -> None:
        """Append one encoded chunk (from `ChunkEncoder`): its packets are copied into the film,
        shifted to the chunk's place, then the audio is caught up to the chunk's end."""
        # skip_frame: opening a container decodes a frame to learn the stream's parameters;
        # a remux needs none of it (16 ms a chunk, measured)
        with av.open(io.BytesIO(data), "r", format="mp4", options={"skip_frame": "all"}) as chunk:
            source = chunk.streams.video[0]
            if self.video is None:
                self._add_streams(source)
            per_frame = int(round(1 / (source.time_base * self.fps)))
            shift = self.frames * per_frame
            count = 0
            for packet in chunk.demux(source):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.pts += shift
                packet.dts += shift
                packet.stream = self.video
                self.container.mux(packet)
                count += 1
        self.frames += count
        self._feed_subtitles(upto=self.frames / self.fps)
        self._feed_audio(upto=round(self.frames / self.fps * SAMPLE_RATE))

    def write(self, yuv: np.ndarray) -> None:
        """Encode one frame given as flat yuv420p bytes, a chunk at a time."""
        if self._chunk is None:
            self._chunk = ChunkEncoder(self.width, self.height, self.fps, threads=0)
        self._chunk.add(yuv)
        if self._chunk.frames == chunk_frames(self.fps):
            self._flush_chunk()

    def _flush_chunk(self) -> None:
        if self._chunk is not None:
            chunk, self._chunk = self._chunk, None
            self.write_chunk(chunk.finish())

    def _add_streams(self, source) -> None:
        self.video = self.container.add_stream_from_template(source)
        self.audio_stream = self.container.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
        self.audio_stream.bit_rate = AUDIO_BITRATE
        self.audio_stream.codec_context.profile = "LC"
        self.audio_stream.options = AUDIO_OPTIONS
        for language, _ in self._subtitles:
            stream = self.container.add_stream("mov_text")
            stream.codec_context.subtitle_header = _ASS_HEADER
            stream.codec_context.time_base = stream.time_base = Fraction(1, 1000)
            stream.metadata["language"] = language
            self._subtitle_streams.append(stream)

    # -- subtitles -------------------------------------------------------------------------
    def _feed_subtitles(self, upto: float | None) -> None:
        """Mux the cues that start before `upto` seconds (None: all), each stream in step with
        the video so the muxer's interleaving queue stays short. The muxer fills the gaps
        between cues with empty samples."""
        for n, (stream, (_, cues)) in enumerate(zip(self._subtitle_streams, self._subtitles)):
            while self._cues_sent[n] < len(cues) and (
                upto is None or cues[self._cues_sent[n]][0] < upto
            ):
                start, end, text = cues[self._cues_sent[n]]
                self._cues_sent[n] += 1
                begin, finish = round(start * 1000), round(end * 1000)
                if finish <= begin:
                    continue
                dialogue = "0,0,Default,,0,0,0,," + text.replace("\n", "\\N")
                packet = stream.codec_context.encode_subtitle(
                    SubtitleSet.create(dialogue.encode(), 0, finish - begin, pts=begin * 1000)
                )
                packet.stream, packet.time_base = stream, Fraction(1, 1000)
                packet.pts = packet.dts = begin
                packet.duration = finish - begin
                self.container.mux(packet)

    # -- audio -----------------------------------------------------------------------------
    def share_audio(self) -> Callable[[list[av.Packet]], None]:
        """Take the film's AAC packets from another encoder of the same mix with the same
        settings (`stream.HlsStream`, which encodes it anyway) instead of encoding it again:
        the returned function muxes them, in order, sample-timed from the film's start."""
        self._shared_audio = []
        return self._shared_audio.extend  # muxed after the chunk's video, as encoded audio is

    def _feed_audio(self, upto: int | None) -> None:
        """Encode the audio up to sample `upto` (None: all of it, waiting for it if need be)."""
        if self._shared_audio is not None:
            packets, self._shared_audio[:] = list(self._shared_audio), []
            for packet in packets:
                packet.stream = self.audio_stream
                self.container.mux(packet)
            return
        if self._pending is not None:
            if upto is not None and not self._pending.done():
                return  # not mixed yet: the muxer holds the video until the audio catches up
            self.audio, self._pending = self._pending.result(), None
        upto = len(self.audio) if upto is None else min(upto, len(self.audio))
        chunk = 1024 * 8
        while self.audio_sent < upto:
            end = min(self.audio_sent + chunk, upto)
            samples = np.ascontiguousarray(self.audio[self.audio_sent : end].T, dtype=np.float32)
            if self.audio.dtype == np.int16:
                samples *= np.float32(1 / 32768)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = self.audio_sent
            self.audio_sent = end
            self.container.mux(self.audio_stream.encode(frame))

    def close(self) -> None:
        """Flush the last chunk and the audio, and write the moov atom at the front (+faststart)."""
        self._flush_chunk()
        if self.video is None:
            self.abort()
            raise ValueError("a film needs at least one frame")
        self._feed_subtitles(upto=None)
        self._feed_audio(upto=None)
        if self._shared_audio is None:
            self.container.mux(self.audio_stream.encode(None))
        self.container.close()

    def abort(self) -> None:
        """Close without finishing (the caller deletes the partial file)."""
        try:
            self.container.close()
        except Exception:  # noqa: BLE001 - the file is being thrown away
            pass

    def __enter__(self) -> FilmEncoder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


@functools.cache
def _keep_freed_memory() -> None:
    """Keep memory that x264 frees in the process for the next chunk's encoder.

    Each chunk opens a new x264, which allocates its frame pool afresh. glibc serves blocks that
    large with mmap and unmaps them on free, so every chunk would pay for the kernel zeroing
    fresh pages again; fixed thresholds keep such blocks on the heap instead.
    Elsewhere than glibc this does nothing."""
    libc = _glibc()
    if libc is None:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 * 2**20)  # glibc's largest
    libc.mallopt(m_trim_threshold, 256 * 2**20)


def release_freed_memory() -> None:
    """Hand memory that has been freed back to the system (glibc's `malloc_trim`, every arena).

    glibc keeps freed memory for reuse, and memory freed by a thread stays in that thread's
    arena. The render's driver calls this after work it will not repeat (a long film's mix, the
    thumbnail), so that memory does not sit in the driver all through the frames. Elsewhere
    than glibc this does nothing."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library's allocator controls, where the C library is glibc."""
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def _video_stream(container, width: int, height: int, fps: int, threads: int):
    """The film's H.264 stream in `container`: the settings every chunk shares."""
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuv420p"
    stream.time_base = Fraction(1, fps)
    stream.options = {**video_options(width, height, fps), "threads": str(threads)}
    stream.codec_context.color_range = 1  # tv range, what browsers expect
    return stream


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
        frame.planes,
        (
            (0, width, height),
            (y_size, width // 2, height // 2),
            (y_size + c_size, width // 2, height // 2),
        ),
    ):
        plane.update(_plane(yuv[start : start + pw * ph], pw, ph, plane.line_size))
    return frame.to_ndarray(format="rgb24")
