"""The visuals stage: each scene shows its own pictures, in the script's order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.orchestrator import render_film
from pipelines.plan import Plan, Scene, Shot
from pipelines.request import make_request
from pipelines.visuals import deal_by_scene
from tests.utils.probe import decode_frames

SAMPLES = Path(__file__).parents[2] / "samples"


def plan_of(*shots_per_scene: int) -> Plan:
    scenes = [
        Scene(f"EXT. PLACE {i}", [Shot("x") for _ in range(n)])
        for i, n in enumerate(shots_per_scene)
    ]
    return Plan("t", scenes, [])


def per_scene(plan: Plan, dealt: list[int]) -> list[list[int]]:
    out, i = [], 0
    for scene in plan.scenes:
        out.append(dealt[i : i + len(scene.shots)])
        i += len(scene.shots)
    return out


def test_one_picture_per_scene_covers_the_whole_scene():
    plan = plan_of(2, 3, 1, 2)
    assert per_scene(plan, deal_by_scene(plan, 4)) == [[0, 0], [1, 1, 1], [2], [3, 3]]


def test_more_pictures_than_scenes_give_each_scene_its_own_run():
    plan = plan_of(2, 3, 1, 2)
    scenes = per_scene(plan, deal_by_scene(plan, 7))
    assert scenes == [[0, 1], [2, 3, 4], [5], [6, 6]]
    assert sorted({i for scene in scenes for i in scene}) == list(range(7))  # every picture shown


def test_fewer_pictures_are_shared_in_order_never_changing_mid_scene():
    plan = plan_of(2, 3, 1, 2)
    scenes = per_scene(plan, deal_by_scene(plan, 2))
    assert all(len(set(scene)) == 1 for scene in scenes)
    firsts = [scene[0] for scene in scenes]
    assert firsts == sorted(firsts) and set(firsts) == {0, 1}


@pytest.fixture(scope="module")
def sample_film(ray_session, tmp_path_factory):
    images = sorted((SAMPLES / "images").iterdir())
    request = make_request(
        script=(SAMPLES / "sample.fountain").read_text(),
        images=images,
        duration=60,
        size="1280x720",
        music="none",
        seed=7,
    )
    return render_film(request, tmp_path_factory.mktemp("sample") / "film.mp4"), images


def test_the_sample_shows_each_scene_its_own_picture(sample_film):
    """The sample has four scenes and four pictures: sampled through the film, the picture a
    frame looks most like goes 1, 2, 3, 4 in order, each for one stretch."""
    film, images = sample_film

    def colours(rgb: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(rgb).resize((8, 8), Image.Resampling.BOX), np.float32)

    references = [
        colours(np.asarray(Image.open(p).convert("RGB").resize((1280, 720)))) for p in images
    ]
    times = list(np.arange(1.0, 59.0, 1.0))
    nearest = [
        int(np.argmin([np.abs(colours(frame) - ref).mean() for ref in references]))
        for frame in decode_frames(film.video, times)
    ]
    runs = [n for i, n in enumerate(nearest) if i == 0 or n != nearest[i - 1]]
    assert runs == [0, 1, 2, 3], nearest
