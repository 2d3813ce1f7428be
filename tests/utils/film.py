"""The short scene the film tests render in both tiers, and the lengths they allow."""

from pipelines.request import DurationLimits

SHORT_FILMS = DurationLimits(min=2.0)  # films of a few seconds keep the suite fast

SCRIPT = """Title: Kettle

INT. KITCHEN - NIGHT

A kettle hums.

MARA
Is anyone there?

JONAS (O.S.)
Only me.
"""
