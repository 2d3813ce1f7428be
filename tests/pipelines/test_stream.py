"""The film as HLS while it renders, checked the way an HLS player reads it."""

from __future__ import annotations

import io
import re

import av
import numpy as np
import pytest

from pipelines.encode import FilmEncoder, encode_chunk, rgb_to_yuv420
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from pipelines.stream import FolderPublisher, publishing
from tests.utils.film import SCRIPT, SHORT_FILMS
from tests.utils.probe import assert_upload_standard, probe

DURATION = 9.0
FPS = 24


@pytest.fixture(scope="module")
def streamed(ray_session, tmp_path_factory):
    """A short film rendered with `stream`; the playlist as a reader found it after each chunk."""
    root = tmp_path_factory.mktemp("streamed")
    folder = root / "hls"
    seen: list[str] = []

    def progress(event) -> None:
        if event.stage == "frames" and event.kind == "progress" and event.percent > 22:
            seen.append((folder / "index.m3u8").read_text())

    request = make_request(SHORT_FILMS, script=SCRIPT, duration=DURATION, seed=5)
    film = render_film(
        request, root / "film.mp4", progress=progress, stream=FolderPublisher(folder)
    )
    return film, folder, seen


def segments(playlist: str) -> list[tuple[float, str]]:
    return [(float(d), name) for d, name in re.findall(r"#EXTINF:([\d.]+),\n(\S+)", playlist)]


def test_the_playlist_grows_while_the_film_renders(streamed):
    _, folder, seen = streamed
    assert len(seen) >= 2
    first, last = seen[0], (folder / "index.m3u8").read_text()
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in first and "#EXT-X-ENDLIST" not in first
    assert len(segments(first)) == 1  # published before the next chunk arrived
    assert len(segments(seen[1])) == 2 and "#EXT-X-ENDLIST" not in seen[1]
    assert last.rstrip().endswith("#EXT-X-ENDLIST")
    assert '#EXT-X-MAP:URI="init.mp4"' in last
    durations = [d for d, _ in segments(last)]
    assert durations == [1.0, 4.0, 4.0]  # one segment per chunk: a 1 s lead, then 4 s chunks
    assert abs(sum(durations) - DURATION) <= 1 / FPS


def test_the_stream_plays_the_whole_film_in_sync(streamed):
    """FFmpeg's HLS demuxer, as a player: every frame and all the sound, nothing more."""
    film, folder, _ = streamed
    with av.open(str(folder / "index.m3u8")) as container:
        video = [f.time for f in container.decode(video=0)]
    with av.open(str(folder / "index.m3u8")) as container:
        audio = [(f.time, f.samples) for f in container.decode(audio=0)]
    assert abs(len(video) - DURATION * FPS) <= 1
    heard = sum(n for _, n in audio) / 48000
    assert abs(heard - DURATION) <= 0.1  # AAC's priming and last frame's padding
    assert_upload_standard(probe(film.video), DURATION)  # the MP4 is as without streaming
    with av.open(str(film.video)) as container:  # whose sound is the stream's AAC, muxed again
        in_film = sum(f.samples for f in container.decode(audio=0)) / 48000
    assert abs(in_film - heard) <= 1024 / 48000


def test_every_segment_starts_on_a_keyframe_with_its_sound(streamed):
    _, folder, _ = streamed
    init = (folder / "init.mp4").read_bytes()
    for index, (_, name) in enumerate(segments((folder / "index.m3u8").read_text())):
        data = init + (folder / name).read_bytes()
        with av.open(io.BytesIO(data)) as container:  # packets live as long as their file
            packets = [
                (p.stream.type, p.is_keyframe, p.pts * p.time_base)
                for p in container.demux()
                if p.size
            ]
        video = [(key, t) for kind, key, t in packets if kind == "video"]
        audio = [t for kind, _, t in packets if kind == "audio"]
        assert video[0][0], f"{name} starts without a keyframe"
        assert audio, f"{name} has no audio"
        starts = [float(min(t for _, t in video)), float(min(audio))]
        priming = 1024 / 48000 if index == 0 else 0  # AAC's first frame, before the film
        assert abs(starts[0] - priming - starts[1]) <= 0.011, (name, starts)  # half a frame


def test_the_init_segment_describes_both_tracks_for_a_browser(streamed):
    """What Media Source needs to accept the tracks (hls.js reads the codecs from the init):
    H.264's avcC and AAC's AudioSpecificConfig, AAC-LC (object type 2) at 48 kHz stereo."""
    _, folder, _ = streamed
    with av.open(str(folder / "init.mp4")) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.extradata
        config = audio.codec_context.extradata
    assert config is not None and config[0] >> 3 == 2  # audioObjectType: AAC-LC, "mp4a.40.2"
    assert (config[0] & 7) << 1 | config[1] >> 7 == 3  # sampling frequency index: 48 kHz
    assert (config[1] >> 3) & 15 == 2  # channel configuration: stereo


def test_a_failed_render_leaves_no_stream(tmp_path):
    frame = rgb_to_yuv420(np.full((180, 320, 3), 90, np.uint8))
    audio = np.zeros((48000 * 8, 2), np.float32)
    with pytest.raises(RuntimeError), publishing(FolderPublisher(tmp_path), FPS, 192, audio) as hls:
        hls.write_chunk(encode_chunk([frame] * 96, 320, 180, FPS))
        assert (tmp_path / "index.m3u8").exists()
        raise RuntimeError("cancelled")
    assert list(tmp_path.iterdir()) == []


def test_the_film_sounds_the_same_with_a_stream(tmp_path):
    """The stream hands its AAC to the film's MP4 (the mix is encoded once): the film's sound
    is packet for packet what it is without a stream."""
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal((48000 * 8, 2)) * 0.1).astype(np.float32)
    frames = [rgb_to_yuv420(np.full((180, 320, 3), 2 * i, np.uint8)) for i in range(96)]
    chunk = encode_chunk(frames, 320, 180, FPS)

    def sound(path, publisher) -> list[tuple[int, bytes]]:
        with (
            FilmEncoder(path, 320, 180, FPS, audio) as film,
            publishing(publisher, FPS, 192, audio, film) as hls,
        ):
            for _ in range(2):
                hls.write_chunk(chunk)
                film.write_chunk(chunk)
        with av.open(str(path)) as container:
            return [(p.pts, bytes(p)) for p in container.demux(audio=0) if p.size]

    alone = sound(tmp_path / "alone.mp4", None)
    assert sound(tmp_path / "streamed.mp4", FolderPublisher(tmp_path / "hls")) == alone
    assert len(alone) >= 8 * 48000 // 1024
