"""Cards: drawn storyboard cards look right and keep their text readable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines import cards, fonts, verse, visuals
from pipelines.cards import SAFE_MARGIN, draw_card, make_card, palette_for
from pipelines.motion import LayeredRenderer, Move
from pipelines.pictures import overscan_size
from pipelines.sanskrit import padas

# --- make_card -------------------------------------------------------------------------------

CARD = dict(scene_index=0, shot_index=0, size=(640, 360), seed=7)


@pytest.mark.parametrize("size", [(1280, 720), (1080, 1920), (1080, 1080), (641, 361)])
def test_card_has_the_exact_size(size):
    card = make_card("EXT. HARBOUR - DAY", "Boats rock at anchor.", **{**CARD, "size": size})
    assert card.size == size and card.mode == "RGB"


def test_same_seed_gives_the_same_card_and_another_seed_another():
    a = make_card("EXT. HARBOUR - DAY", "Boats rock at anchor.", **CARD)
    b = make_card("EXT. HARBOUR - DAY", "Boats rock at anchor.", **CARD)
    c = make_card("EXT. HARBOUR - DAY", "Boats rock at anchor.", **{**CARD, "seed": 8})
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


def mean_colour(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.float32).reshape(-1, 3).mean(axis=0)


@pytest.mark.parametrize("heading", [None, "EXT. ROAD - NIGHT"])
def test_neighbouring_title_cards_get_different_palettes(heading):
    palettes = [palette_for(heading, scene, seed=3) for scene in range(4)]
    assert all(a != b for a, b in zip(palettes, palettes[1:]))


@pytest.mark.parametrize("heading", [None, "EXT. ROAD"])
def test_neighbouring_scenes_with_no_time_named_get_different_light(heading):
    cards = [
        make_card(heading, "A car passes.", **{**CARD, "scene_index": s, "shot_index": s})
        for s in range(3)
    ]
    for a, b in zip(cards, cards[1:]):
        assert np.abs(mean_colour(a) - mean_colour(b)).max() > 6  # visibly another colour scheme


@pytest.mark.parametrize("scene", range(4))
def test_night_skies_are_dark_and_day_skies_bright(scene):
    opts = {**CARD, "scene_index": scene}
    night = make_card("EXT. FIELD - NIGHT", "Crickets.", **opts)
    day = make_card("EXT. FIELD - DAY", "Crickets.", **opts)
    sky = (0, 0, 640, 36)  # the top tenth: above the heading
    assert mean_colour(night.crop(sky)).mean() + 40 < mean_colour(day.crop(sky)).mean()


def test_shots_of_one_scene_vary_the_composition():
    a = make_card("EXT. FIELD - DAY", "Crickets.", **CARD)
    b = make_card("EXT. FIELD - DAY", "Crickets.", **{**CARD, "shot_index": 1})
    diff = np.abs(np.asarray(a, dtype=int) - np.asarray(b, dtype=int)).mean()
    assert diff > 3
    assert np.abs(mean_colour(a) - mean_colour(b)).max() < 25  # but the same palette


def text_box(with_text: Image.Image, without: Image.Image) -> tuple[int, int, int, int]:
    """Where the text changed the card: (left, top, right, bottom)."""
    diff = np.abs(np.asarray(with_text, dtype=int) - np.asarray(without, dtype=int)).max(axis=2)
    ys, xs = np.nonzero(diff > 24)
    return xs.min(), ys.min(), xs.max(), ys.max()


LONG = (
    "The storm gathers over the bay while the keeper, who has not slept in three days, "
    "climbs the spiral stairs one last time to light the lamp. "
) * 12


@pytest.mark.parametrize("text", [LONG, "Supercalifragilistic" * 30, "灯塔" * 300])
@pytest.mark.parametrize("size", [(640, 360), (360, 640)])
def test_long_text_stays_inside_the_safe_area(text, size):
    if fonts.find_font(text, pillow_first=True) is None:
        pytest.skip(f"cards leave this text off here: {fonts.no_font_message(text)}")
    opts = {**CARD, "size": size}
    card = make_card("EXT. LIGHTHOUSE - NIGHT", text, **opts)
    blank = make_card("EXT. LIGHTHOUSE - NIGHT", text, caption=False, **opts)
    left, top, right, bottom = text_box(card, blank)
    w, h = size
    assert left >= SAFE_MARGIN * w - 1 and right <= (1 - SAFE_MARGIN) * w + 1
    assert top >= SAFE_MARGIN * h - 1 and bottom <= (1 - SAFE_MARGIN) * h + 1
    assert bottom - top < 0.5 * h  # four lines at most, not a wall of text


def test_text_no_installed_font_covers_is_left_off_not_drawn_as_boxes(monkeypatch):
    monkeypatch.setattr(fonts, "FONT_DIRS", [])  # Pillow's Aileron alone: Latin letters only
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    opts = {**CARD, "size": (640, 360)}
    card = make_card("EXT. RIVER - DAY", "नदी के किनारे एक बूढ़ा मछुआरा", **opts)
    blank = make_card("EXT. RIVER - DAY", " ", **opts)
    assert np.array_equal(np.asarray(card), np.asarray(blank))  # the heading is there in both
    assert not np.array_equal(np.asarray(blank), np.asarray(make_card(None, " ", **opts)))


def test_title_card_sets_its_text_large_in_the_middle():
    opts = {**CARD, "size": (1280, 720)}
    card = make_card(None, "THE END", centered=True, **opts)
    blank = make_card(None, "", centered=True, **opts)
    left, top, right, bottom = text_box(card, blank)
    assert abs((left + right) / 2 - 640) < 12 and abs((top + bottom) / 2 - 360) < 20
    assert bottom - top > 50  # big letters, not a caption


def test_a_given_font_is_used():
    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not Path(font).exists():
        pytest.skip("no DejaVu font here")
    plain = make_card("EXT. SEA", "Waves.", **CARD)
    dejavu = make_card("EXT. SEA", "Waves.", font_path=font, **CARD)
    assert plain.tobytes() != dejavu.tobytes()


def test_command_line_writes_a_card(tmp_path, capsys):
    out = tmp_path / "card.png"
    assert (
        cards._main(
            [
                "--card",
                "INT. LIGHTHOUSE - NIGHT",
                "Waves hit the rocks.",
                "-o",
                str(out),
                "--size",
                "320x180",
            ]
        )
        == 0
    )
    assert Image.open(out).size == (320, 180)


def test_command_line_refuses_a_bad_image_with_exit_code_2(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_text("nope")
    assert cards._main([str(bad), "-o", str(tmp_path / "x.png")]) == 2
    assert "bad.png: does not decode" in capsys.readouterr().err


@pytest.mark.parametrize(
    "heading, text, thing",
    [
        ("INT. LAMP ROOM - NIGHT", "The great lamp turns.", "lamp"),  # a tall thing in front
        ("EXT. FIELD - NIGHT", "Snow on the tower and the stars.", "tower"),  # + snow, stars
    ],
)
def test_nothing_in_front_ever_covers_the_caption(heading, text, thing):
    """A thing in front that stands where the caption is: in the still and in every frame of
    a shot whose camera moves it across (parallax), the caption's box shows the caption on
    the back plate and nothing else, while the thing shows around it."""
    film = (320, 180)
    opts = {**CARD, "size": overscan_size(film), "seed": 0}
    drawing = draw_card(heading, text, **opts)
    alone = replace(drawing, front=None, front_box=None, weather=None, twinkles=[])
    uncaptioned = replace(draw_card(heading, text, caption=False, **opts), front=None)
    # The caption's text box: where its letters lit the back plate.
    inked = (np.asarray(alone.flat(), int) - np.asarray(uncaptioned.flat(), int)).mean(2) > 40
    ys, xs = np.nonzero(inked)
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    tx0, ty0, tx1, ty1 = drawing.graph.find(thing).box
    assert tx0 < x1 and x0 < tx1 and ty0 < y1 and y0 < ty1  # the thing stands over the caption

    still, bare = np.asarray(drawing.flat()), np.asarray(alone.flat())
    assert np.array_equal(still[y0:y1, x0:x1], bare[y0:y1, x0:x1])
    assert not np.array_equal(still, bare)

    picture = visuals.layered_picture(drawing, film)
    move = Move((0.44, 0.46, 1.1), (0.56, 0.54, 1.18))  # a pan that closes in: things travel
    shot = LayeredRenderer(picture, move, film, seconds=2)
    caption_only = LayeredRenderer(
        replace(picture, front=None, front_box=None, weather=None, twinkles=None),
        move,
        film,
        seconds=2,
    )
    frames = 48
    for i in range(frames):
        t = i / (frames - 1)
        left, top, right, bottom = shot.window(t)
        sx, sy = (right - left) / film[0], (bottom - top) / film[1]
        box = (
            slice(int(np.ceil((y0 - top) / sy)) + 1, int((y1 - top) / sy) - 1),
            slice(int(np.ceil((x0 - left) / sx)) + 1, int((x1 - left) / sx) - 1),
        )
        frame, bare = shot.frame(t), caption_only.frame(t)
        assert np.array_equal(frame[box], bare[box]), f"frame {i}"
        assert np.abs(frame.astype(int) - bare).max() > 60  # the thing is in the picture


# --- verse -----------------------------------------------------------------------------------

STANZA = "The lamps come on along the quay,\nthe gulls go quiet one by one;\nthe boats lean in."
SHLOKA = "धर्मक्षेत्रे कुरुक्षेत्रे\nसमवेता युयुत्सवः ।"


def text_rows(with_text: Image.Image, without: Image.Image) -> list[tuple[int, int]]:
    """The (left, right) extent of each run of rows the text lit (the panel under it only
    darkens the card): one per line of text."""
    diff = np.asarray(with_text, dtype=int) - np.asarray(without, dtype=int)
    inked = diff.mean(axis=2) > 40
    rows = np.flatnonzero(inked.any(axis=1))
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    return [(np.flatnonzero(inked[r].any(axis=0))[[0, -1]]) for r in runs]


@pytest.mark.parametrize(
    "text, face",
    [(STANZA, "serif"), ("Ἄνδρα μοι ἔννεπε, Μοῦσα,\nπολύτροπον", "serif"), (SHLOKA, "devanagari")],
)
def test_verse_is_set_in_a_face_for_its_script(text, face):
    font, advice = fonts.verse_font(text)
    name = Path(font).name.lower()
    assert face in name and advice is None
    if face == "serif":  # a book face, not a sans
        assert "sans" not in name


@pytest.mark.parametrize("text", [STANZA, SHLOKA])
def test_a_verse_card_keeps_its_lines_centred_in_that_face(text):
    """The film's card for a stanza is the card drawn in `verse_font`'s face (not the sans
    the rest of the film uses), a line of the card per line of verse, each centred."""
    plan = padas.plan(text) if text == SHLOKA else verse.analyze(text, "verse")
    stanza = plan.shots[0].description
    size = overscan_size((640, 360))
    card, *_ = visuals._cards(plan, (640, 360), 7, True, True)
    opts = {**CARD, "size": size, "scene_text": stanza}
    font, _ = fonts.verse_font(stanza)
    assert card.tobytes() == make_card(None, stanza, font_path=font, **opts).tobytes()
    if text == STANZA:  # the prose face is a sans; Devanagari has the one face here
        assert card.tobytes() != make_card(None, stanza, **opts).tobytes()
    back = [  # the back plates alone: the panel hides what stands in front of it
        replace(draw_card(None, stanza, font_path=font, caption=c, **opts), front=None).flat()
        for c in (True, False)
    ]
    rows = text_rows(*back)
    assert len(rows) == stanza.count("\n") + 1
    for left, right in rows:
        assert abs((left + right) / 2 - size[0] / 2) < 0.02 * size[0]  # each centred
    assert len({right - left for left, right in rows}) == len(rows)  # not justified


def test_verse_no_face_suits_falls_back_naming_the_face_to_install(monkeypatch):
    monkeypatch.setattr(fonts, "FONT_DIRS", [])  # Pillow's Aileron alone: Latin letters only
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    font, advice = fonts.verse_font(STANZA)
    assert font == fonts.PILLOW_FONT and "DejaVu Serif" in advice
    font, advice = fonts.verse_font(SHLOKA)
    assert font is None and "Devanagari" in advice and "fonts-noto-core" in advice
