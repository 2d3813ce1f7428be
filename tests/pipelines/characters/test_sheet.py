"""A character sheet: used when complete, refused naming what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.characters import look_for
from pipelines.characters.sheet import load_sheet
from pipelines.errors import InputError
from pipelines.request import make_request
from tests.utils.characters import make_sheet
from tests.utils.film import SHORT_FILMS

SHAPES = "ABCDEFGHX"


def test_a_complete_sheet_gives_the_character_its_mouths(tmp_path):
    look = load_sheet(make_sheet(tmp_path / "iris.zip"), "character_sheets[IRIS]", 600, (100, 200))
    assert look.size == (400, 600)  # scaled to the character's height
    x, y = look.mouth_at
    h, w = look.mouths["A"].shape[:2]
    assert abs(x + w / 2 - 200) <= 2 and abs(y + h / 2 - 400) <= 2  # centred on the point ×2
    assert len({look.mouths[s].tobytes() for s in SHAPES}) == 9
    assert look.eyes_closed is not None


def test_a_missing_mouth_shape_is_refused_by_name(tmp_path):
    with pytest.raises(InputError) as error:
        load_sheet(make_sheet(tmp_path / "s.zip", leave_out="G"), "character_sheets[IRIS]", 600)
    assert error.value.field == "character_sheets[IRIS]"
    assert "mouth shape G missing" in error.value.message


def test_a_picture_that_does_not_decode_is_refused_like_any_image(tmp_path):
    with pytest.raises(InputError) as error:
        load_sheet(
            make_sheet(tmp_path / "s.zip", broken="D"), "character_sheets[IRIS]", 600, (1, 1)
        )
    assert error.value.field == "character_sheets[IRIS]"
    assert "D.png: does not decode as an image" in error.value.message


def test_not_a_zip_and_no_face_are_refused(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK no")
    with pytest.raises(InputError, match="is not a zip file"):
        load_sheet(bad, "character_sheets[IRIS]", 600)
    with pytest.raises(InputError, match="no face found.*mouth point"):
        load_sheet(make_sheet(tmp_path / "s.zip"), "character_sheets[IRIS]", 600)


def test_a_sheet_for_a_character_the_script_lacks_is_refused(tmp_path):
    request = make_request(
        SHORT_FILMS,
        script="INT. A - DAY\n\nMARA\nHello.\n",
        duration=5,
        character_sheets={"IRIS": make_sheet(tmp_path / "s.zip")},
    )
    from pipelines.characters import check_sheets

    with pytest.raises(InputError) as error:
        check_sheets(request, ["MARA"])
    assert error.value.field == "character_sheets[IRIS]"


def test_the_request_uses_the_sheet_for_its_character(tmp_path):
    request = make_request(
        SHORT_FILMS,
        script="INT. A - DAY\n\nIRIS\nHello.\n",
        duration=5,
        character_sheets={"iris": make_sheet(tmp_path / "s.zip")},
        character_mouths={"IRIS": (100, 200)},
    )
    looks = look_for(request, ["IRIS", "TEO"], 300)
    assert looks["IRIS"].body is None and looks["TEO"].body is not None  # sheet, drawn
    assert np.asarray(looks["IRIS"].head)[150, 100, :3].tolist() == [200, 60, 60]


def test_a_bad_sheet_is_refused_before_any_work(tmp_path):
    from pipelines.orchestrator import render_film

    request = make_request(
        SHORT_FILMS,
        script="INT. A - DAY\n\nIRIS\nHello.\n",
        duration=5,
        character_sheets={"IRIS": make_sheet(tmp_path / "s.zip", leave_out="X")},
        character_mouths={"IRIS": (100, 200)},
    )
    out = tmp_path / "out" / "film.mp4"
    with pytest.raises(InputError, match="mouth shape X missing"):
        render_film(request, out)  # no Ray needed: refused at step 0
    assert not any(p.is_file() for p in (tmp_path / "out").iterdir())
