"""The illustrator draws what the script says, in layers the camera moves with parallax."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from pipelines import script
from pipelines.cards import draw_card
from pipelines.illustrator import illustrate, read_scene, read_shot
from pipelines.illustrator.compose import compose
from pipelines.illustrator.motifs import PLACES, THINGS
from pipelines.illustrator.read import ShotReading, lexicon
from pipelines.motion import LayeredRenderer, Move
from pipelines.pictures import overscan_size
from pipelines.visuals import layered_picture

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "sample.fountain"
SIZE = (1280, 720)


def region_mean(picture: np.ndarray, box) -> np.ndarray:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    return picture[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0)


def test_a_boat_on_black_waves_under_the_stars():
    drawing = illustrate(
        None, "A small fishing boat drifts on black waves under the stars", size=SIZE, seed=1
    )
    graph = drawing.graph
    assert graph.place == "sea" and graph.time == "night"
    assert {"sea", "boat", "stars"} <= set(graph.names())
    assert graph.find("boat").layer == "things" and graph.find("stars").layer == "sky"
    # The boat stands out from the sea around it.
    flat = np.asarray(drawing.flat(), np.float32)
    x0, y0, x1, y1 = graph.find("boat").box
    pad = (x1 - x0) * 0.5
    around = region_mean(flat, (x0 - pad, y1, x1 + pad, min(y1 + pad, SIZE[1])))
    boat = region_mean(flat, (x0, y0, x1, y1))
    assert np.abs(boat - around).max() > 25, (boat, around)


def test_the_sample_screenplay_draws_each_scene():
    plan = script.analyze(SAMPLE.read_text())
    drawn = {}
    for i, scene in enumerate(plan.scenes):
        if not scene.heading:
            continue
        scene_text = " ".join(shot.description for shot in scene.shots)
        names = set()
        for shot in scene.shots:
            graph = illustrate(
                scene.heading,
                shot.description,
                size=SIZE,
                seed=0,
                scene_index=i,
                scene_text=scene_text,
            ).graph
            names |= set(graph.names())
        drawn[scene.heading.split("#")[0].strip()] = (graph, names)
    lighthouse = drawn["EXT. LIGHTHOUSE - DUSK"]
    assert "lighthouse" in lighthouse[1] and lighthouse[0].time == "dusk"
    sea = drawn["EXT. OPEN SEA - NIGHT"]
    assert {"sea", "boat"} <= sea[1] and sea[0].time == "night"
    harbour = drawn["EXT. HARBOUR - DAWN"]
    assert "quay" in harbour[1] and harbour[0].place == "harbour"
    lamp_room = drawn["INT. LAMP ROOM - NIGHT"]
    assert lamp_room[0].interior and "lamp" in lamp_room[1]


def test_unknown_words_get_the_scenes_place_or_an_abstract_card():
    scene = read_scene("EXT. HARBOUR - DAY", ["Boats rock at anchor."])
    assert read_shot("Zyxxy qwomp.", scene).place == "harbour"
    graph = illustrate(None, "Zyxxy qwomp blorf.", size=SIZE, seed=2).graph
    assert graph.names("place") == ["abstract"]
    assert read_scene("INT. ZYXXY", []).place == "room"


def test_the_same_seed_draws_the_same_and_another_shot_differs():
    args = ("EXT. HARBOUR - DAWN", "The boat glides home through the mist.")
    a = illustrate(*args, size=(640, 360), seed=4)
    b = illustrate(*args, size=(640, 360), seed=4)
    c = illustrate(*args, size=(640, 360), seed=4, shot_index=1)
    assert np.array_equal(np.asarray(a.flat()), np.asarray(b.flat()))
    assert np.abs(np.asarray(a.flat(), int) - np.asarray(c.flat(), int)).mean() > 2


def test_a_translator_reads_other_languages():
    seen = []

    def translate(text: str) -> str:
        seen.append(text)
        return {"Un bateau sur la mer": "A boat on the sea"}.get(text, text)

    assert "xx" not in lexicon()
    scene = read_scene(None, ["Un bateau sur la mer"], language="xx", translate=translate)
    assert scene.place == "sea"
    assert read_shot("Un bateau sur la mer", scene, "xx", translate).things == ("boat",)


def motif_readings():
    places = lexicon()["en"]["places"]
    for place in PLACES:
        interior = place not in places
        yield ShotReading(place, interior, "day", None, ())
    for thing in THINGS:
        inside = thing in ("table", "window", "door", "candle", "book")
        yield ShotReading("room" if inside else "field", inside, "night", None, (thing,))
    yield ShotReading("sea", False, "day", None, ("boat", "ship"))


@pytest.mark.parametrize("size", [(1280, 720), (1080, 1920), (1080, 1080)])
def test_every_motif_draws_inside_the_frame(size):
    assert set(PLACES) == set(lexicon()["en"]["places"]) | set(lexicon()["en"]["interiors"])
    assert set(THINGS) == set(lexicon()["en"]["things"])
    w, h = size
    for reading in motif_readings():
        drawing = compose(reading, size, seed=3)
        graph = drawing.graph
        wanted = set(reading.things) | {reading.place}
        drawn = set(graph.names())
        assert drawn >= set(reading.things), (reading, drawn)
        assert reading.place in drawn or graph.names("place"), reading
        for motif in graph.motifs:
            x0, y0, x1, y1 = motif.box
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, (size, motif)
        assert wanted  # every reading names something it drew
        assert drawing.back.shape == (h, w, 3)


def phase_shift(a: np.ndarray, b: np.ndarray, box) -> float:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    grey = [cv2.cvtColor(f[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY).astype(np.float64) for f in (a, b)]
    window = cv2.createHanningWindow(grey[0].shape[::-1], cv2.CV_64F)
    (dx, dy), _ = cv2.phaseCorrelate(grey[0], grey[1], window)
    return float(np.hypot(dx, dy))


def test_the_foreground_moves_more_than_the_background():
    size = (1280, 720)
    drawing = draw_card(
        "EXT. OPEN SEA - DAY",
        "A small fishing boat on the waves.",
        scene_index=0,
        shot_index=0,
        size=overscan_size(size),
        seed=5,
        caption=False,
    )
    picture = layered_picture(drawing, size)
    move = Move((0.46, 0.5, 1.12), (0.54, 0.5, 1.12))  # a pan to the right
    renderer = LayeredRenderer(picture, move, size)
    a, b = renderer.frame(0.0), renderer.frame(1.0)
    # The boat's region (where it is in the first frame, with room to move) against the sky's.
    bx0, by0, bx1, by1 = drawing.graph.find("boat").box
    left, top, right, bottom = renderer.window(0.0)
    sx = (right - left) / size[0]
    boat = (
        (bx0 - left) / sx - 60,
        (by0 - top) / sx - 20,
        (bx1 - left) / sx + 60,
        (by1 - top) / sx + 20,
    )
    boat = (max(boat[0], 0), max(boat[1], 0), min(boat[2], size[0]), min(boat[3], size[1]))
    sky = (0, 130, size[0], 300)  # below the heading, above the horizon: clouds and light
    front, back = phase_shift(a, b, boat), phase_shift(a, b, sky)
    assert front > back * 1.3 and front > 5, (front, back)


def test_weather_moves_between_frames_of_a_still_camera():
    size = (640, 360)
    for words, weather in (("Rain on the road.", "rain"), ("Snow falls on the field.", "snow")):
        drawing = illustrate(None, words, size=overscan_size(size), seed=1)
        assert drawing.weather == weather
        picture = layered_picture(drawing, size)
        still = Move((0.5, 0.5, 1.1), (0.5, 0.5, 1.1))
        renderer = LayeredRenderer(picture, still, size, seconds=4)
        a, b = renderer.frame(0.2), renderer.frame(0.3)
        assert np.abs(a.astype(int) - b.astype(int)).mean() > 0.5, weather


def test_stars_twinkle():
    size = (640, 360)
    drawing = illustrate(
        "EXT. FIELD - NIGHT", "Stars fill the sky.", size=overscan_size(size), seed=1
    )
    assert drawing.twinkles
    picture = layered_picture(drawing, size)
    still = Move((0.5, 0.5, 1.1), (0.5, 0.5, 1.1))
    renderer = LayeredRenderer(picture, still, size, seconds=6)
    sky = (slice(0, 150), slice(None))
    frames = [renderer.frame(t)[sky].astype(int) for t in (0.1, 0.4)]
    assert np.abs(frames[0] - frames[1]).max() > 40


@pytest.mark.parametrize("card_text", [False, True])
def test_with_burned_subtitles_no_card_text_is_a_subtitle_line(card_text):
    from pipelines import subtitles, visuals
    from pipelines.engines import DraftEngines
    from pipelines.orchestrator import card_caption
    from pipelines.request import make_request

    request = make_request(script=SAMPLE.read_text(), burn_subtitles=True, card_text=card_text)
    plan = script.analyze(request.script)
    cues = subtitles.make_cues([(i, i + 1.0, line.text) for i, line in enumerate(plan.lines)])
    cards = visuals.stills(
        plan, [], (320, 180), 0, DraftEngines(), draw=False, caption=card_caption(request)
    )
    texts = [" ".join(t.split()) for card in cards for t in card().texts]
    spoken = [" ".join(c.text.split()) for c in cues] + [line.text for line in plan.lines]
    assert texts  # the scene headings are there, as small titles
    assert not [t for t in texts if any(s in t or t in s for s in spoken)]


def test_card_text_without_burned_subtitles_shows_the_shot_as_a_caption():
    from pipelines import visuals
    from pipelines.engines import DraftEngines
    from pipelines.orchestrator import card_caption
    from pipelines.request import make_request

    request = make_request(script=SAMPLE.read_text(), card_text=True)
    plan = script.analyze(request.script)
    cards = visuals.stills(
        plan, [], (320, 180), 0, DraftEngines(), draw=False, caption=card_caption(request)
    )
    texts = {t for card in cards for t in card().texts}
    assert plan.shots[0].description in texts
