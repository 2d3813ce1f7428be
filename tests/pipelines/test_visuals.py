"""The visuals stage: each scene shows its own pictures, in the script's order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.errors import InputError
from pipelines.orchestrator import render_film, storyboard
from pipelines.plan import DRAWN, Plan, Scene, Shot
from pipelines.request import make_request
from pipelines.visuals import choose, deal_by_scene
from tests.utils.film import SHORT_FILMS
from tests.utils.probe import decode_frames

SAMPLES = Path(__file__).parents[2] / "samples"
SHORT = {"limits": SHORT_FILMS, "music": "none"}


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


def test_a_note_overrides_the_dealing_for_its_scene_or_shot():
    plan = plan_of(2, 2, 1)
    plan.scenes[0].image = "c.png"  # the whole first scene
    plan.scenes[1].shots[1].image = "a.png"  # one shot of the second
    plan.scenes[2].shots[0].image = DRAWN  # the studio's own picture
    assert choose(plan, ["a.png", "b.png", "c.png"]) == [2, 2, 1, 0, None]


def test_a_note_naming_no_image_is_refused_with_the_names_there_are():
    plan = plan_of(1)
    plan.scenes[0].image = "lighthouse.png"
    with pytest.raises(InputError, match=r"\[\[image: lighthouse.png\]\] .*: a.png, b.png"):
        choose(plan, ["b.png", "a.png"])
    with pytest.raises(InputError, match="none were given"):
        choose(plan, [])


def test_a_storyboard_shows_the_picture_a_note_names(tmp_path):
    """Three images, two scenes: dealt, scene 1 would show the first; its note picks the blue."""
    colours = {"red.png": (220, 30, 30), "green.png": (30, 200, 30), "blue.png": (30, 30, 220)}
    for name, colour in colours.items():
        Image.new("RGB", (320, 180), colour).save(tmp_path / name)
    script = "EXT. SEA - DAY\n\n[[image: blue.png]]\n\nWaves.\n\nEXT. PORT - DAY\n\nA quay.\n"
    request = make_request(
        script=script, images=[tmp_path / n for n in colours], duration=4, **SHORT
    )
    board = storyboard(request, tmp_path / "stills")
    mean = [np.asarray(Image.open(p).convert("RGB"), np.float32).mean((0, 1)) for p in board.stills]
    assert np.argmax(mean[0]) == 2  # blue
    assert np.argmax(mean[1]) != 2


def test_an_unknown_image_note_is_refused_before_the_render(tmp_path):
    Image.new("RGB", (64, 64)).save(tmp_path / "sea.png")
    request = make_request(
        script="EXT. SEA - DAY\n\n[[image: lighthouse.png]]\n\nWaves.\n",
        images=[tmp_path / "sea.png"],
        duration=4,
        **SHORT,
    )
    with pytest.raises(InputError, match=r"lighthouse.png\]\] names no image; the images are: sea"):
        render_film(request, tmp_path / "film.mp4")
    assert not list(tmp_path.glob("film*"))
