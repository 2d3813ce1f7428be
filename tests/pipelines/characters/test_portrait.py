"""A portrait: one photo as a character, its mouth drawn at the mouth point (draft tier)."""

from __future__ import annotations

import av
import numpy as np
import pysubs2
import pytest

from pipelines.characters import face_of, look_for
from pipelines.characters.mouths import SHAPES
from pipelines.characters.portrait import load_portrait
from pipelines.errors import InputError
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from tests.pipelines.characters.staged import cast_of
from tests.utils.characters import photo
from tests.utils.film import SHORT_FILMS

SCENE = "INT. PIER - DAY\n\nIRIS\nBob met Pam by the map.\n"
MOUTH = (120, 230)
FPS = 24


def test_a_portrait_is_the_photo_with_drawn_mouths_at_the_point(tmp_path):
    look = load_portrait(photo(tmp_path / "iris.png"), "character_portraits[IRIS]", 640, MOUTH)
    assert look.size == (480, 640) and look.body is None  # the photo, scaled ×2
    x, y = look.mouth_at
    h, w = look.mouths["A"].shape[:2]
    assert abs(x + w / 2 - 240) <= 2 and abs(y + h / 2 - 460) <= 2
    assert len({look.mouths[s].tobytes() for s in SHAPES}) == 9
    # the mouth patches are drawn on the photo's skin, around the mouth
    assert np.abs(look.mouths["X"][1, 1].astype(int) - (225, 180, 150)).max() < 30
    # the studio tier's lip-sync model gets the face around the mouth, from the photo itself
    (fx, fy), face = face_of(look)
    assert fx <= x and fy <= y and fx + face.width >= x + w and fy + face.height >= y + h
    assert np.array_equal(
        np.asarray(face), look.head[fy : fy + face.height, fx : fx + face.width, :3]
    )


def test_a_portrait_without_a_face_or_point_or_that_does_not_decode_is_refused(tmp_path):
    with pytest.raises(InputError, match="no face found on the portrait.*@X,Y") as error:
        load_portrait(photo(tmp_path / "iris.png"), "character_portraits[IRIS]", 640)
    assert error.value.field == "character_portraits[IRIS]"
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not really")
    with pytest.raises(InputError, match="broken.jpg") as error:
        load_portrait(broken, "character_portraits[IRIS]", 640, MOUTH)
    with pytest.raises(InputError, match="outside the 240x320 picture"):
        load_portrait(photo(tmp_path / "i.png"), "character_portraits[IRIS]", 640, (300, 10))


def test_the_request_uses_the_portrait_for_its_character(tmp_path):
    request = make_request(
        SHORT_FILMS,
        script=SCENE,
        duration=4,
        character_portraits={"iris": photo(tmp_path / "iris.jpg")},
        character_mouths={"IRIS": MOUTH},
    )
    looks = look_for(request, ["IRIS", "TEO"], 320)
    assert looks["IRIS"].body is None and looks["TEO"].body is not None  # portrait, drawn


@pytest.fixture(scope="module")
def film(ray_session, tmp_path_factory):
    folder = tmp_path_factory.mktemp("portrait")
    request = make_request(
        SHORT_FILMS,
        script=SCENE,
        duration=4.0,
        seed=1,
        music="none",
        character_portraits={"IRIS": photo(folder / "iris.png")},
        character_mouths={"IRIS": MOUTH},
    )
    result = render_film(request, folder / "pier.mp4")
    with av.open(str(result.video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return request, cast_of(request), frames, pysubs2.load(str(result.srt))


def test_the_portraits_pixels_stand_where_the_speaker_does(film):
    request, cast, frames, cues = film
    iris = cast.standing("IRIS", 0)
    sprite = cast.sprites[iris.character]
    scale = sprite.height / 320
    # the photo's stripes, away from the face: a yellow stripe, then a blue one, top left
    spots = {(10, 20): (240, 210, 40), (30, 20): (30, 60, 200), (210, 40): (240, 210, 40)}
    line = range(round(cues[0].start / 1000 * FPS) + 1, round(cues[0].end / 1000 * FPS) - 1)
    for i in line:
        for (px, py), colour in spots.items():
            x, y = iris.x + round(px * scale), iris.y + round(py * scale)
            seen = frames[i][y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3).mean(axis=0)
            assert np.abs(seen - colour).max() < 25, (i, (px, py), seen, colour)
    # and the mouth drawn at the point moves while she speaks
    x, y, w, h = cast.mouth_box("IRIS", 0)
    crops = [frames[i][y : y + h, x : x + w].astype(int) for i in line]
    changes = [np.abs(a - b).mean() for a, b in zip(crops, crops[1:])]
    assert sum(c > 4 for c in changes) >= len(changes) // 4


@pytest.mark.filterwarnings("ignore:studio tier")  # only the lip-sync model is built
def test_the_studio_tier_gives_the_portraits_face_to_the_lipsync_model(tmp_path):
    from pipelines.engines import StudioEngines
    from pipelines.engines.random_weights import build_tiny_models

    models = build_tiny_models(tmp_path / "models", engines=("lipsync",))
    request = make_request(
        SHORT_FILMS,
        script=SCENE,
        duration=4.0,
        character_portraits={"IRIS": photo(tmp_path / "iris.png")},
        character_mouths={"IRIS": MOUTH},
    )
    cast = cast_of(request, engines=StudioEngines.local(models))
    look = look_for(request, ["IRIS"], cast.sprites[0].height)["IRIS"]
    (fx, fy), face = face_of(look)
    assert cast.face_at[0] == (fx, fy) and face.width == face.height  # the face box, square
    assert len(cast.faces[0]) > 24  # a talking face for every frame of her line
    assert all(p.y.shape == (face.height, face.width) for p in cast.faces[0].values())
