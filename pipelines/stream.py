"""Stream: the film as HLS while it renders — an EVENT playlist of CMAF segments, one per chunk.

The frames stage hands over the film's video as chunks of whole closed GOPs, in order
(`frames.stream_chunks`). `HlsStream.write_chunk` turns each into one fragmented-MP4 segment
(`seg-00000.m4s`: a `moof`/`mdat` pair with the chunk's H.264 and its AAC audio) and publishes
it at once, then rewrites `index.m3u8` (`#EXT-X-PLAYLIST-TYPE:EVENT`, exact `#EXTINF`s, the
init segment `init.mp4` in `#EXT-X-MAP`). `close` adds `#EXT-X-ENDLIST`, so the same files stay
as the film's VOD rendition. A player can open the playlist as soon as the first segment is
there.

Each segment is muxed by its own FFmpeg mp4 muxer (a remux, as `encode.FilmEncoder` does), so a
segment is complete the moment its chunk is: FFmpeg's `hls` muxer and a long-lived fragmenting
muxer both hold a segment back until the next chunk's first packet. `frag_discont` with edit
lists off makes each segment's `tfdt` the decode time of its first sample, so the segments
carry one continuous timeline; the init segment is the first muxer's `ftyp`+`moov`, which every
segment shares (same SPS/PPS, same AAC settings). The whole timeline starts `delay` seconds in
(x264's B-frame delay, at least AAC's 1024-sample priming), so no timestamp is negative and
audio and video are shifted alike: they stay in sync without edit lists, which browsers'
players ignore in fragmented MP4.

The audio is encoded here with the film's AAC settings (`encode.AUDIO_OPTIONS`), a segment's
worth at a time; each segment carries the AAC frames whose middle lies inside it, so its audio
starts within half an AAC frame (11 ms) of its video.
"""

from __future__ import annotations

import io
import math
import os
import struct
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
import numpy as np

from pipelines.encode import (
    AUDIO_BITRATE,
    AUDIO_OPTIONS,
    SAMPLE_RATE,
    FilmEncoder,
    chunk_frames,
    gop_frames,
)

PLAYLIST = "index.m3u8"
INIT = "init.mp4"
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".mp4": "video/mp4", ".m4s": "video/mp4"}
AAC_FRAME = 1024  # samples per AAC frame, and AAC's priming
# GOPs in a streamed film's first chunk (1 s): its segment is out after a quarter of a whole
# chunk's work, which three chunk tasks share two cores with (benchmarks/results.md).
LEAD_GOPS = 2
# movflags for one segment: fragments only when asked (at close), an empty moov to reuse as the
# init segment, offsets from the moof (CMAF), and this segment's own decode start in its tfdt.
SEGMENT_FLAGS = "frag_custom+empty_moov+default_base_moof+frag_discont"


def lead_frames(fps: int) -> int:
    """Frames of a streamed film's first chunk (`frames.FrameSpec.lead`): whole GOPs."""
    return gop_frames(fps) * LEAD_GOPS


def segment_name(index: int) -> str:
    return f"seg-{index:05d}.m4s"


class Publisher(Protocol):
    """Where a stream's files go: a folder (`FolderPublisher`) or the platform's storage."""

    def put(self, name: str, data: bytes, content_type: str) -> None:
        """Store `name` whole: a reader sees the old file or the new one, never a part."""

    def discard(self, names: list[str]) -> None:
        """Remove files this stream put (a failed or cancelled render)."""


