"""The same character in every shot: a studio film with two characters, one with the user's
reference picture and one whose first still becomes theirs; every later still showing them is
conditioned on it through the tiny IP-Adapter (built from configs, loaded by the production
loader), and the film still meets the upload standard."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipelines import references
from pipelines.characters import WIDTH, character_height, face_of
from pipelines.characters.portrait import portrait_look
from pipelines.engines import StudioEngines
from pipelines.errors import InputError
from pipelines.orchestrator import render_film, storyboard
from pipelines.request import make_request
from pipelines.script import analyze
from tests.utils.film import SHORT_FILMS
from tests.utils.probe import assert_upload_standard, loudness, probe

DURATION = 12.0


SIZE = (1280, 720)
SCRIPT = """Title: Tea

INT. KITCHEN - NIGHT

A kettle hums on the stove.

MARA
Hello?

Jonas steps in from the rain.

JONAS
Me.

MARA
Come.

The kettle sings.

Jonas pours the tea.

JONAS
Tea?
"""
# Shot 0 shows Mara, 1 Mara and Jonas, 2 nobody, 3 Jonas.


def studio_request(tiny_models, **fields):
    """A studio-tier request for SCRIPT with the tiny models, and `fields`."""
    return make_request(
        SHORT_FILMS,
        script=SCRIPT,
        duration=DURATION,
        tier="studio",
        models_dir=tiny_models,
        **fields,
    )


def mara() -> Image.Image:
    """Mara's reference picture: a face in a red scarf."""
    image = Image.new("RGB", (128, 128), (40, 60, 90))
    draw = ImageDraw.Draw(image)
    draw.ellipse((34, 16, 94, 86), fill=(230, 190, 160))
    draw.rectangle((30, 86, 98, 112), fill=(200, 30, 40))
    return image


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=float)


