"""The audiogram look (`look="audiogram"`): the voice's waveform over the pictures, frame by
frame, with large captions, the way podcasts are shared as video.

    speech (or the user's recording) ─ `levels` ─→ per frame, BARS bar heights (uint8)
    frame task: picture → characters → `draw` (a dimmed band, bars) → large captions

The driver reduces the voice once to a small table (BARS bytes per frame: 0.5 MB for five
minutes at 24 fps) that travels in the `FrameSpec`; each frame task draws its frames' bars
straight into yuv420p, a masked fill of the band (about a millisecond at 720p). Each frame
shows WINDOW_S seconds of the voice centred on its time, so the wave scrolls through speech
and lies flat (a still line) in silence. Only the voice is drawn, not the music.

Hand-written: FFmpeg's `showwaves` would draw the same, but through a filter graph per chunk
on the mixed audio; the bars here are a few array operations on the voice alone.
"""

from __future__ import annotations

import numpy as np

BARS = 64
WINDOW_S = 1.0  # the span of voice one frame shows, centred on its time
CAPTION_SCALE = 1.5  # captions this much larger than burned subtitles
BAND = 0.14  # the band's height / the frame's shorter side
PANEL_KEEP = 90  # the picture under the band is kept at 90/256 of its brightness
BAR_Y = 235  # bars are white (video-range luma)
MIN_BAR_PX = 2  # silence: a flat line this thick


def voice_track(film_timeline, speech, duration: float, sample_rate: int) -> np.ndarray:
    """The voice alone, mono, `duration` long: each line's clip at its place, or the user's
    recording (a `narration.Narration`) as it is."""
    total = int(round(duration * sample_rate))
    track = np.zeros(total, np.float32)
    recording = getattr(speech, "recording", None)
    if recording is not None:
        mono = np.asarray(recording, np.float32)
        mono = mono.mean(axis=1) if mono.ndim == 2 else mono
        track[: min(total, len(mono))] = mono[:total]
        return track
    clips = [clip for shot in speech for clip in shot]
    for tl, clip in zip(film_timeline.lines, clips):
        clip = np.asarray(clip, np.float32)
        clip = clip.mean(axis=1) if clip.ndim == 2 else clip
        start = int(round(tl.start * sample_rate))
        end = min(total, start + len(clip))
        if end > start:
            track[start:end] += clip[: end - start]
    return track


def levels(request, film_timeline, speech, sample_rate: int) -> np.ndarray | None:
    """(frames, BARS) uint8: each frame's bar heights, 255 the voice's loud peaks; None unless
    the request's look is the audiogram."""
    if request.look != "audiogram":
        return None
    fps = request.fps
    frames = int(round(film_timeline.duration * fps))
    voice = np.abs(voice_track(film_timeline, speech, film_timeline.duration, sample_rate))
    step = max(1, int(round(WINDOW_S / BARS * sample_rate)))  # samples per bar
    n = len(voice) // step
    peaks = voice[: n * step].reshape(n, step).max(axis=1) if n else np.zeros(0, np.float32)
    loud = float(np.percentile(peaks[peaks > 0], 99)) if np.any(peaks > 0) else 1.0
    heights = np.sqrt(np.clip(peaks / max(loud, 1e-6), 0.0, 1.0))  # quiet syllables still show
    padded = np.concatenate([np.zeros(BARS), heights, np.zeros(BARS)])
    centres = np.round(np.arange(frames) / fps * sample_rate / step).astype(int)
    index = centres[:, None] + np.arange(BARS)[None, :] + BARS // 2  # BARS/2 each side
    index = np.clip(index, 0, len(padded) - 1)
    return np.round(padded[index] * 255).astype(np.uint8)


def band(width: int, height: int) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the waveform's band, even: 80 % of the width, near the top, clear of
    the captions below and of the faces of characters standing in the shot."""
    w = int(width * 0.8) // (2 * BARS) * 2 * BARS  # a whole even number of pixels per bar
    h = int(min(width, height) * BAND) // 2 * 2
    centre = 0.12
    y = int(height * centre - h / 2) // 2 * 2
    x = (width - w) // 4 * 2
    return x, y, w, h


def draw(frame: np.ndarray, width: int, height: int, row: np.ndarray) -> None:
    """Draw one frame's bars (`row`, BARS uint8 heights) over a dimmed band, into a flat
    yuv420p frame, in place."""
    x, y, w, h = band(width, height)
    luma = frame[: width * height].reshape(height, width)[y : y + h, x : x + w]
    chroma = [
        frame[offset : offset + width * height // 4].reshape(height // 2, width // 2)[
            y // 2 : (y + h) // 2, x // 2 : (x + w) // 2
        ]
        for offset in (width * height, width * height * 5 // 4)
    ]
    # the band: the picture darkened and greyed, so white bars read on any picture
    luma[...] = (luma.astype(np.uint16) * PANEL_KEEP + 16 * (256 - PANEL_KEEP)) >> 8
    for plane in chroma:
        plane[...] = (plane.astype(np.int16) - 128) * PANEL_KEEP // 256 + 128
    pitch = w // BARS
    half = np.maximum(MIN_BAR_PX / 2, row.astype(np.float32) / 255 * (h / 2 - 2))
    columns = np.repeat(half, pitch)
    solid = (np.arange(w) % pitch) < max(2, pitch * 3 // 5) // 2 * 2
    distance = np.abs(np.arange(h) - (h - 1) / 2)
    mask = (distance[:, None] < columns[None, :]) & solid[None, :]
    luma[mask] = BAR_Y
    for plane in chroma:
        plane[mask[::2, ::2]] = 128
