"""The visuals stage: a picture (or a clip) for every shot, prepared for the camera.

A shot's picture is the user's image it names (a Fountain `[[image: NAME]]` note or a storyboard
edit: `Shot.image`, else its scene's `Scene.image`), else the user's images dealt by scene, else
the studio tier's still, else a drawn storyboard card (`pipelines.cards`), which comes as depth
layers (`motion.LayeredPicture`) that the camera moves with parallax; the user's pictures and the
studio's stills keep one layer. Ray tasks draw the cards and
prepare the pictures on whichever cores are free while the driver goes on to the frames (a
chunk task takes its pictures when they are ready), so the driver never holds them.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass, field

import cv2
import numpy as np
import ray

from infra import ray_local
from pipelines import cards, fonts
from pipelines.errors import InputError
from pipelines.illustrator import Drawing
from pipelines.motion import LayeredPicture
from pipelines.pictures import overscan_size, prepare_picture
from pipelines.plan import DRAWN, Plan
from pipelines.references import References

log = logging.getLogger(__name__)

CLIP_FRAMES = 14  # frames SVD makes from a still
# Frames per clip for each `FilmOptions.motion` engine: AnimateDiff's adapters learnt 16.
MOTION_FRAMES = {"svd": CLIP_FRAMES, "animatediff": 16}


@dataclass
class ShotPictures:
    pictures: list  # prepared pictures (object-store refs) or clips, each used by one or more shots
    picture_of_shot: list[int]
    clips: set[int] = field(default_factory=set)  # which pictures are clips


def stills(
    plan: Plan,
    user_images: list,
    size: tuple[int, int],
    seed: int,
    engines,
    draw: bool = True,
    names: list[str] | None = None,
    caption: bool = False,
    references: References | None = None,
) -> list:
    """One picture per shot: the user's image the shot names (`names[i]` is `user_images[i]`'s
    file name), else theirs dealt by scene, else the engines' stills (shot k seeded `seed + k`;
    a shot showing characters with `references` takes their looks), else drawn cards (with the
    shot's text as a caption when `caption`). With `draw=False` a card comes as the call that
    draws its layers, for a Ray task to make; drawn here, it is one flat picture."""
    if names is None:
        names = [f"images[{i}]" for i in range(len(user_images))]
    chosen = choose(plan, names)
    need = [shot for shot, i in enumerate(chosen) if i is None]  # shots of the studio's own
    own = {}
    if need:
        refs = references or References()
        draw_now = [k for k in need if k not in refs.stills]  # a reference's still is drawn
        prompts, pictures = refs.shot_prompts(plan), refs.shot_references(plan)
        generated = engines.pictures(
            [prompts[k] for k in draw_now],
            size,
            [seed + k for k in draw_now],
            references=[pictures[k] for k in draw_now],
        )
        if generated or (refs.stills and not draw_now):
            own = refs.stills | dict(zip(draw_now, generated))
        else:
            drawn = _cards(plan, size, seed, draw, caption)
            own = {k: drawn[k] for k in need}
    return [own[shot] if i is None else user_images[i] for shot, i in enumerate(chosen)]


def choose(plan: Plan, names: list[str]) -> list[int | None]:
    """Which of the user's pictures (by index into `names`, their file names) each shot shows;
    None for the studio's own. A shot's `image` first, then its scene's, then dealt by scene.
    A name that is none of `names` is refused naming the note and the names there are."""
    where = {}
    for i, name in enumerate(names):
        where.setdefault(name, i)
    dealt = deal_by_scene(plan, len(names)) if names else None
    out: list[int | None] = []
    for scene in plan.scenes:
        for shot in scene.shots:
            name = shot.image if shot.image is not None else scene.image
            if name is None:
                out.append(dealt[len(out)] if dealt else None)
            elif name == DRAWN:
                out.append(None)
            elif name in where:
                out.append(where[name])
            else:
                known = ", ".join(sorted(where)) if where else "none were given"
                raise InputError(
                    "script", f"[[image: {name}]] names no image; the images are: {known}"
                )
    return out


def deal_by_scene(plan: Plan, images: int) -> list[int]:
    """Which of `images` pictures each shot shows, so every scene keeps its own pictures: with
    one per scene, picture i is scene i's; with more, each scene gets its run of consecutive
    pictures spread over its shots; with fewer, neighbouring scenes share one, never changing
    picture mid-scene."""
    shots = [len(scene.shots) for scene in plan.scenes]
    scenes = len(shots)
    out: list[int] = []
    if images <= scenes:
        for s, count in enumerate(shots):
            out += [s * images // scenes] * count
        return out
    # Each scene's run: an even share of the pictures, at most one per shot (any left over go
    # to the scenes with shots still to fill, in order).
    runs = [min(count, images // scenes + (s < images % scenes)) for s, count in enumerate(shots)]
    spare = images - sum(runs)
    for s, count in enumerate(shots):
        extra = min(spare, count - runs[s])
        runs[s] += extra
        spare -= extra
    first = 0
    for count, run in zip(shots, runs):
        out += [first + j * run // count for j in range(count)]
        first += run
    return out


def prepare(
    plan: Plan,
    user_images: list,
    size: tuple[int, int],
    seed: int,
    engines,
    names: list[str] | None = None,
    caption: bool = False,
    motion: str = "svd",
    references: References | None = None,
) -> ShotPictures:
    """Every shot's picture prepared for Ken Burns by Ray tasks, and the clips the engines make
    of generated pictures. `caption`: cards show the shot's text (`FilmOptions.card_text`,
    never with burned subtitles). `motion` (`FilmOptions.motion`): which engine makes the
    clips, SVD from the still or AnimateDiff from the shot's prompt; "kenburns": none."""
    ray_local.start()  # no-op when Ray is already up (a job on the cluster, the server, tests)
    can_animate = not user_images and engines.moves(motion)
    # Cards are drawn by the tasks, unless a clip engine may animate them: it needs them here.
    refs = references or References()
    shot_stills = stills(plan, user_images, size, seed, engines, can_animate, names, caption, refs)
    out = ShotPictures([], [])
    seen: dict[int, int] = {}
    for still in shot_stills:
        if id(still) not in seen:  # a reused user image is prepared once
            seen[id(still)] = len(out.pictures)
            out.pictures.append(_prepared_picture.remote(still, size))
        out.picture_of_shot.append(seen[id(still)])
    if can_animate:
        prompts = refs.shot_prompts(plan)
        looks = refs.shot_references(plan)
        if not (refs.pictures and motion != "svd" and engines.takes_references(motion)):
            looks = [None] * len(looks)  # SVD moves a still that already took the look
        for i, still in enumerate(shot_stills):
            clip = engines.clip(
                still,
                MOTION_FRAMES[motion],
                size,
                seed + i,
                prompt=prompts[i],
                motion=motion,
                reference=looks[i],
            )
            if clip:
                out.clips.add(len(out.pictures))
                out.picture_of_shot[i] = len(out.pictures)
                out.pictures.append(ray.put(np.stack(clip)))
    return out


