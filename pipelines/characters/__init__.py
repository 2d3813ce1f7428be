"""Characters that speak: who is on screen, and their mouths, eyes and heads, frame by frame.

request → plan → voices → timeline → **characters** → frames.

* `looks` draws a character (seeded from its name), `sheet` reads the user's character sheet
  and `portrait` makes one photo a minimal sheet;
* `mouths` turns the phoneme events espeak reported while speaking each line (the same
  synthesis that made the audio) into one of nine mouth shapes per frame;
* `animation` adds blinks, nods on stressed words and breathing;
* `overlay` composites them onto the frames in yuv420p (`Cast.draw`, called by
  `pipelines.frames` for every frame of a shot that has characters).

Staging: while a character speaks, their shot shows them in a medium shot over the scene's
picture, on their side (the first character of the cast on the left, the next on the right,
and so on; when two share a shot, the second takes the other side); in dual dialogue both stand
in the shot, each animating on their own line. Over a drawn card whose shot's text sits on a
panel (`FilmOptions.card_text`), a character who would cover the panel at any point of the
camera's move steps aside, or is drawn smaller beside or below it (`Cast.clear_of`, placed once
per shot where the frames are rendered). In a two-host show (`pipelines.show.is_show`)
both hosts stand in every shot and the one who holds the floor is lit, the other dimmed. The
narrator, and lines the script marks as
heard rather than seen (V.O., O.S., O.C.), stay off screen. `FilmOptions.characters` off shows
no one.

The studio tier's lip-sync model (`pipelines.engines.lipsync`) animates a portrait instead of a
drawn mouth where it is installed; without it the drawn mouths are used. There, a character
with no look chosen (drawn by default) who has a reference picture (`pipelines.references`:
the user's, or their first SDXL still) is shown as that picture, a portrait the model animates.
"""

from __future__ import annotations

import numpy as np

from pipelines import show
from pipelines.characters import animation, mouths
from pipelines.characters.looks import ASPECT, Look, distinct_palettes, drawn_look
from pipelines.characters.overlay import Cast, Patch, Sprite, Standing
from pipelines.characters.portrait import load_portrait, portrait_look
from pipelines.characters.sheet import load_sheet
from pipelines.errors import InputError
from pipelines.plan import NARRATOR
from pipelines.timeline import Timeline

OFF_SCREEN = ("V.O.", "O.S.", "O.C.")
HEIGHT = 0.8  # a character's height / the frame's (a medium shot: the bottom edge cuts the body)
CUT_AT = 0.9  # share of the character above the frame's bottom edge
WIDTH = 0.46  # at most this share of the frame's width
PLACES = (0.25, 0.75, 0.5)  # centres, as shares of the width: left, right, middle

__all__ = ["Cast", "Look", "on_screen", "look_for", "stage"]


def on_screen(line) -> bool:
    """Whether a line's speaker is seen saying it."""
    extension = (line.extension or "").upper().replace(" ", "")
    return line.speaker != NARRATOR and not any(e in extension for e in OFF_SCREEN)


def character_height(width: int, height: int) -> int:
    return int(min(HEIGHT * height, WIDTH * width / ASPECT)) // 2 * 2


def look_for(
    request,
    names: list[str],
    height: int,
    max_width: int | None = None,
    stills: dict | None = None,
) -> dict[str, Look]:
    """Each character's look: its sheet or portrait where the request gives one, else its
    picture in `stills` (CHARACTER → a PIL image: a reference to lip-sync) as a portrait, else
    drawn."""
    stills = stills or {}
    sheets = {k.upper(): v for k, v in request.character_sheets.items()}
    portraits = {k.upper(): v for k, v in request.character_portraits.items()}
    points = {k.upper(): v for k, v in request.character_mouths.items()}
    palettes = distinct_palettes(names)
    looks = {}
    for name in names:
        if name in sheets:
            looks[name] = load_sheet(
                sheets[name], f"character_sheets[{name}]", height, points.get(name), max_width
            )
        elif name in portraits:
            field = f"character_portraits[{name}]"
            looks[name] = load_portrait(portraits[name], field, height, points.get(name), max_width)
        elif name in stills:
            looks[name] = portrait_look(
                stills[name], f"references[{name}]", height, points.get(name), max_width, guess=True
            )
        else:
            looks[name] = drawn_look(palettes[name], height)
    return looks


