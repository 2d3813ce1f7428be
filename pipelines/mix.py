"""The film's soundtrack: speech over music, ducked, then mastered to YouTube's loudness.

request → plan → assets → timeline → frames + **mix** → MP4.

1. Speech bus — every spoken clip placed at its start time, mono, centred in stereo.
   Clips and music lose any DC offset and infrasonic rumble first (`HIGH_PASS_HZ`): a model's
   or a recording's offset is inaudible and the loudness meter ignores it, but it would take
   the headroom the limiter needs.
2. Music bed — set so it sits 18 dB under the speech while ducked, 6 dB under it in pauses.
3. Ducking — the music dips by `DUCK_DB` wherever speech is active, starting `ATTACK_S` before
   each line (look-ahead) and recovering over `RELEASE_S` after it.
4. Master — the whole mix to −14 LUFS integrated (BS.1770): a program-dependent compressor
   (RMS detector, soft knee, attack and a release that lengthens under sustained compression)
   takes the loudest moments down first, so clicks, shouts and user recordings hand the
   limiter little to do; then its true peak (4× oversampled with BS.1770-4's interpolator) is
   held under −1 dBTP by a smooth look-ahead limiter, the loudness the limiting takes is made
   up (solved for), and the result is read again and corrected until it lands on the target.

Loudness and true peak are read by `pipelines.loudness`. The ducking
envelope, the compressor and the limiter are hand-written because no maintained library ships
them for numpy (pedalboard's compressor has no look-ahead or program-dependent release and
would be a C++ dependency for one stage): all are vectorised numpy/scipy.ndimage operations
over gain curves; only the compressor's attack/release follower steps once per 5 ms frame in
Python, never per sample.
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

# The compressor, reading the K-weighted mix once it is normalised to the target: moments
# louder than the target + THRESHOLD (over its RMS window) are reduced by RATIO, with a soft
# knee. Its gain falls over ATTACK (looking ahead by as much, so it is down at an onset) and
# recovers over the fast release after a transient; compression held longer than the slow
# follower's attack recovers over the slow release instead (program-dependent: no pumping after
# a click, no sudden lift after a shouted line).
COMPRESSOR_THRESHOLD_LU = 6.0
COMPRESSOR_RATIO = 4.0
COMPRESSOR_KNEE_DB = 6.0
COMPRESSOR_RMS_MS = 10.0
COMPRESSOR_ATTACK_MS = 5.0
COMPRESSOR_RELEASE_MS = 80.0
COMPRESSOR_SLOW_ATTACK_MS = 300.0
COMPRESSOR_SLOW_RELEASE_MS = 1000.0
COMPRESSOR_FRAME_MS = 5.0  # the follower's step; the gain is interpolated between frames
MASTER_CORRECTIONS = 3  # re-readings of the limited mix's loudness, each correcting the make-up


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


def master(
    audio: np.ndarray,
    sr: int = SAMPLE_RATE,
    in_place: bool = False,
    target_lufs: float = TARGET_LUFS,
) -> np.ndarray:
    """`audio` at `target_lufs` integrated (±`LOUDNESS_TOLERANCE_LU`·2) with its true peak at
    most −1 dBTP: float32 (n, 2).

    1. Normalise to the target loudness.
    2. Compress (`compressor_gain`) the moments far louder than the target, read the
       compressed mix's loudness and normalise again.
    3. Where the true peak then exceeds the limiter's aim, the limiting takes loudness back:
       `_make_up` finds the make-up gain at which the limited mix reads the target.
    4. Read the limited mix's loudness again: where dense transients made the make-up's
       estimate miss, aim the make-up off by the miss and limit again (`MASTER_CORRECTIONS`).
    5. Guard the ceiling: a true peak still over −1 dBTP brings the whole mix down to the aim.
    `in_place`: `audio` (float32) is the working buffer and comes back mastered, instead of a
    copy.
    """
    out = audio if in_place and audio.dtype == np.float32 else np.array(audio, np.float32)
    out = as_channels(out)
    step, power = round(0.1 * sr), k_weighted_power(out, sr)
    loudness = gated(sub_block_power(power, step), step, sample_peak(out))
    if not np.isfinite(loudness):
        return np.zeros_like(out)
    out *= np.float32(10 ** ((target_lufs - loudness) / 20))
    gain = compressor_gain(k_weighted_power(out, sr), sr, target_lufs)
    if gain is not None:
        out *= gain[:, None]
        power = k_weighted_power(out, sr)
        loudness = gated(sub_block_power(power, step), step, sample_peak(out))
        normalise = np.float32(10 ** ((target_lufs - loudness) / 20))
        out *= normalise
        power *= normalise**2
    else:
        power = k_weighted_power(out, sr)
    aim = 10 ** (LIMIT_DBTP / 20)
    peaks = _Peaks(out, aim)
    if peaks.read(MAKE_UP_ROOM_DB).max() > aim:
        make_up_db = _make_up(power, peaks, sample_peak(out), sr, target_lufs)
        tries: list[tuple[float, float]] = []  # (make-up dB, the limited mix's real miss in LU)
        while True:
            gain = limiter_gain(peaks.read(make_up_db), sr, make_up=10 ** (make_up_db / 20))
            out *= gain[:, None]
            miss = target_lufs - integrated(out, sr)
            tries.append((make_up_db, miss))
            if abs(miss) <= 2 * LOUDNESS_TOLERANCE_LU or len(tries) > MASTER_CORRECTIONS:
                break
            out /= gain[:, None]  # undo, and make up by what it missed (secant after two tries)
            make_up_db = _next_make_up(tries)
    true_peak = true_peaks(out, above=10 ** (MAX_TRUE_PEAK_DBTP / 20)).max()
    true_peak = true_peaks(out, above=10 ** (MAX_TRUE_PEAK_DBTP / 20)).max()
    if true_peak > 10 ** (MAX_TRUE_PEAK_DBTP / 20):
        out *= np.float32(aim / true_peak)
    return out


class _Peaks:
    """The normalised mix's true peaks, read only where they may reach the limiter's aim with
    a given make-up (in dB) to spare; a larger make-up reads them again."""

    def __init__(self, audio: np.ndarray, aim: float):
        self.audio, self.aim, self.read_to_db, self.peaks = audio, aim, -np.inf, None

    def read(self, make_up_db: float) -> np.ndarray:
        if make_up_db > self.read_to_db:
            self.read_to_db = make_up_db + MAKE_UP_ROOM_DB
            self.peaks = true_peaks(self.audio, above=self.aim / 10 ** (self.read_to_db / 20))
        return self.peaks


def _make_up(power: np.ndarray, peaks: _Peaks, peak: float, sr: int, target_lufs: float) -> float:
    """The make-up M (dB) at which the limited mix,
    M · `limiter_gain`(M · peaks) · audio, reads `target_lufs`: float32 (n,).

    Its loudness grows with M, though not at once where sharp clicks hold it: M is bracketed,
    at least doubling, and found by Brent's method. Each try reads the loudness from the
    K-weighted power of the normalised mix, weighted by the gain² (the gain mostly glides slower
    than the filters respond; `master` reads the result and corrects M where it missed).
    """
    step = round(0.1 * sr)

    @functools.cache
    def short_of_target(make_up_db: float) -> float:  # LU the limited mix reads under target
        make_up = 10 ** (make_up_db / 20)
        gain = limiter_gain(peaks.read(make_up_db), sr, make_up=make_up)
        # (the gate's peak: the make-up's at most, as the gain never exceeds it)
        return target_lufs - gated(sub_block_power(power, step, gain), step, peak * make_up)

    low, high = 0.0, max(0.0, short_of_target(0.0))  # falls short by what the limiting took
    while short_of_target(high) > LOUDNESS_TOLERANCE_LU and high < MAX_MAKE_UP_DB:
        # at least double: where clicks or noise hold the loudness, it may not rise for a while
        low, high = high, min(MAX_MAKE_UP_DB, max(2 * high, high + 2 * short_of_target(high)))
    make_up_db = high
    if low < high and short_of_target(high) < -LOUDNESS_TOLERANCE_LU:  # past it: it lies between
        # a dB of make-up adds at most a LU: half the tolerance in dB lands within it
        make_up_db = optimize.brentq(short_of_target, low, high, xtol=LOUDNESS_TOLERANCE_LU / 2)
    return float(make_up_db)


def _next_make_up(tries: list[tuple[float, float]]) -> float:
    """The next make-up (dB) to try from (make-up, miss) readings: the last one plus its miss
    (a dB of make-up adds at most a LU), then the secant through the last two."""
    (m1, e1), (m0, e0) = tries[-1], tries[-2] if len(tries) > 1 else (None, None)
    if m0 is None or e0 == e1:
        return min(MAX_MAKE_UP_DB, max(0.0, m1 + e1))
    return min(MAX_MAKE_UP_DB, max(0.0, m1 - e1 * (m1 - m0) / (e1 - e0)))


def compressor_gain(
    power: np.ndarray, sr: int = SAMPLE_RATE, target_lufs: float = TARGET_LUFS
) -> np.ndarray | None:
    """The compressor's gain for a mix normalised to `target_lufs`, from its K-weighted power
    (`k_weighted_power`): float32 (n,) at most 1, or None where nothing needs compressing.

    Detector: the power's RMS over `COMPRESSOR_RMS_MS`, read per `COMPRESSOR_FRAME_MS` frame as
    a loudness. Static curve: a soft knee (`COMPRESSOR_KNEE_DB` wide) around the threshold,
    `COMPRESSOR_RATIO`:1 above it (Giannoulis, Massberg & Reiss, JAES 2012). Follower: in dB,
    two one-pole followers of the gain reduction, fast (attack, release) and slow (slow
    attack, slow release); the deeper wins, so a brief transient recovers fast and a long loud
    passage slowly. The curve is advanced by the attack (look-ahead) and interpolated between
    frames.
    """
    hop = max(1, round(COMPRESSOR_FRAME_MS / 1000 * sr))
    frames = len(power) // hop
    if frames == 0:
        return None
    per_frame = power[: frames * hop].reshape(frames, hop).mean(axis=1, dtype=np.float64)
    rms_frames = max(1, round(COMPRESSOR_RMS_MS / COMPRESSOR_FRAME_MS))
    rms = ndimage.uniform_filter1d(per_frame, rms_frames, mode="nearest")
    with np.errstate(divide="ignore"):
        level = -0.691 + 10 * np.log10(np.maximum(rms, 1e-20))
    over = level - (target_lufs + COMPRESSOR_THRESHOLD_LU)
    knee, slope = COMPRESSOR_KNEE_DB, 1 - 1 / COMPRESSOR_RATIO
    reduction = np.where(
        over > knee / 2,
        slope * over,
        np.where(over > -knee / 2, slope * (over + knee / 2) ** 2 / (2 * knee), 0.0),
    )
    if not (reduction > 0.01).any():
        return None
    reduction = _follow(reduction)
    ahead = round(COMPRESSOR_ATTACK_MS / COMPRESSOR_FRAME_MS)
    reduction = np.concatenate([reduction[ahead:], np.full(ahead, reduction[-1])])
    level_np = (-np.log(10) / 20 * reduction).astype(np.float32)  # natural-log units
    step = np.append(level_np[1:], level_np[-1]) - level_np
    between = np.arange(hop, dtype=np.float32) / hop
    gain = (level_np[:, None] + step[:, None] * between).reshape(-1)
    gain = np.concatenate([gain, np.full(len(power) - len(gain), gain[-1], np.float32)])
    return np.exp(gain, out=gain)


def _follow(reduction: np.ndarray) -> np.ndarray:
    """The gain reduction (dB per frame) through the fast and slow followers; the deeper of
    the two. One Python step per frame (200 a second of film)."""

    def coefficient(ms: float) -> float:
        return float(np.exp(-COMPRESSOR_FRAME_MS / ms))

    fast_attack, fast_release = (
        coefficient(COMPRESSOR_ATTACK_MS),
        coefficient(COMPRESSOR_RELEASE_MS),
    )
    slow_attack = coefficient(COMPRESSOR_SLOW_ATTACK_MS)
    slow_release = coefficient(COMPRESSOR_SLOW_RELEASE_MS)
    out = np.empty_like(reduction)
    fast = slow = 0.0
    for i, x in enumerate(reduction.tolist()):
        a = fast_attack if x > fast else fast_release
        fast = a * fast + (1 - a) * x
        a = slow_attack if x > slow else slow_release
        slow = a * slow + (1 - a) * x
        out[i] = fast if fast > slow else slow
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
