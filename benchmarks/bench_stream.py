"""The film as HLS while it renders (`pipelines.stream`): how soon the first segment is there,
what streaming costs the render, and whether the playlist a player gets is valid.

- `first_segment_s`: from `render_film`'s start (Ray warm, as on a server) to the first segment
  and its playlist being published, for the benchmark's 60 s 720p film (target ≤ 3 s);
- `stream_overhead`: the render's wall time with streaming over without, median of
  interleaved pairs (target ≤ 1.05);
- the playlist check: EXTINFs sum to the film's length within a frame, every segment starts
  with a keyframe, each segment's audio and video start within 20 ms of each other.

Run on its own (`python benchmarks/bench_stream.py`) or from `bench_film.py`.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import time
from pathlib import Path

import av

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pipelines.stream import FolderPublisher  # noqa: E402

PAIRS = 3


class TimedPublisher(FolderPublisher):
    """A folder publisher that notes when the first segment was listed in the playlist."""

    def __init__(self, folder: Path):
        super().__init__(folder)
        self.first_listed: float | None = None

    def put(self, name: str, data: bytes, content_type: str) -> None:
        super().put(name, data, content_type)
        if name.endswith(".m3u8") and self.first_listed is None:
            self.first_listed = time.perf_counter()


def check_playlist(folder: Path, duration: float, fps: int) -> dict:
    """What a player would trip on, measured: the playlist's length error and the worst
    audio/video start gap over the segments, and whether each starts with a keyframe."""
    text = (folder / "index.m3u8").read_text()
    entries = re.findall(r"#EXTINF:([\d.]+),\n(\S+)", text)
    init = (folder / "init.mp4").read_bytes()
    keyframes, gaps = True, []
    for index, (_, name) in enumerate(entries):
        with av.open(io.BytesIO(init + (folder / name).read_bytes())) as container:
            packets = [
                (p.stream.type, p.is_keyframe, p.pts * p.time_base)
                for p in container.demux()
                if p.size
            ]
        video = [(key, t) for kind, key, t in packets if kind == "video"]
        audio = [t for kind, _, t in packets if kind == "audio"]
        keyframes &= video[0][0]
        priming = 1024 / 48000 if index == 0 else 0  # AAC's first frame, before the film
        start = float(min(t for _, t in video)) - priming
        gaps.append(abs(start - float(min(audio))) if audio else 1.0)
    length_error = abs(sum(float(d) for d, _ in entries) - duration)
    return {
        "segments": len(entries),
        "ended": text.rstrip().endswith("#EXT-X-ENDLIST"),
        "length_error_s": round(length_error, 4),
        "length_ok": length_error <= 1 / fps,
        "keyframe_starts": keyframes,
        "max_av_gap_ms": round(max(gaps) * 1000, 1),
        "av_ok": max(gaps) <= 0.020,
    }


def measure(images: list[Path], render_warm, out: Path) -> dict:
    """Pairs of renders of the benchmark film, without and with streaming, interleaved."""
    firsts, ratios = [], []
    folder = out / "hls"
    for pair in range(PAIRS):
        plain, _ = render_warm(images)
        shutil.rmtree(folder, ignore_errors=True)
        publisher = TimedPublisher(folder)
        started = time.perf_counter()
        streamed, _ = render_warm(images, stream=publisher)
        firsts.append(publisher.first_listed - started)
        ratios.append(streamed / plain)
        print(
            f"  stream pair {pair + 1}: without {plain:5.2f} s, with {streamed:5.2f} s "
            f"(ratio {streamed / plain:.3f}), first segment after {firsts[-1]:.2f} s",
            flush=True,
        )
    return {
        "first_segment_s": round(sorted(firsts)[PAIRS // 2], 2),
        "stream_overhead": round(sorted(ratios)[PAIRS // 2], 3),
        "playlist": check_playlist(folder, 60.0, 24),
    }


def main() -> None:
    from benchmarks.bench_film import OUT, make_images, render_warm, warm_up

    OUT.mkdir(parents=True, exist_ok=True)
    images = make_images(OUT / "images")
    warm_up(images)
    result = measure(images, render_warm, OUT)
    print(f"  first segment published:     {result['first_segment_s']:6.2f} s (target ≤ 3)")
    print(f"  render with / without stream: {result['stream_overhead']:6.3f} (target ≤ 1.05)")
    print(f"  playlist: {result['playlist']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
