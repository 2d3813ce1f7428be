"""Dubbing: the script's spoken lines (and the shots' text drawn on cards, where a machine
translator serves the pair) translated before speech, so the voices, the timeline and the subtitles all follow the new language.

Each translated line keeps what the script said in `Line.original`, for a subtitle track in
the script's own language. Scene headings stay as written (they are screenplay markup, and
the cards' palettes read the time of day from them).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from pipelines.errors import InputError
from pipelines.plan import Plan
from pipelines.translate import Translator, translate


def dub_plan(plan: Plan, source: str, target: str, backends: Sequence[Translator]) -> Plan:
    """A copy of `plan` whose spoken lines (and, where a translator other than the user's file
    serves, shot descriptions) are in `target`."""
    plan = copy.deepcopy(plan)
    lines = plan.lines
    texts = translate([line.text for line in lines], source, target, backends, field="dub")
    for line, text in zip(lines, texts):
        line.original, line.text = line.text, text or line.text
    shots = [shot for shot in plan.shots if shot.description.strip()]
    machines = [backend for backend in backends if backend.name != "user"]
    try:  # the user's file holds the spoken lines only
        described = translate([s.description for s in shots], source, target, machines)
    except InputError:
        return plan  # the cards keep the script's words
    for shot, text in zip(shots, described):
        shot.description = text or shot.description
    return plan
