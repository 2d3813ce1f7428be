"""A recording given without a script: what it says becomes the film's lines and subtitles.

    recording, no script ─ engines.transcribe (studio: Whisper from MODELS/asr/) ─→ text per
      ~30 s window ─ sentences, each found in its window by the aligner (`align.py`) ─→ lines
    no recogniser (the draft tier) ─→ no lines, no subtitles, and a warning saying why

The plan is then one shot per heard sentence (the pictures dealt over them as over any plan's
shots), or one shot per picture when nothing was heard, and the film is timed from the
recording (`timing.place` with these spans).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from pipelines.narration.align import ALIGN_RATE, _to_align_rate, align
from pipelines.plan import NARRATOR, Line, Plan, Scene, Shot

NO_RECOGNISER = (
    "no subtitles: the recording has no script and {why}; the studio tier transcribes it with "
    "a Whisper model from MODELS/asr/ (PocketSphinx's English model got most words wrong, "
    "see the README)"
)


@dataclass
class Heard:
    """The recording's sentences, each with its (start s, end s) in the recording."""

    texts: list[str] = field(default_factory=list)
    spans: list[tuple[float, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def hear(request, recording: np.ndarray | None, sr: int, engines) -> Heard | None:
    """The recording's sentences when it came without a script (None when there is a script,
    or no recording); with no recogniser, nothing heard and a warning why."""
    if recording is None or request.script.strip() or request.from_document.strip():
        return None
    audio = _to_align_rate(recording, sr)
    windows = engines.transcribe(audio, request.language)
    if windows is None:
        why = (
            "the draft tier has no speech recogniser"
            if request.tier == "draft"
            else ("MODELS/asr/ holds no Whisper model")
        )
        return Heard(warnings=[NO_RECOGNISER.format(why=why)])
    heard = Heard()
    for start, end, text in windows:
        sentences = [s for s in re.split(r"(?<=[.!?।])\s+", text) if s.strip()]
        if not sentences:
            continue
        window = audio[round(start * ALIGN_RATE) : round(end * ALIGN_RATE)]
        found = align(window, ALIGN_RATE, sentences, request.language)
        for sentence, span in zip(sentences, found.spans):
            if span is None and heard.texts and heard.spans[-1][0] >= start:
                heard.texts[-1] += " " + sentence  # not placed: said with the one before
            elif span is None:
                heard.texts.append(sentence)
                heard.spans.append(_voiced(window, start))
            else:
                heard.texts.append(sentence)
                heard.spans.append((start + span[0], start + span[1]))
    return heard


def heard_plan(heard: Heard, pictures: int) -> Plan:
    """One shot per heard sentence, spoken by the narrator; with none, one per picture."""
    if heard.texts:
        shots = [Shot(description=t, lines=[Line(NARRATOR, t)]) for t in heard.texts]
    else:
        shots = [Shot(description="") for _ in range(max(1, pictures))]
    title = heard.texts[0][:60] if heard.texts else "Narration"
    return Plan(
        title=title, scenes=[Scene(heading=None, shots=shots)], characters=[], format="prose"
    )


def _voiced(window: np.ndarray, offset: float) -> tuple[float, float]:
    """The span of `window` (at ALIGN_RATE) louder than 2 % of its peak, offset to the film."""
    loud = np.flatnonzero(np.abs(window) > 0.02 * np.abs(window).max(initial=1e-9))
    if not len(loud):
        return offset, offset + len(window) / ALIGN_RATE
    return offset + loud[0] / ALIGN_RATE, offset + (loud[-1] + 1) / ALIGN_RATE
