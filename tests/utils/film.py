"""The short scene the film tests render in both tiers."""

SCRIPT = """Title: Kettle

INT. KITCHEN - NIGHT

A kettle hums.

MARA
Is anyone there?

JONAS (O.S.)
Only me.
"""
