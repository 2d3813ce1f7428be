"""The podcast export (`--podcast`): the film's mix as an audio-only episode beside the MP4.

film mix (−14 LUFS) → **podcast**: OUT.m4a (AAC-LC) and OUT.mp3 at −16 LUFS integrated with
the true peak ≤ −1 dBTP (podcast platforms' target; the MP4 stays at −14), chapters from the
scenes (MP4 chapter atoms through FFmpeg's muxer in the M4A; ID3 CHAP and CTOC frames written
with mutagen in the MP3), and the transcript as OUT.txt and as a Podcasting 2.0 JSON
transcript (`podcast:transcript` type application/json: `{"version", "segments": [{startTime,
endTime, body}]}`).

The −16 mix is the mastered −14 mix lowered by 2 dB: the master held its true peak 1.5 dB
under −1 dBTP, so lowering keeps it there with more room for the encoders' overshoot, and no
second limiting changes the sound between the two.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import Future
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from pipelines.mix import TARGET_LUFS
from pipelines.plan import NARRATOR

PODCAST_LUFS = -16.0  # Apple Podcasts' loudness target (±1 LU), −1 dBTP
SAMPLE_RATE = 48000
M4A_BITRATE = 160_000
MP3_BITRATE = 192_000


@dataclass
class PodcastFiles:
    m4a: Path
    mp3: Path
    transcript: Path  # plain text, a line per cue with its start time
    transcript_json: Path  # the podcast namespace's JSON transcript


def export(request, output: Path, audio, chapters, cues, speakers=()) -> PodcastFiles:
    """Write the episode beside `output` (OUT.m4a, OUT.mp3, OUT.txt, OUT.transcript.json).

    `audio` is the film's mastered mix (float32, 16-bit PCM, or a Future of either);
    `chapters` (start s, title) per scene; `cues` the subtitle cues (start, end, text);
    `speakers` (start s, end s, name) per spoken line: the transcript names who says each cue
    (the narrator unnamed)."""
    if isinstance(audio, Future):
        audio = audio.result()
    mix = np.asarray(audio)
    mix = mix.astype(np.float32) / 32768 if mix.dtype == np.int16 else mix.astype(np.float32)
    episode = mix * np.float32(10 ** ((PODCAST_LUFS - TARGET_LUFS) / 20))
    duration = len(episode) / SAMPLE_RATE
    output = Path(output)
    files = PodcastFiles(
        output.with_suffix(".m4a"),
        output.with_suffix(".mp3"),
        output.with_suffix(".txt"),
        output.with_suffix(".transcript.json"),
    )
    spans = _chapter_spans(chapters, duration)
    title = getattr(request, "title", None) or output.stem
    written = [
        _atomic(files.m4a, lambda p: _encode(episode, p, "mp4", "aac", M4A_BITRATE, spans)),
        _atomic(files.mp3, lambda p: _encode(episode, p, "mp3", "libmp3lame", MP3_BITRATE, [])),
    ]
    _id3_chapters(written[1], spans, title)
    texts = [(c.start, c.end, c.text.replace("\n", " ")) for c in cues]
    names = [_speaker_at((s + e) / 2, speakers) for s, e, _ in texts]
    _atomic(files.transcript, lambda p: p.write_text(_plain(texts, names), encoding="utf-8"))
    _atomic(files.transcript_json, lambda p: p.write_text(_json(texts, names), encoding="utf-8"))
    return files


def _atomic(path: Path, write) -> Path:
    """`write(tmp)` then move into place, so no half-written file is ever seen."""
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _chapter_spans(chapters, duration: float) -> list[tuple[float, float, str]]:
    starts = [(max(0.0, s), t) for s, t in chapters if s < duration]
    return [
        (s, (starts[i + 1][0] if i + 1 < len(starts) else duration), t)
        for i, (s, t) in enumerate(starts)
    ]


def _encode(audio, path: Path, fmt: str, codec: str, bitrate: int, spans) -> None:
    """Stereo float audio → `path` through PyAV; MP4 chapters set on the container."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=SAMPLE_RATE, layout="stereo")
        stream.bit_rate = bitrate
        if spans:
            container.set_chapters(
                [
                    {
                        "id": i + 1,
                        "start": round(s * 1000),
                        "end": round(e * 1000),
                        "time_base": Fraction(1, 1000),
                        "metadata": {"title": t},
                    }
                    for i, (s, e, t) in enumerate(spans)
                ]
            )
        block = 1024 * 64
        for start in range(0, len(audio), block):
            part = np.ascontiguousarray(audio[start : start + block].T)  # planar
            frame = av.AudioFrame.from_ndarray(part, format="fltp", layout="stereo")
            frame.sample_rate = SAMPLE_RATE
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def _id3_chapters(path: Path, spans, title: str) -> None:
    """ID3v2.4 CHAP frames, one per chapter, listed by a top-level CTOC (ID3 chapter spec)."""
    from mutagen.id3 import CHAP, CTOC, ID3, TIT2, CTOCFlags

    tags = ID3()
    tags.add(TIT2(encoding=3, text=[title]))
    ids = [f"chp{i}" for i in range(len(spans))]
    if spans:
        tags.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=["Chapters"])],
            )
        )
    for cid, (s, e, t) in zip(ids, spans):
        tags.add(
            CHAP(
                element_id=cid,
                start_time=round(s * 1000),
                end_time=round(e * 1000),
                sub_frames=[TIT2(encoding=3, text=[t])],
            )
        )
    tags.save(str(path))


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def _speaker_at(t: float, speakers) -> str | None:
    """Who speaks at `t` s (the line whose span holds it), None for the narrator or nobody."""
    name = next((n for s, e, n in speakers if s <= t <= e), None)
    return None if name in (None, NARRATOR) else name


def _plain(texts, names) -> str:
    return "".join(
        f"[{_clock(s)}] {n + ': ' if n else ''}{t}\n" for (s, _, t), n in zip(texts, names)
    )


def _json(texts, names) -> str:
    segments = [
        {
            "startTime": round(s, 3),
            "endTime": round(e, 3),
            **({"speaker": n} if n else {}),
            "body": t,
        }
        for (s, e, t), n in zip(texts, names)
    ]
    return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=1)
