"""The visuals stage: a picture (or a clip) for every shot, prepared for the camera.

A shot's picture is the user's image it names (a Fountain `[[image: NAME]]` note or a storyboard
edit: `Shot.image`, else its scene's `Scene.image`), else the user's images dealt by scene, else
the studio tier's still, else a drawn storyboard card (`pipelines.cards`). Ray tasks draw the cards and
prepare the pictures on whichever cores are free while the driver goes on to the frames (a
chunk task takes its pictures when they are ready), so the driver never holds them.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

import numpy as np
import ray
from PIL import Image

from infra import ray_local
from pipelines import cards, fonts
from pipelines.errors import InputError
from pipelines.pictures import overscan_size, prepare_picture
from pipelines.plan import DRAWN, Plan

log = logging.getLogger(__name__)

CLIP_FRAMES = 14  # frames the studio's clip engine makes from a still


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
) -> list:
    """One picture per shot: the user's image the shot names (`names[i]` is `user_images[i]`'s
    file name), else theirs dealt by scene, else the engines' stills, else drawn cards. With
    `draw=False` a card comes as the call that draws it, for a Ray task to make."""
    if names is None:
        names = [f"images[{i}]" for i in range(len(user_images))]
    chosen = choose(plan, names)
    need = [shot for shot, i in enumerate(chosen) if i is None]  # shots of the studio's own
    own = {}
    if need:
        shots = plan.shots
        prompts = [shots[k].prompt or shots[k].description for k in need]
        generated = engines.pictures(prompts, size, seed)
        if generated:
            own = dict(zip(need, generated))
        else:
            calls = _cards(plan, size, seed, draw=False)
            own = {k: calls[k]() if draw else calls[k] for k in need}
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
) -> ShotPictures:
    """Every shot's picture prepared for Ken Burns by Ray tasks, and the clips the engines make
    of generated pictures."""
    ray_local.start()  # no-op when Ray is already up (a job on the cluster, the server, tests)
    can_animate = not user_images and engines.animates
    # Cards are drawn by the tasks, unless a clip engine may animate them: it needs them here.
    shot_stills = stills(plan, user_images, size, seed, engines, draw=can_animate, names=names)
    out = ShotPictures([], [])
    seen: dict[int, int] = {}
    for still in shot_stills:
        if id(still) not in seen:  # a reused user image is prepared once
            seen[id(still)] = len(out.pictures)
            out.pictures.append(_prepared_picture.remote(still, size))
        out.picture_of_shot.append(seen[id(still)])
    if can_animate:
        for i, still in enumerate(shot_stills):
            clip = engines.clip(still, CLIP_FRAMES, size, seed + i)
            if clip:
                out.clips.add(len(out.pictures))
                out.picture_of_shot[i] = len(out.pictures)
                out.pictures.append(ray.put(np.stack(clip)))
    return out


def _cards(plan: Plan, size: tuple[int, int], seed: int, draw: bool) -> list:
    card_size = overscan_size(size)  # drawn at the Ken Burns source size: sharp text
    text = " ".join(
        f"{scene.heading or ''} {shot.description}" for scene in plan.scenes for shot in scene.shots
    )
    if fonts.find_font(text, pillow_first=True) is None:
        log.warning("cards without their text: %s", fonts.no_font_message(text))
    out = []
    for scene_index, scene in enumerate(plan.scenes):
        for shot in scene.shots:
            card = functools.partial(
                cards.make_card,
                scene.heading,
                shot.description,
                scene_index=scene_index,
                shot_index=len(out),
                size=card_size,
                seed=seed,
                centered=shot.centered,
            )
            out.append(card() if draw else card)
    return out


@ray.remote(num_cpus=1)
def _prepared_picture(still, size: tuple[int, int]) -> np.ndarray:
    """A shot's picture (a PIL image, or the call that draws its card) ready for Ken Burns."""
    picture: Image.Image = still() if callable(still) else still
    return prepare_picture(picture, size)
