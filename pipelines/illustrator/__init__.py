"""The illustrator: the draft tier's pictures, drawn from the script's words without weights.

    read.py     shot text → place, time, weather, things (words in lexicon.json, per language)
    motifs.py   the procedural drawings (sky, places, things) in one flat style
    canvas.py   anti-aliased shapes, gradients and glows on float RGBA layers
    compose.py  a reading → depth layers (back plate, front things) + a scene graph

`illustrate(heading, text, ...)` does all of it for one shot. Run alone:
`python -m pipelines.cards --card "EXT. OPEN SEA - NIGHT" "A boat drifts under the stars." -o x.png`.
"""

from __future__ import annotations

from collections.abc import Callable

from pipelines.illustrator.compose import Drawing, Motif, SceneGraph, compose
from pipelines.illustrator.read import SceneReading, ShotReading, read_scene, read_shot

__all__ = [
    "Drawing",
    "Motif",
    "SceneGraph",
    "SceneReading",
    "ShotReading",
    "illustrate",
    "read_scene",
    "read_shot",
]


def illustrate(
    heading: str | None,
    text: str,
    *,
    size: tuple[int, int],
    seed: int,
    scene_index: int = 0,
    shot_index: int = 0,
    scene_text: str = "",
    language: str = "en",
    translate: Callable[[str], str] | None = None,
) -> Drawing:
    """The drawing of one shot: its scene's place and time (from the heading, else from all of
    the scene's text `scene_text`), the things its own text names."""
    scene = read_scene(heading, [scene_text or text], language, translate)
    shot = read_shot(text, scene, language, translate)
    return compose(shot, size, seed, variant=scene_index, shot=shot_index)