class FolderPublisher:
    """Writes the stream into a folder, each file under a temporary name then renamed."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)  # at the first file: a refusal writes none
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, self.folder / name)

    def discard(self, names: list[str]) -> None:
        for name in names:
            (self.folder / name).unlink(missing_ok=True)


class HlsStream:
    """Publish the film's chunks as HLS segments as they arrive: `write_chunk(mp4_bytes)` for
    each chunk in order (from `encode.ChunkEncoder`), then `close()`.

    `audio` is the whole mix, float32 (n, 2) at 48 kHz or 16-bit PCM (see `encode.pcm16`), or a
    Future of it (the first segment waits for it). `total_frames` tells which chunk is the last,
    so the last segment carries the rest of the audio. `on_segment(index, seconds_published)` is
    called after each segment is published and listed in the playlist."""

    def __init__(
        self,
        publisher: Publisher,
        fps: int,
        total_frames: int,
        audio: np.ndarray | Future,
        on_segment: Callable[[int, float], None] | None = None,
        share_audio: Callable[[list[av.Packet]], None] | None = None,
    ):
        self.publisher = publisher
        self.share_audio = share_audio
        self.fps, self.total = fps, total_frames
        self._audio = audio
        self.on_segment = on_segment
        self.durations: list[Fraction] = []  # seconds of each published segment
        self.frames = 0
        self.published: list[str] = []
        self.delay: Fraction | None = None  # where the timeline starts, set by the first chunk
        self._encoder = None  # AAC, made when the audio is ready
        self._extradata: bytes | None = None
        self._audio_sent = 0
        self._audio_packets: list[av.Packet] = []

    # -- chunks -> segments ------------------------------------------------------------------
    def write_chunk(self, data: bytes) -> None:
        """Mux one chunk with its audio into the next segment, publish it, list it."""
        index = len(self.durations)
        buffer = io.BytesIO()
        options = {"movflags": SEGMENT_FLAGS, "use_editlist": "0", "avoid_negative_ts": "disabled"}
        out = av.open(buffer, "w", format="mp4", options=options)
        with av.open(io.BytesIO(data), "r", format="mp4", options={"skip_frame": "all"}) as chunk:
            source = chunk.streams.video[0]
            packets = [p for p in chunk.demux(source) if p.dts is not None]
            if self.delay is None:
                self.delay = self._timeline_delay(packets[0].dts * source.time_base)
            video = out.add_stream_from_template(source)
            audio = self._audio_stream(out)
            start = self.frames
            count = len(packets)
            shift = round((Fraction(start, self.fps) + self.delay) / source.time_base)
            for packet in packets:
                packet.pts += shift
                packet.dts += shift
                packet.stream = video
                out.mux(packet)
        self.frames += count
        last = self.frames >= self.total
        end = Fraction(self.frames, self.fps)
        for packet in self._audio_until(end, last):
            packet.stream = audio
            out.mux(packet)
        out.close()
        boxes = _top_level_boxes(buffer.getvalue())
        if index == 0:
            self._put(INIT, boxes["ftyp"] + boxes["moov"])
        self._put(segment_name(index), boxes["moof"] + boxes["mdat"])
        self.durations.append(Fraction(count, self.fps))
        self._put(PLAYLIST, self.playlist().encode())
        if self.on_segment is not None:
            self.on_segment(index, float(end))

    def close(self) -> None:
        """Close the playlist (`#EXT-X-ENDLIST`): the stream is now the film's VOD rendition."""
        if not self.durations:
            raise ValueError("a stream needs at least one segment")
        self._put(PLAYLIST, self.playlist(ended=True).encode())

    def abort(self) -> None:
        """Remove everything this stream published (the render failed or was cancelled)."""
        self.publisher.discard(self.published)
        self.published = []

    def playlist(self, ended: bool = False) -> str:
        target = max(math.ceil(chunk_frames(self.fps) / self.fps), *map(math.ceil, self.durations))
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:7",
            f"#EXT-X-TARGETDURATION:{target}",
            "#EXT-X-PLAYLIST-TYPE:EVENT",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-INDEPENDENT-SEGMENTS",
            f'#EXT-X-MAP:URI="{INIT}"',
        ]
        for i, seconds in enumerate(self.durations):
            lines += [f"#EXTINF:{float(seconds):.6f},", segment_name(i)]
        if ended:
            lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"

    def _put(self, name: str, data: bytes) -> None:
        self.publisher.put(name, data, CONTENT_TYPES[Path(name).suffix])
        if name not in self.published:
            self.published.append(name)

    def _timeline_delay(self, first_dts: Fraction) -> Fraction:
        """Whole frames covering x264's B-frame delay and AAC's priming: no timestamp < 0."""
        needed = max(-first_dts, Fraction(AAC_FRAME, SAMPLE_RATE))
        return Fraction(math.ceil(needed * self.fps), self.fps)

    # -- audio -------------------------------------------------------------------------------
    def _mix(self) -> np.ndarray:
        if isinstance(self._audio, Future):
            self._audio = self._audio.result()
        return self._audio

    def _audio_stream(self, out):
        """The segment's AAC stream, described like the stream's one encoder (whose packets it
        carries: the audio is encoded once)."""
        self._mix()
        if self._encoder is None:
            # The encoder lives in a container that is never written: a stream to copy from.
            self._template = av.open(io.BytesIO(), "w", format="mp4")
            self._encoder = self._template.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
            self._encoder.bit_rate = AUDIO_BITRATE
            self._encoder.codec_context.profile = "LC"
            self._encoder.options = AUDIO_OPTIONS
            self._encoder.codec_context.open()
        stream = out.add_stream_from_template(self._encoder)
        # The AudioSpecificConfig (the esds's DecoderSpecificInfo), which the template copy
        # leaves out: without it a browser's Media Source refuses the audio ("mp4a.40").
        stream.codec_context.extradata = self._encoder.codec_context.extradata
        return stream

    def _audio_until(self, end: Fraction, last: bool) -> list[av.Packet]:
        """The AAC packets whose middle is before `end` seconds of film (all that remain if
        `last`), shifted onto the stream's timeline."""
        mix = self._mix()
        upto = len(mix) if last else min(len(mix), round(end * SAMPLE_RATE) + 3 * AAC_FRAME)
        while self._audio_sent < upto:
            stop = min(self._audio_sent + 8 * AAC_FRAME, upto)
            samples = np.ascontiguousarray(mix[self._audio_sent : stop].T, dtype=np.float32)
            if mix.dtype == np.int16:
                samples *= np.float32(1 / 32768)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
            frame.sample_rate = SAMPLE_RATE
            frame.time_base = Fraction(1, SAMPLE_RATE)
            frame.pts = self._audio_sent
            self._audio_sent = stop
            self._audio_packets += self._encoder.encode(frame)
        if last:
            self._audio_packets += self._encoder.encode(None)
        limit = round(end * SAMPLE_RATE) - AAC_FRAME // 2
        now = [p for p in self._audio_packets if last or p.pts < limit]
        self._audio_packets = [p for p in self._audio_packets if not (last or p.pts < limit)]
        if self.share_audio is not None:  # the film's MP4 muxes the same AAC, unshifted
            self.share_audio([_copy(p) for p in now])
        shift = round(self.delay * SAMPLE_RATE)
        for packet in now:
            packet.pts += shift
            packet.dts += shift
        return now


