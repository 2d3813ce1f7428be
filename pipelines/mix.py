"""The film's soundtrack: speech over music, ducked, then mastered to YouTube's loudness.

request → plan → assets → timeline → frames + **mix** → MP4.

1. Speech bus — every spoken clip placed at its start time, mono, centred in stereo.
   Clips and music lose any DC offset and infrasonic rumble first (`HIGH_PASS_HZ`): a model's
   or a recording's offset is inaudible and the loudness meter ignores it, but it would take
   the headroom the limiter needs.
2. Music bed — set so it sits 18 dB under the speech while ducked, 6 dB under it in pauses.
3. Ducking — the music dips by `DUCK_DB` wherever speech is active, starting `ATTACK_S` before
   each line (look-ahead) and recovering over `RELEASE_S` after it.
4. Master — the whole mix to −14 LUFS integrated (BS.1770), with its true peak (4× oversampled
   with BS.1770-4's interpolator) held under −1 dBTP by a smooth look-ahead limiter, and the
   loudness the limiting takes made up (solved for, so even click-heavy audio reads −14).

Loudness and true peak are read by `pipelines.loudness`. The ducking
envelope and the limiter are hand-written because no maintained library ships them: both are a
handful of vectorised numpy/scipy.ndimage operations over gain curves, never a per-sample
Python loop.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage, optimize, signal

from pipelines.loudness import (
    as_channels,
    gated,
    integrated,
    k_weighted_power,
    sample_peak,
    sub_block_power,
    true_peaks,
)

SAMPLE_RATE = 48000

TARGET_LUFS = -14.0  # YouTube's reference loudness (±1 LU)
MAX_TRUE_PEAK_DBTP = -1.0  # the standard's ceiling
# Where the limiter aims: 1.5 dB of margin, as AAC encoding lifts peaks
LIMIT_DBTP = -2.5
# The master's first true-peak reading also covers peaks this far under the aim, which the
# loudness make-up after limiting may lift over it (2.3 dB on the benchmark's film; a larger
# make-up has the peaks read again, which costs more than reading these few more blocks).
MAKE_UP_ROOM_DB = 3.0
LOUDNESS_TOLERANCE_LU = 0.1  # how near the target the master's make-up lands (the spec: ±1 LU)
MAX_MAKE_UP_DB = 30.0  # the most the master makes up for limiting (a click train's speech)

DUCK_DB = 12.0  # how far the music dips under speech
BED_UNDER_SPEECH_DB = 18.0  # music loudness under the speech while ducked
ATTACK_S = 0.12  # the dip starts this long before speech (look-ahead) and is full at its onset
RELEASE_S = 0.45  # and recovers over this long after speech stops
BRIDGE_S = 0.3  # pauses shorter than this (between words) do not lift the music
FRAME_S = 0.01  # resolution of the speech-activity detector
ACTIVITY_DB = -40.0  # a frame is speech when within this of the loudest speech frame

HIGH_PASS_HZ = 20.0  # speech and music lose what lies under hearing (DC offset, rumble)
LIMITER_LOOKAHEAD_S = 0.005  # the limiter's gain glides down over 2× this before a peak


def mix(
    speech: list[tuple[float, np.ndarray]],
    music: np.ndarray | None,
    duration_s: float,
    sr: int = SAMPLE_RATE,
) -> np.ndarray:
    """The mastered soundtrack: float32 (round(duration_s * sr), 2).

    `speech` is a list of (start in seconds, mono float32 clip at `sr`); `music` is float32
    (n, 2) at `sr` or None. Clips and music are cut at the end of the film. Silence in gives
    silence out.
    """
    n = max(0, round(duration_s * sr))
    voice = speech_bus(speech, n, sr)
    out = np.repeat(voice[:, None], 2, axis=1)
    if music is not None:
        bed = _without_rumble(_fit(music, n), sr)
        bed *= (_bed_gain(voice, bed, sr) * duck_gain(voice, sr))[:, None]
        out += bed
        del bed  # a five-minute film's bed is 110 MB: gone before the master's working set
    del voice
    return master(out, sr, in_place=True)


# --- 1. Speech ------------------------------------------------------------------------------


def speech_bus(speech: list[tuple[float, np.ndarray]], n: int, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Every clip added in at its start time: mono float32 (n,). Clips may overlap."""
    bus = np.zeros(n, np.float32)
    for start_s, clip in speech:
        clip = np.asarray(clip, np.float32)
        clip = clip.reshape(len(clip), -1).mean(axis=1)  # tolerate (m, 1) or stereo clips
        clip = _without_rumble(clip, sr)
        start = round(start_s * sr)
        if start < 0:
            clip, start = clip[-start:], 0
        take = max(0, min(len(clip), n - start))
        bus[start : start + take] += clip[:take]
    return bus


