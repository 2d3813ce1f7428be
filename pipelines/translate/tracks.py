"""Extra subtitle tracks: the film's cues in each language asked for.

A track in the speech's language is the film's own cues. In a dubbed film, a track in the
script's language is the script's own words, cued where their dubbed lines are spoken. Any
other track is the cues translated one for one (`translate`), then laid out by
`subtitles.translated_cues`: each keeps its source cue's timing, re-wrapped, extended into
the gap after it where it reads too fast.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines import subtitles
from pipelines.subtitles import Cue
from pipelines.translate import Translator, translate
from pipelines.translate.languages import base


def subtitle_tracks(
    languages: Sequence[str],
    speech: str,
    cues: list[Cue],
    backends: Sequence[Translator],
    *,
    originals: tuple[str, list[tuple[float, float, str]]] | None = None,
    fps: int = 24,
    film_end: float | None = None,
) -> dict[str, list[Cue]]:
    """{language: cues} for each of `languages` (in order). `originals` is (script language,
    its spoken lines as (start, end, text)) for a dubbed film."""
    tracks: dict[str, list[Cue]] = {}
    for language in languages:
        if base(language) == base(speech):
            tracks[language] = cues
        elif originals and base(language) == base(originals[0]):
            tracks[language] = subtitles.make_cues(originals[1])
        else:
            texts = translate(
                [" ".join(cue.text.split()) for cue in cues],
                speech,
                language,
                backends,
                times=[(cue.start, cue.end) for cue in cues],
            )
            tracks[language] = subtitles.translated_cues(cues, texts, fps=fps, film_end=film_end)
    return tracks