@pytest.fixture(scope="module")
def mara_png(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("refs") / "mara.png"
    mara().save(path)
    return path


@pytest.fixture(scope="module")
def received(tiny_models):
    """Every SDXL pipeline call's prompts and IP-Adapter picture, as the pipeline got them."""
    from diffusers import StableDiffusionXLPipeline

    calls: list[dict] = []
    original = StableDiffusionXLPipeline.__call__

    def spy(self, *args, **kwargs):
        calls.append(kwargs)
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(StableDiffusionXLPipeline, "__call__", spy)
        yield calls


@pytest.fixture(scope="module")
def film(studio_ray, tiny_models, mara_png, received, tmp_path_factory):
    out = tmp_path_factory.mktemp("refs-film") / "tea.mp4"
    request = studio_request(
        tiny_models,
        seed=5,
        motion="kenburns",
        narrate_action=False,
        references={"mara": str(mara_png)},
    )
    calls_before = len(received)
    work = tmp_path_factory.mktemp("refs-work")
    engines = StudioEngines.local(tiny_models)
    engines.faces = []  # every face the lip-sync model is given (it animates each as it did)
    lipsync = engines.lipsync

    def given_faces(face, *args):
        engines.faces.append(face)
        return lipsync(face, *args)

    engines.lipsync = given_faces
    result = render_film(request, out, work_dir=work, engines=engines)
    # The render keeps its references with its stage outputs: a retry takes the same looks.
    (kept,) = Path(work).rglob("references.pkl")
    refs = pickle.loads(kept.read_bytes())
    return result, refs, received[calls_before:], engines.faces


def drawn(calls) -> dict[str, Image.Image | None]:
    """Each prompt drawn → the IP-Adapter picture it was drawn with (None: without)."""
    out = {}
    for call in calls:
        for prompt in call["prompt"]:
            out[prompt] = call.get("ip_adapter_image")
    return out


def test_each_shot_with_a_character_is_drawn_with_their_reference(film):
    result, refs, calls, _ = film
    by_prompt = drawn(calls)
    prompts = references.prompts(result.plan)
    assert set(by_prompt) == set(prompts)  # every shot's still, each drawn once
    assert "Mara in the frame" in prompts[0]
    assert "Mara on the left, Jonas on the right" in prompts[1]
    assert "Jonas" in prompts[3] and "Mara" not in prompts[3]
    # The user's picture of Mara, as given, for her own shot.
    assert np.array_equal(pixels(by_prompt[prompts[0]]), pixels(mara()))
    # Jonas's first still was drawn with Mara's look (she is in it) and became his reference.
    assert np.array_equal(pixels(by_prompt[prompts[1]]), pixels(mara()))
    assert refs.generated == ["JONAS"]
    assert np.array_equal(pixels(by_prompt[prompts[3]]), pixels(refs.pictures["JONAS"]))
    # Nobody is seen in the kettle's shot: no reference.
    assert by_prompt[prompts[2]] is None


def test_the_first_still_of_a_character_is_their_reference_and_is_seeded(tiny_models):
    engines = StudioEngines.local(tiny_models)
    request = studio_request(tiny_models, seed=5)
    first = references.make(request, analyze(SCRIPT), engines, [True] * 4)
    # Without the user's picture, Mara's is her first still (shot 0), Jonas's his (shot 1).
    assert first.generated == ["MARA", "JONAS"] and set(first.stills) == {0, 1}
    assert np.array_equal(
        pixels(first.pictures["MARA"]), pixels(references._small(first.stills[0]))
    )
    again = references.make(request, analyze(SCRIPT), engines, [True] * 4)
    assert np.array_equal(pixels(again.pictures["JONAS"]), pixels(first.pictures["JONAS"]))


def test_a_reference_changes_the_still_it_conditions(tiny_models):
    engines = StudioEngines.local(tiny_models)
    plain = engines.pictures(["Mara at the window"], (64, 64), [3])
    looked = engines.pictures(["Mara at the window"], (64, 64), [3], references=[mara()])
    assert np.abs(pixels(plain[0]) - pixels(looked[0])).mean() > 1.0


def test_the_film_meets_the_upload_standard(film):
    """The checks of ../shared/tools/film_qc.py, as the other studio film tests make them (in
    Python: this machine's PyAV and pyloudnorm, no ffprobe needed)."""
    result, *_ = film
    assert_upload_standard(probe(result.video), DURATION)
    lufs, true_peak = loudness(result.video)
    assert abs(lufs + 14) <= 1 and true_peak <= -1.0


def test_a_reference_for_someone_not_in_the_script_is_refused(tiny_models, mara_png):
    request = studio_request(tiny_models, references={"IRIS": str(mara_png)})
    with pytest.raises(InputError, match="IRIS is not a character of the script") as error:
        references.make(request, analyze(SCRIPT), StudioEngines.local(tiny_models), [True] * 4)
    assert error.value.field == "references[IRIS]"


def test_an_animatediff_clip_takes_the_reference_of_its_shot(tiny_models, monkeypatch):
    from diffusers import AnimateDiffPipeline

    calls = []
    original = AnimateDiffPipeline.__call__

    def spy(self, *args, **kwargs):
        calls.append(kwargs)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AnimateDiffPipeline, "__call__", spy)
    engines = StudioEngines.local(tiny_models)
    assert engines.takes_references("animatediff")
    clip = engines.clip(
        None, 4, (64, 64), 2, prompt="Mara pours tea", motion="animatediff", reference=mara()
    )
    assert len(clip) == 4 and clip[0].shape == (64, 64, 3)
    assert np.array_equal(pixels(calls[-1]["ip_adapter_image"]), pixels(mara()))


def test_who_stands_where_and_their_references_side_by_side():
    plan = analyze(SCRIPT)
    assert references.seen(plan) == [
        [("MARA", 0)],
        [("MARA", 0), ("JONAS", 1)],  # Mara left, Jonas right: as the characters stage places them
        [],
        [("JONAS", 1)],
    ]
    jonas = Image.new("RGB", (64, 128), (10, 120, 40))
    refs = references.References(pictures={"MARA": mara(), "JONAS": jonas})
    both = refs.for_shot(references.seen(plan)[1])
    assert both.size == (128 + 64, 128)
    assert np.array_equal(pixels(both.crop((0, 0, 128, 128))), pixels(mara()))  # left: Mara
    assert np.array_equal(pixels(both.crop((128, 0, 192, 128))), pixels(jonas))
    assert refs.for_shot([]) is None