def _without_rumble(audio: np.ndarray, sr: int) -> np.ndarray:
    """`audio` (float32, samples first) high-passed at `HIGH_PASS_HZ`: a second-order
    Butterworth filter started in its steady state for the first sample, so an offset present
    from the start fades out without a click."""
    if len(audio) == 0:
        return audio
    sos = _high_pass(sr)
    zi = signal.sosfilt_zi(sos).astype(np.float32)  # (sections, 2) for a unit step
    zi = zi.reshape(*zi.shape, *([1] * (audio.ndim - 1))) * audio[0]
    return signal.sosfilt(sos, audio, axis=0, zi=zi)[0]


@functools.lru_cache(maxsize=4)
def _high_pass(sr: int) -> np.ndarray:
    return signal.butter(2, HIGH_PASS_HZ, "highpass", fs=sr, output="sos").astype(np.float32)


# --- 2. Music level -------------------------------------------------------------------------


def _fit(music: np.ndarray, n: int) -> np.ndarray:
    """The music as float32 (n, 2): trimmed, or padded with silence when short."""
    music = as_channels(np.asarray(music, np.float32))
    if music.shape[1] == 1:
        music = np.repeat(music, 2, axis=1)
    out = np.zeros((n, 2), np.float32)
    out[: min(n, len(music))] = music[:n, :2]
    return out


def _bed_gain(voice: np.ndarray, bed: np.ndarray, sr: int) -> float:
    """The gain that puts the music `BED_UNDER_SPEECH_DB` under the speech once ducked.

    With no speech there is nothing to sit under: the music keeps its level and the master
    sets it. Silent music gets no gain.
    """
    music_lufs = integrated(bed, sr)
    # the speech sits centred in both channels: BS.1770 sums the channels' power, so its stereo
    # loudness is its mono loudness + 3.01 dB, measured on one channel for half the work
    speech_lufs = integrated(voice, sr) + 10 * np.log10(2)
    if not np.isfinite(music_lufs):
        return 0.0
    if not np.isfinite(speech_lufs):
        return 1.0
    target = speech_lufs - BED_UNDER_SPEECH_DB + DUCK_DB  # the level in pauses
    return float(10 ** ((target - music_lufs) / 20))


# --- 3. Ducking -----------------------------------------------------------------------------


