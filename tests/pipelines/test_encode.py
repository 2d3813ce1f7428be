"""Encoder output follows YouTube's recommended upload settings."""

from concurrent.futures import Future

import numpy as np

from pipelines.encode import FilmEncoder, pcm16, rgb_to_yuv420
from tests.utils.probe import assert_upload_standard, decode_audio, probe


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
    assert_upload_standard(p, seconds, tolerance=0.1)
    assert p.keyframe_interval == fps // 2  # closed GOP of half the frame rate


def test_a_mix_held_as_16_bit_pcm_sounds_as_the_float_mix(tmp_path):
    """A long film's mix waits for the frames as 16-bit PCM: the film's sound is the same."""
    sr, seconds, fps = 48000, 2.0, 24
    t = np.arange(int(sr * seconds)) / sr
    audio = np.stack([0.5 * np.sin(2 * np.pi * 330 * t), 0.25 * np.sin(2 * np.pi * 440 * t)], 1)
    frame = rgb_to_yuv420(np.full((180, 320, 3), 90, np.uint8))
    heard = []
    for name, mix in (("float.mp4", audio.astype(np.float32)), ("pcm16.mp4", pcm16(audio))):
        with FilmEncoder(tmp_path / name, 320, 180, fps, mix) as enc:
            for _ in range(int(seconds * fps)):
                enc.write(frame)
        heard.append(decode_audio(tmp_path / name))
    rms = [np.sqrt((h[sr // 2 : -sr // 2] ** 2).mean(axis=0)) for h in heard]
    assert np.allclose(rms[1], [0.5 / np.sqrt(2), 0.25 / np.sqrt(2)], rtol=0.02)
    difference = heard[0] - heard[1]  # AAC's own noise differs a little with its input
    assert np.sqrt((difference**2).mean()) < 1e-3  # 50 dB under the quieter channel


def test_audio_mixed_after_the_first_frames_is_still_interleaved(tmp_path):
    """The orchestrator mixes beside the frames: audio that arrives late is caught up, the
    whole soundtrack is there, and the file still alternates audio and video from the start
    (a player streaming it needs no seek to find the sound)."""
    import av

    sr, seconds, fps = 48000, 12.0, 24
    t = np.arange(int(sr * seconds)) / sr
    audio = np.stack([0.1 * np.sin(2 * np.pi * 220 * t)] * 2, 1).astype(np.float32)
    mixed = Future()
    frame = rgb_to_yuv420(np.full((180, 320, 3), 90, np.uint8))
    path = tmp_path / "late.mp4"
    with FilmEncoder(path, 320, 180, fps, mixed) as enc:
        for i in range(int(seconds * fps)):
            if i == int(11 * fps):  # the mix is ready 11 s into the film
                mixed.set_result(audio)
            enc.write(frame)
    assert abs(len(decode_audio(path)) / sr - seconds) < 0.05
    with av.open(str(path)) as container:
        kinds = [packet.stream.type for packet in container.demux() if packet.size]
    first_second = kinds[: kinds.index("audio") + 1]
    assert len(first_second) < fps * 2  # audio begins within the first chunks of the file


def test_an_audio_error_surfaces_from_the_encoder(tmp_path):
    mixed = Future()
    mixed.set_exception(ValueError("mix failed"))
    try:
        with FilmEncoder(tmp_path / "x.mp4", 320, 180, 24, mixed) as enc:
            enc.write(rgb_to_yuv420(np.zeros((180, 320, 3), np.uint8)))
    except ValueError as error:
        assert "mix failed" in str(error)
    else:
        raise AssertionError("the mix's error was swallowed")
