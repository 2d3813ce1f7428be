"""A film that cannot fit its length is refused from the text alone, and only such a film."""

from __future__ import annotations

import pytest

from pipelines import preflight, script, timeline, voice
from pipelines.errors import InputError
from pipelines.request import make_request
from tests.utils.film import SCRIPT, SHORT_FILMS


def options(text: str, duration: float):
    return make_request(SHORT_FILMS, script=text, duration=duration)


def test_two_shots_cannot_fit_six_seconds_and_the_message_adds_up():
    with pytest.raises(InputError) as refused:
        preflight.check_fits(options("Night falls on the sea.\n\nDawn breaks.", 6))
    assert refused.value.field == "duration"
    assert "needs at least 6.5 s" in refused.value.message
    assert "asked for 6 s" in refused.value.message


def test_a_long_script_is_refused_for_a_short_film():
    story = "\n\n".join(
        f"The keeper climbs stair number {i} and counts the ships." for i in range(40)
    )
    with pytest.raises(InputError, match="needs at least"):
        preflight.check_fits(options(story, 20))


def test_a_script_that_fits_passes():
    preflight.check_fits(options(SCRIPT, 30))


@pytest.mark.parametrize("language", ["en", "fr", "hi", "zh", "ar"])
def test_the_estimate_never_exceeds_real_speech_at_the_fastest_rate(language):
    """The check refuses only what the real speech could never fit: its estimate is below what
    espeak-ng takes even at the fitter's fastest rate."""
    plan = script.analyze(SCRIPT)
    speaker = voice.list_voices(language)[0]
    for line in plan.lines:
        real = len(voice.synthesize(line.text, speaker, rate=timeline.MAX_RATE)) / 48000
        assert preflight.shortest_speech(line.text) < real, line.text