def speech_activity(voice: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Where speech is heard: one bool per `FRAME_S` frame of the mono speech bus.

    A frame is active when its RMS is within `ACTIVITY_DB` of the loudest frame (relative, so
    it works at any level); pauses shorter than `BRIDGE_S` between words count as speech.
    """
    hop = round(FRAME_S * sr)
    frames = -(-len(voice) // hop)
    padded = np.zeros(frames * hop, np.float32)
    padded[: len(voice)] = voice
    blocks = padded.reshape(frames, hop)
    rms = np.sqrt(np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64) / hop)
    if frames == 0 or rms.max() == 0:
        return np.zeros(frames, bool)
    active = rms > rms.max() * 10 ** (ACTIVITY_DB / 20)
    bridge = round(BRIDGE_S / FRAME_S) | 1  # odd, so the closing is centred
    closed = ndimage.binary_closing(np.pad(active, bridge), structure=np.ones(bridge, bool))
    return closed[bridge:-bridge]


def duck_gain(voice: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """The music's gain under the speech bus `voice`: float32 (n,), 1.0 in pauses, −DUCK_DB
    under speech.

    The depth of the dip is the grey-scale dilation of the speech activity by a ramp: a
    raised-cosine fall over `ATTACK_S` ahead of each active frame (look-ahead, so the music is
    already down when a line starts) and a raised-cosine rise over `RELEASE_S` after it. Done in
    dB, the curve changes at most ~0.2 dB per ms, far from a click.
    """
    if len(voice) == 0:
        return np.ones(0, np.float32)
    active = speech_activity(voice, sr).astype(np.float32)
    hop = round(FRAME_S * sr)
    attack, release = round(ATTACK_S / FRAME_S), round(RELEASE_S / FRAME_S)
    # ramp[j] is the depth `release - j` frames after an active frame (negative: before it)
    after = 0.5 + 0.5 * np.cos(np.pi * np.arange(release, 0, -1) / (release + 1))
    before = 0.5 + 0.5 * np.cos(np.pi * np.arange(0, attack + 1) / (attack + 1))
    ramp = np.concatenate([after, before]).astype(np.float32)
    windows = sliding_window_view(np.pad(active, (release, attack)), len(ramp))
    depth = (windows * ramp).max(axis=1)
    # each frame's value holds at its start; a straight line to the next frame's for every
    # sample between (the last frame holds), as one float32 array of the film's length
    level = (-DUCK_DB * np.log(10) / 20 * depth).astype(np.float32)  # natural-log units
    step = np.append(level[1:], level[-1]) - level
    between = np.arange(hop, dtype=np.float32) / hop
    gain = (level[:, None] + step[:, None] * between).reshape(-1)[: len(voice)]
    return np.exp(gain, out=gain)  # 10 ** (dB / 20)


# --- 4. Master ------------------------------------------------------------------------------


def master(audio: np.ndarray, sr: int = SAMPLE_RATE, in_place: bool = False) -> np.ndarray:
    """`audio` at −14 LUFS integrated with its true peak at most −1 dBTP: float32 (n, 2).

    1. Normalise to the target loudness.
    2. Where the true peak then exceeds the limiter's aim, the limiting takes loudness back:
       find the make-up gain M at which the limited mix, M · `limiter_gain`(M · peaks) · audio,
       reads the target. Its loudness grows with M, though not at once where sharp clicks
       hold it: M is bracketed, at least doubling, and found by Brent's method. Each try reads
       the loudness from the K-weighted power of the normalised mix, weighted by the gain²:
       the gain glides slower than the filters respond, so this reads what filtering the
       limited mix again would, at a fraction of the cost.
    3. Guard the ceiling: a true peak still over −1 dBTP brings the whole mix down to the aim.
    The limiter works from one true-peak reading of the normalised mix (a smooth gain scales a
    true peak with it), taken only where peaks may reach the aim with `MAKE_UP_ROOM_DB` of
    make-up to spare; a larger make-up has them read again. `in_place`: `audio` (float32) is the working buffer
    and comes back mastered, instead of a copy.
    """
    out = audio if in_place and audio.dtype == np.float32 else np.array(audio, np.float32)
    out = as_channels(out)
    step, power, peak = round(0.1 * sr), k_weighted_power(out, sr), sample_peak(out)
    loudness = gated(sub_block_power(power, step), step, peak)
    if not np.isfinite(loudness):
        return np.zeros_like(out)
    normalise = np.float32(10 ** ((TARGET_LUFS - loudness) / 20))
    out *= normalise
    power *= normalise**2
    peak *= float(normalise)
    aim = 10 ** (LIMIT_DBTP / 20)
    read_to_db = MAKE_UP_ROOM_DB  # the largest make-up the true-peak reading covers
    peaks = true_peaks(out, above=aim / 10 ** (read_to_db / 20))
    if peaks.max() <= aim:
        return out
    tried = {}  # the last make-up tried and its gain, to apply

    @functools.cache
    def short_of_target(make_up_db: float) -> float:  # LU the limited mix reads under −14
        nonlocal peaks, read_to_db
        if make_up_db > read_to_db:  # peaks the reading left out may now reach the aim
            read_to_db = make_up_db + MAKE_UP_ROOM_DB
            peaks = true_peaks(out, above=aim / 10 ** (read_to_db / 20))
        make_up = 10 ** (make_up_db / 20)
        tried.clear()
        gain = tried[make_up_db] = limiter_gain(peaks, sr, make_up=make_up)
        # (the gate's peak: the make-up's at most, as the gain never exceeds it)
        return TARGET_LUFS - gated(sub_block_power(power, step, gain), step, peak * make_up)

    low, high = 0.0, max(0.0, short_of_target(0.0))  # falls short by what the limiting took
    while short_of_target(high) > LOUDNESS_TOLERANCE_LU and high < MAX_MAKE_UP_DB:
        # at least double: where clicks or noise hold the loudness, it may not rise for a while
        low, high = high, min(MAX_MAKE_UP_DB, max(2 * high, high + 2 * short_of_target(high)))
    make_up_db = high
    if low < high and short_of_target(high) < -LOUDNESS_TOLERANCE_LU:  # past it: it lies between
        # a dB of make-up adds at most a LU: half the tolerance in dB lands within it
        make_up_db = optimize.brentq(short_of_target, low, high, xtol=LOUDNESS_TOLERANCE_LU / 2)
    gain = tried.get(make_up_db)
    if gain is None:
        gain = limiter_gain(peaks, sr, make_up=10 ** (make_up_db / 20))
    out *= gain[:, None]
    true_peak = true_peaks(out, above=10 ** (MAX_TRUE_PEAK_DBTP / 20)).max()
    if true_peak > 10 ** (MAX_TRUE_PEAK_DBTP / 20):
        out *= np.float32(aim / true_peak)
    return out


def limiter_gain(peaks: np.ndarray, sr: int = SAMPLE_RATE, make_up: float = 1.0) -> np.ndarray:
    """A smooth gain, `make_up` where nothing needs limiting, keeping each sample's true peak
    `peaks` under `LIMIT_DBTP` once scaled by it: float32 (n,).

    The gain each sample needs, a minimum filter over ±L samples, then a moving average over
    the same ±L: the average at a sample only sees minima whose windows include it, so it never
    lets a peak through, and it glides down over 2L ahead of the peak (look-ahead) and back up
    after it instead of clipping. A sample's gain depends only on the peaks within 2L of it, so
    the filters run only over the blocks of `_LIMITER_BLOCK` samples (≥ 2L) that hold a peak
    over the aim and their neighbours; everywhere else the gain is `make_up` (on the
    benchmark's film 14–21 % of the samples are limited, by the make-ups the master tries).
    """
    peaks = np.asarray(peaks, np.float32)
    limit = np.float32(10 ** (LIMIT_DBTP / 20) / make_up)  # the peak the make-up lifts to the aim
    width = 2 * round(LIMITER_LOOKAHEAD_S * sr) + 1
    block = max(_LIMITER_BLOCK, width)
    gain = np.full(len(peaks), np.float32(make_up), np.float32)
    over = np.zeros(-(-len(peaks) // block) + 2, bool)  # per block, with one empty on each side
    over[1 : len(over) - 1] = np.maximum.reduceat(peaks, np.arange(0, len(peaks), block)) > limit
    near = over[:-2] | over[1:-1] | over[2:]  # a block with a peak over, or next to one
    edges = np.flatnonzero(np.diff(np.concatenate([[False], near, [False]]).astype(np.int8)))
    for first, stop in zip(edges[::2] * block, edges[1::2] * block):
        need = np.maximum(peaks[first:stop], np.float32(1e-12))
        np.divide(limit, need, out=need)
        np.minimum(need, np.float32(1.0), out=need)
        floor = ndimage.minimum_filter1d(need, width, mode="nearest")
        ndimage.uniform_filter1d(floor, width, mode="nearest", output=need)
        np.multiply(need, np.float32(make_up), out=gain[first:stop])
    return gain


# The limiter's filters run over runs of these blocks (see `limiter_gain`).
_LIMITER_BLOCK = 1024
