"""The plan of a film: what script analysis produces and every later stage reads.

request → **plan** (scenes → shots → spoken lines) → assets → timeline → film.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NARRATOR = "NARRATOR"
# A shot's or scene's `image` that asks for the studio's own picture (a drawn card, or the studio
# tier's still) rather than one of the user's; a "/" is never part of a file name.
DRAWN = "/drawn"


@dataclass
class Line:
    """One spoken line: narration or a character's dialogue."""

    speaker: str  # NARRATOR or the character's name as cued (upper case, no extension)
    text: str  # what is spoken (parentheticals and markup removed)
    parenthetical: str | None = None  # "(quietly)" — a direction, never spoken
    extension: str | None = None  # "V.O.", "O.S.", "CONT'D"
    dual: bool = False  # second half of a dual-dialogue pair (Fountain "^")
    original: str | None = None  # a dubbed line: the script's own words (`text` is spoken)
    # A verse refrain: every line with the same number is spoken with one synthesis (identical
    # audio, for a chant the same notes), set by `verse.mark_refrains`; None: not repeated.
    refrain: int | None = None


@dataclass
class Shot:
    """What one stretch of picture shows, and the lines spoken over it."""

    description: str  # the action / paragraph text: what the shot shows
    lines: list[Line] = field(default_factory=list)
    centered: bool = False  # Fountain centered text (>TEXT<): drawn as a title card
    prompt: str | None = None  # studio tier: the visual prompt the LLM wrote for this shot
    camera: str | None = None  # studio tier: camera / mood note ("slow push-in, warm light")
    # The user's picture this shot shows, by file name (a Fountain `[[image: NAME]]` note or a
    # storyboard edit), or DRAWN; None: the scene's, else dealt by scene (pipelines.visuals).
    image: str | None = None
    verse: bool = False  # a stanza: one line per verse line, line breaks kept on its card


@dataclass
class Scene:
    heading: str | None  # "INT. LIGHTHOUSE - NIGHT"; None for prose / untitled opening
    shots: list[Shot] = field(default_factory=list)
    transition: str | None = None  # transition out of the scene ("CUT TO:")
    number: str | None = None  # scene number "#12#" when the script gives one
    image: str | None = None  # the picture of every shot that names none (see Shot.image)


@dataclass
class Plan:
    title: str
    scenes: list[Scene]
    characters: list[str]  # every speaking character, in order of first appearance (not NARRATOR)
    title_page: dict[str, str] = field(default_factory=dict)  # Fountain title page keys, lower case
    mood: str = "calm"  # one of MOODS, drives the generated music
    format: str = "fountain"  # "fountain", "prose" or "verse"

    @property
    def shots(self) -> list[Shot]:
        return [shot for scene in self.scenes for shot in scene.shots]

    @property
    def lines(self) -> list[Line]:
        return [line for shot in self.shots for line in shot.lines]


MOODS = ("calm", "hopeful", "joyful", "tense", "sad", "mysterious")