def check_sheet_files(request) -> None:
    """Refuse a character sheet or portrait that is incomplete or does not decode (or whose
    mouth cannot be found) before any work: each is read once here, small."""
    points = {k.upper(): v for k, v in request.character_mouths.items()}
    for name, path in request.character_sheets.items():
        load_sheet(path, f"character_sheets[{name.upper()}]", 64, points.get(name.upper()))
    for name, path in request.character_portraits.items():
        field = f"character_portraits[{name.upper()}]"
        if name.upper() in {k.upper() for k in request.character_sheets}:
            raise InputError(field, f"{name.upper()} has a character sheet already; give one look")
        load_portrait(path, field, 64, points.get(name.upper()))


def check_sheets(request, characters: list[str]) -> None:
    """Refuse a sheet, portrait or mouth point for a character the script does not have."""
    known = {c.upper() for c in characters}
    for field, given in (
        ("character_sheets", request.character_sheets),
        ("character_portraits", request.character_portraits),
        ("character_mouths", request.character_mouths),
    ):
        for name in given:
            if name.upper() not in known:
                raise InputError(
                    f"{field}[{name}]",
                    f"no character {name!r} in the script; it has {', '.join(characters) or 'none'}",
                )


def stage(
    request,
    plan,
    film_timeline: Timeline,
    speech: list[list[np.ndarray]],
    timings: list[list] | None,
    sample_rate: int,
    engines=None,
    references: dict | None = None,
) -> Cast | None:
    """The film's `Cast` (who stands where in which shot, and every frame's pose), or None when
    characters are off or nobody speaks on screen. With `engines` that have a lip-sync model
    (the studio tier), each on-screen line's face is animated by it instead of drawn mouths,
    and a character with no look chosen is their picture in `references` (CHARACTER → a PIL
    image) where they have one."""
    check_sheets(request, plan.characters)
    if not request.characters:
        return None
    fps, width, height = request.fps, request.width, request.height
    total = round(film_timeline.duration * fps)
    clips = [clip for shot in speech for clip in shot]
    events = [e for shot in (timings or []) for e in shot] or [None] * len(clips)
    seen = [tl for tl in film_timeline.lines if on_screen(tl.line)]
    names = list(dict.fromkeys(tl.line.speaker for tl in seen))
    if not names:
        return None

    char_h = character_height(width, height)
    syncs = engines is not None and engines.syncs_lips
    looks = look_for(request, names, char_h, int(WIDTH * width), references if syncs else None)
    index = {name: k for k, name in enumerate(names)}

    mouth = [np.full(total, mouths.REST, np.uint8) for _ in names]
    nod = [np.zeros(total) for _ in names]
    for tl, clip, line_events in zip(film_timeline.lines, clips, events):
        if tl.line.speaker not in index:
            continue
        k = index[tl.line.speaker]
        first = round(tl.start * fps)
        n = min(int(np.ceil(len(clip) / sample_rate * fps)), total - first)
        if n <= 0:
            continue
        if line_events:
            spans = mouths.segments(line_events, len(clip) / sample_rate)
            shapes = mouths.frame_shapes(spans, n, fps)
            starts = animation.stressed_word_starts(line_events)
            animation.add_nods(nod[k], first, starts, fps, animation.NOD_PX * char_h)
        else:
            shapes = mouths.loudness_shapes(clip, sample_rate, n, fps)
        mouth[k][first : first + n] = shapes
        # a closure anticipated before the line's first frame
        if first > 0 and shapes[0] == mouths.CLOSED:
            mouth[k][first - 1] = mouths.CLOSED

    blink = [animation.blinks(name, request.seed, total, fps) for name in names]
    breath = []
    for name in names:
        phase = animation.rng_for(name, request.seed, "breath").random()
        px = animation.BREATH_PX * char_h if looks[name].breathes else 0.0
        breath.append(np.round(animation.breathing(total, fps, px, phase)).astype(np.int16))

    cast = Cast(
        width,
        height,
        [Sprite.of(looks[name]) for name in names],
        mouth,
        blink,
        [np.round(n).astype(np.int16) for n in nod],
        breath,
        names=names,
    )
    if show.is_show(plan) and len(names) == show.HOSTS:
        cast.floor = show.floor(film_timeline, names, total, fps)
        cast.quiet = [Sprite.of(show.dimmed(looks[name])) for name in names]
    if engines is not None:
        talking_faces(cast, looks, film_timeline, clips, sample_rate, fps, engines)
    for shot_index, shot in enumerate(film_timeline.shots):
        speakers = list(
            dict.fromkeys(tl.line.speaker for tl in seen if tl.shot_index == shot_index)
        )
        if cast.floor:  # a show: both hosts in every shot
            speakers = names
        if not speakers:
            continue
        start = round(shot.start * fps)
        end = max(round(shot.end * fps), start + 1)
        if shot_index == len(film_timeline.shots) - 1:
            end = total
        taken: list[int] = []
        standings = []
        for name in speakers[: len(PLACES)]:
            place = index[name] % 2
            if place in taken:
                place = next(p for p in range(len(PLACES)) if p not in taken)
            taken.append(place)
            sprite = cast.sprites[index[name]]
            x = int(PLACES[place] * width - sprite.width / 2) // 2 * 2
            x = min(max(x, 0), (width - sprite.width) // 2 * 2)
            y = height - round(CUT_AT * sprite.height)
            standings.append(Standing(index[name], start, end, x, y))
        cast.shots[shot_index] = standings
    return cast


def talking_faces(cast: Cast, looks, film_timeline, clips, sample_rate: int, fps: int, engines):
    """Each on-screen line's face, animated by the engines' lip-sync model from the portrait
    (the character's look at rest) and the line's audio, stored per frame in `cast.faces`.
    Nothing without a model: the drawn mouths stay."""
    total = len(cast.mouth[0])
    portraits = {}
    for tl, clip in zip(film_timeline.lines, clips):
        if tl.line.speaker not in cast.names or not on_screen(tl.line):
            continue
        k = cast.names.index(tl.line.speaker)
        if k not in portraits:
            portraits[k] = face_of(looks[tl.line.speaker])
        (x, y), face = portraits[k]
        frames = engines.lipsync(face, clip, sample_rate, fps)
        if frames is None:
            return
        cast.face_at[k] = (x, y)
        first = round(tl.start * fps)
        for i, frame in enumerate(frames[: max(total - first, 0)]):
            cast.faces[k][first + i] = Patch.of(np.asarray(frame))


def face_of(look: Look):
    """((x, y) on the head, the face as a picture): a portrait's face box, else a square around
    the mouth, the mouth in its lower half, as a lip-sync model wants it."""
    from PIL import Image

    head = look.head
    if "face" in look.extra:
        x, y, w, h = look.extra["face"]
        side = min(w, h, head.shape[0], head.shape[1]) // 2 * 2
        x, y = min(x, head.shape[1] - side), min(y, head.shape[0] - side)
        crop = head[y : y + side, x : x + side]
        return (x, y), Image.fromarray(np.ascontiguousarray(crop[..., :3]))
    mw, mh = look.mouths["X"].shape[1], look.mouths["X"].shape[0]
    side = min(int(mw * 1.6) // 2 * 2, head.shape[0], head.shape[1])
    cx, cy = look.mouth_at[0] + mw // 2, look.mouth_at[1] + mh // 2
    x = min(max((cx - side // 2) // 2 * 2, 0), head.shape[1] - side)
    y = min(max((cy - side * 5 // 8) // 2 * 2, 0), head.shape[0] - side)
    crop = head[y : y + side, x : x + side]
    return (x, y), Image.fromarray(np.ascontiguousarray(crop[..., :3]))
