"""The cast a render stages, without rendering it."""

from __future__ import annotations

from pipelines import characters, script, timeline, voice
from pipelines.engines import DraftEngines


def cast_of(request, with_timeline: bool = False, engines=None, references=None):
    """The cast the render stages for `request`: where each character stands (the speech is
    spoken again, so only the places are the render's own, not the exact mouth frames)."""
    plan = script.analyze(request.script)
    voices = voice.cast(plan.characters, request.language)
    timings: list = []
    speech = voice.speak_to_fit(
        plan, voices, "en", request.duration, DraftEngines(), lambda *_: None, timings
    )
    film_timeline = timeline.build_timeline(plan, voice.lengths(speech), request.duration)
    cast = characters.stage(
        request, plan, film_timeline, speech, timings, voice.SAMPLE_RATE, engines, references
    )
    return (cast, film_timeline) if with_timeline else cast
