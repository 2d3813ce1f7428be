"""Will the script fit its length? Answered before any speech is made, from the text alone.

The API asks at submit, so a film that cannot fit is refused (422) before credits are held; the
render asks again in its input check. The speech is estimated from the text at a speaking speed
no voice reaches even at the fitter's fastest rate, so the estimate is a lower bound: a film this
check refuses could never fit, and one it lets through is still checked against the real speech.
"""

from __future__ import annotations

import unicodedata

from pipelines import timeline, verse
from pipelines.request import FilmOptions

# Characters per second faster than any voice speaks (espeak-ng's fastest language speaks ~23).
FASTEST_LETTERS_PER_S = 30.0
# Han, kana and hangul carry a syllable or a word per character.
FASTEST_SYLLABLES_PER_S = 10.0
SYLLABIC_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL")


def check_fits(options: FilmOptions) -> None:
    """InputError on `duration` when the script (or the request's edited plan) cannot fit even
    spoken at `timeline.MAX_RATE`. A film over the user's own recording takes its length; a
    show still to be written from a document is checked once written (`conversation`)."""
    if getattr(options, "narration", None) is not None or not options.script.strip():
        return
    plan = getattr(options, "plan", None) or verse.analyze(
        options.script, options.form, narrate_action=options.narrate_action
    )
    speech = [[shortest_speech(line.text) for line in shot.lines] for shot in plan.shots]
    timeline.rate_needed(plan, speech, options.duration)


def shortest_speech(text: str) -> float:
    """The least time any voice takes to say `text`, in seconds."""
    syllabic = letters = 0
    for char in text:
        if not char.isalnum():
            continue
        if unicodedata.name(char, "").startswith(SYLLABIC_SCRIPTS):
            syllabic += 1
        else:
            letters += 1
    return letters / FASTEST_LETTERS_PER_S + syllabic / FASTEST_SYLLABLES_PER_S
