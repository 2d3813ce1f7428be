"""The same character in every shot (studio tier): a reference picture per character, and each
generated still of a shot that shows them conditioned on it.

    refs = references.make(request, plan, engines, image_names)  # the user's, else first stills
    visuals.prepare(..., references=refs)                          # every later still takes them

A character's reference is the picture the user gave (`FilmOptions.references`: CHARACTER →
a file, or an image asset through the API), else the first SDXL still of a shot that shows them
(seeded like every still: the same seed gives the same reference). Which characters a shot shows
comes from the plan: the speakers of its lines seen saying them (`characters.on_screen`). The
shot's prompt says where each stands (left, right, middle, as the characters stage places
them), and the IP-Adapter gets their references side by side in that order.

`make` runs once per render and the orchestrator keeps its answer as a stage output, so a
retried render (or a job attempt on another machine) conditions on the same pictures.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from pipelines.characters import on_screen
from pipelines.errors import InputError
from pipelines.pictures import load_image
from pipelines.plan import Plan

log = logging.getLogger(__name__)

REFERENCE_SIZE = 512  # a reference's longer side (CLIP image encoders see 224²; room to crop)
PLACE_WORDS = ("on the left", "on the right", "in the middle")  # as `characters.PLACES`


@dataclass
class References:
    """Each character's reference picture, and the stills already drawn to make them."""

    pictures: dict[str, Image.Image] = field(default_factory=dict)  # CHARACTER → reference
    stills: dict[int, Image.Image] = field(default_factory=dict)  # shot index → its still
    generated: list[str] = field(default_factory=list)  # characters whose reference is a still

    def save_drawn(self, path_for: Callable[[str], Path]) -> dict[str, Path]:
        """Each drawn reference (`generated`) saved as a PNG at `path_for(CHARACTER)`: CHARACTER
        → where it went (given back as the request's `references`, it keeps their look)."""
        saved = {}
        for name in self.generated:
            saved[name] = path_for(name)
            self.pictures[name].save(saved[name], format="PNG")
        return saved

    def shot_prompts(self, plan: Plan) -> list[str]:
        """Every shot's prompt; saying who stands where once there are references to take."""
        if not self.pictures:
            return [shot.prompt or shot.description for shot in plan.shots]
        return prompts(plan)

    def shot_references(self, plan: Plan) -> list[Image.Image | None]:
        """Every shot's picture for the IP-Adapter (None: a shot without a known character)."""
        return [self.for_shot(stand) for stand in seen(plan)]

    def for_shot(self, stand: list[tuple[str, int]]) -> Image.Image | None:
        """The IP-Adapter's picture for a shot where `stand` (`seen`) stand: one character's
        reference, or theirs side by side from left to right; None when none has one."""
        found = (self.pictures.get(name) for name, _ in stand)
        pictures = list({id(p): p for p in found if p is not None}.values())
        if not pictures:
            return None
        if len(pictures) == 1:
            return pictures[0]
        height = min(p.height for p in pictures)
        scaled = [p.resize((round(p.width * height / p.height), height)) for p in pictures]
        row = Image.new("RGB", (sum(p.width for p in scaled), height))
        x = 0
        for picture in scaled:
            row.paste(picture, (x, 0))
            x += picture.width
        return row


def load_given(request) -> dict[str, Image.Image]:
    """The user's reference pictures, decoded (refused naming `references[NAME]`)."""
    fit = (REFERENCE_SIZE, REFERENCE_SIZE)
    return {
        name.upper(): _small(load_image(Path(path), f"references[{name.upper()}]", fit))
        for name, path in request.references.items()
    }


def seen(plan: Plan) -> list[list[tuple[str, int]]]:
    """Per shot, the characters seen in it (speaking on screen) with their places
    (`PLACE_WORDS` indexes), from left to right."""
    out = []
    for shot in plan.shots:
        names = list(dict.fromkeys(line.speaker for line in shot.lines if on_screen(line)))
        out.append(standing(names, plan.characters))
    return out


def standing(names: list[str], characters: list[str]) -> list[tuple[str, int]]:
    """Where `names` stand, as the characters stage places them: each on its side by its place
    in the cast (alternating left, right), the next free place when taken; at most three."""
    places: dict[int, str] = {}
    for name in names[: len(PLACE_WORDS)]:
        place = (characters.index(name) if name in characters else len(places)) % 2
        if place in places:
            place = next(p for p in range(len(PLACE_WORDS)) if p not in places)
        places[place] = name
    left_to_right = [p for p in (0, 2, 1) if p in places]
    return [(places[p], p) for p in left_to_right]


def staged_prompt(prompt: str, stand: list[tuple[str, int]]) -> str:
    """The shot's prompt, saying where each character seen in it stands."""
    if len(stand) == 1:
        return f"{prompt}, {stand[0][0].title()} in the frame"
    where = ", ".join(f"{name.title()} {PLACE_WORDS[place]}" for name, place in stand)
    return f"{prompt}, {where}" if where else prompt


def prompts(plan: Plan) -> list[str]:
    """Every shot's prompt for its still, saying who stands where."""
    return [
        staged_prompt(shot.prompt or shot.description, stand)
        for shot, stand in zip(plan.shots, seen(plan))
    ]


def make(request, plan: Plan, engines, own: list[bool]) -> References:
    """The references of a studio film: the user's, checked against the script's characters,
    and for every other character seen in a shot the studio draws (`own[k]`), the first such
    still (drawn now, kept in `stills` so the visuals stage does not draw it again). Empty
    where the engines cannot condition on a picture (the draft tier; no IP-Adapter)."""
    given = load_given(request)
    known = {c.upper() for c in plan.characters}
    for name in given:
        if name not in known:
            raise InputError(
                f"references[{name}]",
                f"{name} is not a character of the script; its characters are: "
                f"{', '.join(plan.characters) or 'none'}",
            )
    if not engines.takes_references():
        if given and request.tier == "studio":
            log.warning("references: no IP-Adapter to take them (sdxl/ip_adapter/); not used")
        return References()
    refs = References(pictures=dict(given))
    firsts: dict[int, list[str]] = {}  # shot index → the characters whose first still it is
    shown, waiting = seen(plan), set()
    for k, stand in enumerate(shown):
        for name, _ in stand:
            if own[k] and name not in refs.pictures and name not in waiting:
                firsts.setdefault(k, []).append(name)
                waiting.add(name)
    if firsts:
        shots, texts = list(firsts), prompts(plan)
        drawn = engines.pictures(
            [texts[k] for k in shots],
            (request.width, request.height),
            [request.seed + k for k in shots],
            references=[refs.for_shot(shown[k]) for k in shots],
        )
        for k, still in zip(shots, drawn):
            refs.stills[k] = still
            picture = _small(still)  # one picture for all who first appear in it: not repeated
            for name in firsts[k]:
                refs.pictures[name] = picture
                refs.generated.append(name)
    return refs


def file_name(name: str) -> str:
    """A drawn reference's file name: `reference-MARA.png` (the name's non-word characters as
    dashes: a safe file and storage name)."""
    safe = re.sub(r"\W+", "-", name).strip("-") or "character"
    return f"reference-{safe}.png"


def _small(picture: Image.Image) -> Image.Image:
    picture = picture.convert("RGB")
    picture.thumbnail((REFERENCE_SIZE, REFERENCE_SIZE))
    return picture
