"""Timeline: when each shot is on screen and when each line is spoken.

Shots are timed from their speech (the synthesized audio's real length) plus pauses, then the
whole film is fitted to the requested duration: short scripts get longer holds (music carries
them), long scripts are spoken faster by the caller (up to MAX_RATE) or refused with the length
the script needs.

    natural length = Σ shots (lead-in + lines + gaps + tail, at least MIN_SHOT) + END_HOLD
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipelines.errors import InputError
from pipelines.plan import Line, Plan, Shot

LEAD_IN = 0.45  # silence before the first line of a shot
GAP = 0.30  # between two lines of the same speaker
TURN_GAP = 0.45  # between lines of different speakers
TAIL = 0.55  # after the last line of a shot
MIN_SHOT = 2.5  # no shot is shorter than this (a card needs time to be read)
CARD_SHOT = 3.0  # a centered title card (>THE END<) with no speech
END_HOLD = 1.5  # the last picture holds while the music fades
MAX_RATE = 1.2  # fastest speaking rate the fitter may ask for
LINE_PAUSE = 0.7  # verse: after each line of a stanza
STANZA_TAIL = 1.2  # verse: after a stanza's last line (with the next LEAD_IN, the stanza pause)
WORDS_PER_S = 2.6  # a storyboard's estimate of speech before any is made (espeak-ng's pace)


def estimate_shot(shot: Shot) -> float:
    """Seconds a shot would take at natural pace, from its words (a storyboard's estimate: the
    film's timeline is made from the real speech)."""
    if not shot.lines:
        return CARD_SHOT if shot.centered else MIN_SHOT
    words = sum(len(line.text.split()) for line in shot.lines)
    speech = LEAD_IN + words / WORDS_PER_S + GAP * (len(shot.lines) - 1) + TAIL
    return max(MIN_SHOT, speech)


@dataclass
class TimedLine:
    line: Line
    shot_index: int
    start: float
    end: float


@dataclass
class TimedShot:
    shot: Shot
    scene_index: int
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class Timeline:
    duration: float
    shots: list[TimedShot]
    lines: list[TimedLine]

    def scene_boundaries(self) -> list[float]:
        """Times where one scene cuts to the next (crossfade points)."""
        return [
            b.start for a, b in zip(self.shots, self.shots[1:]) if a.scene_index != b.scene_index
        ]


def _shot_lengths(plan: Plan, speech: list[list[float]]) -> list[float]:
    """Natural length of every shot: its lines with lead-in, gaps and tail."""
    lengths = []
    for shot, clips in zip(plan.shots, speech):
        if not clips:
            lengths.append(CARD_SHOT if shot.centered else MIN_SHOT)
            continue
        gaps = sum(_gap(shot, a, b) for a, b in zip(shot.lines, shot.lines[1:]))
        tail = STANZA_TAIL if shot.verse else TAIL
        lengths.append(max(MIN_SHOT, LEAD_IN + sum(clips) + gaps + tail))
    return lengths


def _gap(shot: Shot, before: Line, after: Line) -> float:
    """The pause between two lines of a shot: a verse line's end, a turn, or a breath."""
    if shot.verse:
        return LINE_PAUSE
    return TURN_GAP if before.speaker != after.speaker else GAP


def natural_length(plan: Plan, speech: list[list[float]]) -> float:
    """The film's length with no padding: what the script needs at this speaking rate."""
    return sum(_shot_lengths(plan, speech)) + END_HOLD


def rate_needed(plan: Plan, speech: list[list[float]], duration: float) -> float:
    """Speaking-rate factor (≥ 1) that makes the script fit `duration`; refuses above MAX_RATE.

    Pauses do not shrink with the rate, so the factor is solved on the spoken part only.
    """
    natural = natural_length(plan, speech)
    if natural <= duration:
        return 1.0
    fastest = natural_length(plan, [[clip / MAX_RATE for clip in clips] for clips in speech])
    if fastest > duration + 1e-6:
        raise InputError(
            "duration",
            f"the script needs at least {seconds_up(fastest)} s even spoken at {MAX_RATE:g}x; "
            f"asked for {duration:g} s (shorten the script or ask for a longer film)",
        )
    spoken = sum(sum(clips) for clips in speech)
    fixed = natural - spoken
    # Shots shorter than MIN_SHOT do not shrink either: aim a hair faster than the plain ratio.
    return min(MAX_RATE, spoken / (duration - fixed) * 1.02)


def seconds_up(seconds: float) -> str:
    """`seconds` rounded up to a tenth, so a refusal never names the length it refused."""
    return f"{math.ceil(seconds * 10 - 1e-9) / 10:g}"


def build_timeline(plan: Plan, speech: list[list[float]], duration: float) -> Timeline:
    """Place shots and lines; pad to exactly `duration` seconds.

    `speech[i][j]` is the length in seconds of the synthesized audio of line j of shot i.
    The padding goes to the shot tails, spread evenly, and to the final hold (at most a quarter
    of it, at most 4 s), so pictures never freeze for long and speech keeps its rhythm.
    """
    lengths = _shot_lengths(plan, speech)
    natural = sum(lengths) + END_HOLD
    if natural > duration + 1e-6:
        raise InputError(
            "duration", f"the script needs {seconds_up(natural)} s; asked for {duration:g} s"
        )
    extra = duration - natural
    end_extra = min(extra * 0.25, 4.0)
    per_shot = (extra - end_extra) / len(lengths)

    shots: list[TimedShot] = []
    lines: list[TimedLine] = []
    t = 0.0
    scene_of = [si for si, scene in enumerate(plan.scenes) for _ in scene.shots]
    for index, (shot, clips, length) in enumerate(zip(plan.shots, speech, lengths)):
        start = t
        cursor = start + LEAD_IN
        for j, (line, clip) in enumerate(zip(shot.lines, clips)):
            if j:
                cursor += _gap(shot, shot.lines[j - 1], line)
            lines.append(TimedLine(line, index, cursor, cursor + clip))
            cursor += clip
        t = start + length + per_shot
        shots.append(TimedShot(shot, scene_of[index], start, t))
    shots[-1].end = duration  # the final hold, exact to the frame
    return Timeline(duration=duration, shots=shots, lines=lines)