def test_the_drawn_reference_is_written_beside_the_film_and_taken_back(
    film, tiny_models, mara_png, received, tmp_path
):
    result, refs, *_ = film
    # Only Jonas's was drawn (Mara's is the user's): a PNG beside the film, his picture.
    assert set(result.references) == {"JONAS"}
    kept = result.references["JONAS"]
    assert kept == result.video.with_name("tea.reference-JONAS.png") and kept.is_file()
    assert np.array_equal(pixels(Image.open(kept)), pixels(refs.pictures["JONAS"]))
    # Given back with another seed, the SDXL draws his shot with that same picture.
    request = studio_request(
        tiny_models,
        seed=9,
        narrate_action=False,
        references={"mara": str(mara_png), "jonas": str(kept)},
    )
    before = len(received)
    storyboard(request, tmp_path / "board", engines=StudioEngines.local(tiny_models), shots=[3])
    (his,) = [p for p, picture in drawn(received[before:]).items() if "Jonas in the frame" in p]
    assert np.array_equal(pixels(drawn(received[before:])[his]), pixels(Image.open(kept)))


def test_a_speaker_with_no_look_is_lip_synced_from_their_reference(film):
    """With a lip-sync model, Mara (no look chosen) is her reference picture, animated by it:
    the model gets the face on her picture, and her frames show her picture, not the drawn
    character."""
    result, refs, _, faces = film
    height = character_height(*SIZE)
    look = portrait_look(mara(), "mara", height, None, int(WIDTH * SIZE[0]), guess=True)
    _, mara_face = face_of(look)
    assert any(np.array_equal(pixels(face), pixels(mara_face)) for face in faces)
    jonas = portrait_look(
        refs.pictures["JONAS"], "j", height, None, int(WIDTH * SIZE[0]), guess=True
    )
    assert any(np.array_equal(pixels(face), pixels(face_of(jonas)[1])) for face in faces)
    import av
    import pysubs2

    cue = pysubs2.load(str(result.srt))[0]  # Mara: "Hello?"
    assert cue.text == "Hello?"
    with av.open(str(result.video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    frame = frames[round((cue.start + cue.end) / 2000 * 24)].astype(int)
    scarf = float((np.abs(frame - (200, 30, 40)).max(axis=2) < 24).mean())
    assert scarf > 0.01  # her picture's red scarf stands in the frame (the drawn Mara has none)


def test_without_a_lipsync_model_the_speaker_stays_drawn(tiny_models):
    from tests.pipelines.characters.staged import cast_of

    request = make_request(SHORT_FILMS, script="INT. PIER - DAY\n\nMARA\nHello?\n", duration=4)
    drawn = cast_of(request)
    no_lipsync = StudioEngines(models_dir=tiny_models, ready={"sdxl"})
    kept = cast_of(request, engines=no_lipsync, references={"MARA": mara()})
    assert kept.sprites[0].width == drawn.sprites[0].width  # the drawn character's size
    synced = cast_of(request, engines=StudioEngines.local(tiny_models), references={"MARA": mara()})
    assert synced.sprites[0].width != drawn.sprites[0].width  # her square picture instead


def test_a_storyboard_writes_the_references_it_drew_and_a_redraw_none(
    tiny_models, mara_png, tmp_path
):
    request = studio_request(
        tiny_models, seed=5, narrate_action=False, references={"mara": str(mara_png)}
    )
    engines = StudioEngines.local(tiny_models)
    board = storyboard(request, tmp_path / "board", engines=engines)
    # Jonas's was drawn (Mara's is the user's): a PNG beside the stills.
    assert board.references == {"JONAS": tmp_path / "board" / "reference-JONAS.png"}
    assert Image.open(board.references["JONAS"]).format == "PNG"
    # A redraw of his shot draws his reference again to condition it, and keeps none.
    redraw = storyboard(request, tmp_path / "redraw", engines=engines, shots=[3])
    assert redraw.references == {}
    assert [p.name for p in (tmp_path / "redraw").iterdir()] == ["shot-004.jpg"]
