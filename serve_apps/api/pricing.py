"""What a job costs in credits, known at submit (so it can be reserved before work starts)."""

from __future__ import annotations

import math

from db.models import JobKind
from infra.settings import Settings


def price(settings: Settings, kind: JobKind, *, tier: str = "draft", duration: float = 0.0) -> int:
    if kind == JobKind.script:
        return settings.credits_script
    if kind == JobKind.storyboard:
        return settings.credits_storyboard
    if kind == JobKind.publish:
        return settings.credits_publish
    per_second = (
        settings.credits_per_second_studio
        if tier == "studio"
        else settings.credits_per_second_draft
    )
    return max(1, math.ceil(duration * per_second))
