"""Encoder output follows YouTube's recommended upload settings."""

import numpy as np

from pipelines.encode import FilmEncoder, rgb_to_yuv420
from tests.probe import probe


def test_encoder_writes_youtube_ready_mp4(tmp_path):
    sr, seconds, fps = 48000, 2.0, 24
    t = np.arange(int(sr * seconds)) / sr
    audio = np.stack([0.1 * np.sin(2 * np.pi * 330 * t)] * 2, 1).astype(np.float32)
    path = tmp_path / "f.mp4"
    with FilmEncoder(path, 1280, 720, fps, audio) as enc:
        for i in range(int(seconds * fps)):
            rgb = np.zeros((720, 1280, 3), np.uint8)
            rgb[:, (i * 20) % 1280 :] = (200, 120, 40)
            enc.write(rgb_to_yuv420(rgb))
    p = probe(path)
    assert (p.video_codec, p.profile, p.pix_fmt) == ("h264", "High", "yuv420p")
    assert (p.audio_codec, p.audio_profile, p.sample_rate, p.channels) == ("aac", "LC", 48000, 2)
    assert (p.width, p.height, p.fps) == (1280, 720, 24)
    assert abs(p.duration - seconds) <= 0.1
    assert p.moov_before_mdat
    assert p.keyframe_interval == fps // 2  # closed GOP of half the frame rate
