"""Reading a shot: which place, time, weather and things its words name.

    read_scene(heading, texts) → SceneReading(place, interior, time, weather)
    read_shot(text, scene)     → ShotReading(scene's place/time/weather, things)

The words are data (`lexicon.json`, one block per language), so another language is added as
data. Text in a language the lexicon lacks is read through `translate` when the caller has a
translator (a callable text → English); without one it is read as English, which still finds
the heading's INT./EXT. and any English words. Nothing recognised is fine: a scene with no
place gets "room" indoors and None outdoors (the composer then draws an abstract card from
the mood), a scene with no time gets None (the composer picks by the seed).

Hand-written: a longest-phrase-first word matcher with a plural rule (s, es), a few lines; a
stemmer or tagger would be a dependency for no better result on scene headings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

DEFAULT_LANGUAGE = "en"
# A place's motif brings its own thing: the lamp room is the room of the great lamp.
PLACE_THINGS = {"lamp room": ("lamp",), "lighthouse": ()}
SKY_THINGS = ("sun", "moon", "stars", "birds")
INDOOR_THINGS = ("lamp", "table", "window", "door", "candle", "book")


@dataclass(frozen=True)
class SceneReading:
    place: str | None  # a key of the lexicon's places or interiors; None: nothing recognised
    interior: bool
    time: str | None  # dawn, day, dusk, night; None: not said
    weather: str | None  # clear, cloud, rain, snow, fog, storm; None: not said


@dataclass(frozen=True)
class ShotReading:
    place: str | None
    interior: bool
    time: str | None
    weather: str | None
    things: tuple[str, ...] = field(default_factory=tuple)  # in the order the text names them


@lru_cache(maxsize=1)
def lexicon() -> dict:
    """The lexicon, per language code (package data)."""
    text = resources.files(__package__).joinpath("lexicon.json").read_text("utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


@lru_cache(maxsize=16)
def _phrases(language: str, kind: str) -> list[tuple[tuple[str, ...], str]]:
    """(words of a phrase, its motif), longest phrases first."""
    table = lexicon().get(language, lexicon()[DEFAULT_LANGUAGE])[kind]
    out = [(tuple(p.split()), motif) for motif, phrases in table.items() for p in phrases]
    return sorted(out, key=lambda pm: -len(pm[0]))


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.lower())


def _singular(word: str) -> tuple[str, ...]:
    forms = [word]
    if word.endswith("es") and len(word) > 4:
        forms.append(word[:-2])
    if word.endswith("s") and len(word) > 3:
        forms.append(word[:-1])
    return tuple(forms)


def find(text: str, kind: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The motifs of `kind` ("places", "interiors", "times", "weather", "things") that `text`
    names, in the order they first appear, each once."""
    words = _words(text)
    found: list[tuple[int, str]] = []
    taken = [False] * len(words)
    for phrase, motif in _phrases(language, kind):
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if any(taken[i : i + n]):
                continue
            if all(p in _singular(w) for p, w in zip(phrase, words[i : i + n])):
                found.append((i, motif))
                taken[i : i + n] = [True] * n
    out: list[str] = []
    for _, motif in sorted(found):
        if motif not in out:
            out.append(motif)
    return out


def _first(*candidates: list[str]) -> str | None:
    return next((c[0] for c in candidates if c), None)


def read_scene(
    heading: str | None,
    texts: list[str] = (),  # type: ignore[assignment]
    language: str = DEFAULT_LANGUAGE,
    translate: Callable[[str], str] | None = None,
) -> SceneReading:
    """The scene's place, time and weather: the heading's words first, then its shots' text."""
    heading = heading or ""
    body = " ".join(texts)
    if language not in lexicon():
        if translate is not None:
            heading, body = translate(heading) if heading else "", translate(body) if body else ""
        language = DEFAULT_LANGUAGE
    marker = re.match(r"\s*(INT\.?/EXT|I/E|INT|EXT|EST)\b", heading.upper())
    # The heading's place is its words before the time ("EXT. OPEN SEA - NIGHT").
    interior = bool(marker) and marker.group(1) in ("INT", "INT./EXT", "INT/EXT", "I/E")
    inside = find(heading, "interiors", language)
    outside = find(heading, "places", language)
    if interior or (inside and not outside and not marker):
        place = _first(inside, outside, find(body, "interiors", language)) or "room"
        interior = place in lexicon()[language]["interiors"]
    else:
        place = _first(outside, find(body, "places", language))
        if place is None and not marker:  # prose: a room named in the text is an interior
            place = _first(inside)
            interior = place is not None
    time = _first(find(heading, "times", language), find(body, "times", language))
    weather = _first(find(heading, "weather", language), find(body, "weather", language))
    return SceneReading(place, interior, time, weather)


def read_shot(
    text: str,
    scene: SceneReading,
    language: str = DEFAULT_LANGUAGE,
    translate: Callable[[str], str] | None = None,
) -> ShotReading:
    """The shot's things (the scene's place, time and weather, or the shot's own where the scene
    has none)."""
    if language not in lexicon():
        if translate is not None and text:
            text = translate(text)
        language = DEFAULT_LANGUAGE
    things = find(text, "things", language)
    place = scene.place or _first(find(text, "places", language))
    interior = scene.interior
    time = scene.time or _first(find(text, "times", language))
    weather = scene.weather or _first(find(text, "weather", language))
    if time is None and ("stars" in things or "moon" in things):
        time = "night"
    if place == "room" and not interior:
        interior = True
    for implied in PLACE_THINGS.get(place or "", ()):
        if implied not in things:
            things.append(implied)
    if interior:  # indoors, what is outside (a tower, the moon) is seen through a window
        outside = [t for t in things if t not in INDOOR_THINGS]
        things = [t for t in things if t in INDOOR_THINGS]
        if outside and "window" not in things and place != "lamp room":
            things.append("window")
    return ShotReading(place, interior, time, weather, tuple(things))