def _cards(plan: Plan, size: tuple[int, int], seed: int, draw: bool, caption: bool) -> list:
    card_size = overscan_size(size)  # drawn at the Ken Burns source size: sharp text
    text = " ".join(
        f"{scene.heading or ''} {shot.description if caption else ''}"
        for scene in plan.scenes
        for shot in scene.shots
    )
    if text.strip() and fonts.find_font(text, pillow_first=True) is None:
        log.warning("cards without their text: %s", fonts.no_font_message(text))
    verse = "\n".join(shot.description for shot in plan.shots if shot.verse and caption)
    verse_font, advice = fonts.verse_font(verse) if verse.strip() else (None, None)
    if advice:
        log.warning("verse cards: %s", advice)
    out = []
    for scene_index, scene in enumerate(plan.scenes):
        scene_text = " ".join(shot.description for shot in scene.shots)
        for shot in scene.shots:
            card = functools.partial(
                cards.make_card if draw else cards.draw_card,
                scene.heading,
                shot.description,
                scene_index=scene_index,
                shot_index=len(out),
                size=card_size,
                seed=seed,
                centered=shot.centered,
                caption=caption or shot.centered,
                scene_text=scene_text,
                font_path=verse_font if shot.verse else None,  # verse in its script's face
            )
            out.append(card() if draw else card)
    return out


@ray.remote(num_cpus=1)
def _prepared_picture(still, size: tuple[int, int]):
    """A shot's picture (a PIL image, or the call that draws its card) ready for Ken Burns: an
    HxWx3 array, or a drawn card's layers."""
    picture = still() if callable(still) else still
    if isinstance(picture, Drawing):
        return layered_picture(picture, size)
    return prepare_picture(picture, size)


def layered_picture(drawing: Drawing, size: tuple[int, int], seed: int = 0) -> LayeredPicture:
    """A drawn card's layers for the camera, at the prepared picture's size."""
    want = overscan_size(size)
    if drawing.size != want:  # drawn at another size: scale every layer alike
        sx, sy = want[0] / drawing.size[0], want[1] / drawing.size[1]
        back = cv2.resize(drawing.back, want, interpolation=cv2.INTER_AREA)
        front = (
            None
            if drawing.front is None
            else cv2.resize(drawing.front, want, interpolation=cv2.INTER_AREA)
        )
        box = None
        if drawing.front_box is not None:
            x0, y0, x1, y1 = drawing.front_box
            box = (int(x0 * sx), int(y0 * sy), math.ceil(x1 * sx), math.ceil(y1 * sy))
        twinkles = [(x * sx, y * sy, r * sx) for x, y, r in drawing.twinkles]
        caption = (
            None
            if drawing.caption is None
            else cv2.resize(drawing.caption, want, interpolation=cv2.INTER_NEAREST)
        )
    else:
        back, front, box, twinkles, caption = (
            drawing.back,
            drawing.front,
            drawing.front_box,
            drawing.twinkles,
            drawing.caption,
        )
    return LayeredPicture(
        np.ascontiguousarray(back),
        front,
        box,
        drawing.front_depth,
        drawing.weather,
        twinkles,
        seed,
        caption,
    )
