"""The film's timeline from the user's recording: shots cut to what is said, cues on it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from pipelines.narration.align import Alignment, align
from pipelines.plan import Plan
from pipelines.timeline import LEAD_IN, TimedLine, TimedShot, Timeline

log = logging.getLogger(__name__)

MIN_SHOT_S = 0.5  # shots whose lines come close together still show for this long


@dataclass
class Narration:
    """The recording as the speech track, where the script falls in it, and the timeline."""

    recording: np.ndarray  # mono float32 at the film's rate
    alignment: Alignment
    timeline: Timeline

    @property
    def warnings(self) -> list[str]:
        return [f"not found in the recording: {text!r}" for text in self.alignment.missing]


def place(
    plan: Plan,
    recording: np.ndarray,
    sr: int,
    language: str,
    duration: float,
    spans: list[tuple[float, float]] | None = None,
) -> Narration:
    """Align the plan's lines to `recording` and time the film from it: as long as the
    recording, or `duration` where that is longer (the pictures and music carry on).
    Lines not found are left out of the timeline and logged as warnings by their text. With
    `spans` (a transcribed recording's lines), the lines are where those say."""
    lines = plan.lines
    if spans is not None:
        alignment = Alignment(list(spans), [], len(recording) / sr)
    else:
        alignment = align(recording, sr, [line.text for line in lines], language)
    length = max(alignment.duration, duration)
    narration = Narration(recording, alignment, _timeline(plan, alignment, length))
    for warning in narration.warnings:
        log.warning(warning)
    return narration


def _timeline(plan: Plan, alignment: Alignment, duration: float) -> Timeline:
    spans = iter(alignment.spans)
    scene_of = [si for si, scene in enumerate(plan.scenes) for _ in scene.shots]
    timed_lines: list[TimedLine] = []
    anchors: list[float | None] = []  # where each shot cuts in: a lead-in before its first line
    for index, shot in enumerate(plan.shots):
        first = None
        for line in shot.lines:
            span = next(spans)
            if span is not None:
                timed_lines.append(TimedLine(line, index, span[0], span[1]))
                first = span[0] if first is None else first
        anchors.append(None if first is None else max(0.0, first - LEAD_IN))
    starts = _fill(anchors, duration)
    shots = [
        TimedShot(shot, scene_of[i], start, end)
        for i, (shot, start, end) in enumerate(zip(plan.shots, starts, [*starts[1:], duration]))
    ]
    return Timeline(duration=duration, shots=shots, lines=timed_lines)


def _fill(anchors: list[float | None], duration: float) -> list[float]:
    """Shot starts: the first at 0, each anchored shot at its anchor, shots with nothing said
    spread evenly between their neighbours; each at least `MIN_SHOT_S` after the one before
    where the film has room."""
    n = len(anchors)
    known = [(0, 0.0)] + [(i, a) for i, a in enumerate(anchors) if a is not None and i > 0]
    known.append((n, duration))
    starts = np.interp(np.arange(n), [i for i, _ in known], [t for _, t in known]).tolist()
    room = min(MIN_SHOT_S, duration / max(n, 1))
    for i in range(1, n):
        starts[i] = min(max(starts[i], starts[i - 1] + room), duration - room * (n - i))
    return starts