def _copy(packet: av.Packet) -> av.Packet:
    """A packet of its own (a muxer takes a packet's data when it writes it)."""
    copy = av.Packet(bytes(packet))
    copy.pts, copy.dts, copy.duration = packet.pts, packet.dts, packet.duration
    copy.time_base = packet.time_base
    return copy


def _top_level_boxes(data: bytes) -> dict[str, bytes]:
    """The top-level MP4 boxes of `data` by type (each box's bytes, header included)."""
    boxes, at = {}, 0
    while at < len(data):
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        if size == 1:
            size = struct.unpack(">Q", data[at + 8 : at + 16])[0]
        boxes[kind.decode("latin-1")] = data[at : at + size]
        at += size
    return boxes


class _NoStream:
    def write_chunk(self, data: bytes) -> None:
        pass


@contextmanager
def publishing(
    publisher: Publisher | None,
    fps: int,
    total_frames: int,
    audio: np.ndarray | Future,
    film: FilmEncoder | None = None,
) -> Iterator[HlsStream | _NoStream]:
    """An `HlsStream` to `publisher` for the block (closed at its end, removed if it fails), or
    a stand-in that does nothing when there is no publisher. With `film`, the stream's AAC
    packets are the film's too (the mix is encoded once)."""
    if publisher is None:
        yield _NoStream()
        return
    share = film.share_audio() if film is not None else None
    hls = HlsStream(publisher, fps, total_frames, audio, share_audio=share)
    try:
        yield hls
        hls.close()
    except BaseException:
        hls.abort()
        raise
