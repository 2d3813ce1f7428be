"""Subtitles: cues a viewer can read, files players load, text burned into frames."""

from pathlib import Path

import numpy as np
import pysubs2
import pytest
import srt

from pipelines import fonts
from pipelines.errors import InputError
from pipelines.fonts import PILLOW_FONT, find_font, load_font
from pipelines.subtitles import Cue, SubtitleBurner, make_cues, write_srt, write_vtt

LONG = (
    "The sun sinks behind a white lighthouse on the rocks. Gulls wheel over the dark water, "
    "crying into the wind; far out, a small fishing boat drifts on black waves, its engine dead "
    "and its radio silent. Nobody on the shore knows that it is there, and the night is long."
)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture
def no_installed_fonts(monkeypatch):
    """A machine with no font files at all: only Pillow's built-in ASCII font is left."""
    monkeypatch.setattr(fonts, "FONT_DIRS", [])
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)


def assert_readable(cues):
    for cue in cues:
        lines = cue.text.split("\n")
        assert 1 <= len(lines) <= 2
        assert all(0 < len(line) <= 42 for line in lines), cue.text
        assert 0 < cue.end - cue.start <= 7.0 + 1e-9


def test_a_short_line_is_one_cue_with_its_own_times():
    assert make_cues([(1.5, 3.0, "  Hello   there. ")]) == [Cue(1.5, 3.0, "Hello there.")]


def test_long_line_is_split_within_limits():
    cues = make_cues([(2.0, 22.0, LONG)])
    assert len(cues) >= 4
    assert_readable(cues)
    assert cues[0].start == 2.0 and cues[-1].end == pytest.approx(22.0)
    assert " ".join(c.text.replace("\n", " ") for c in cues) == LONG  # nothing lost or reordered


def test_long_line_breaks_at_sentences_and_between_words():
    cues = make_cues([(0.0, 20.0, LONG)])
    words = set(LONG.split())
    assert all(word in words for cue in cues for word in cue.text.split())
    assert any(cue.text.endswith("rocks.") for cue in cues)


def test_two_line_cues_are_balanced():
    text = "Forty years I have kept this light burning for every ship at sea."
    (cue,) = make_cues([(0.0, 4.0, text)])
    top, bottom = cue.text.split("\n")
    assert abs(len(top) - len(bottom)) <= 8


def test_cue_times_follow_the_characters_of_the_line():
    first, second = make_cues([(10.0, 20.0, "A" * 30 + ". " + "B" * 68 + ".")])
    assert first.start == 10.0
    assert first.end == pytest.approx(10.0 + 10.0 * 31 / 101)  # "A…A." is 31 of 101 characters
    assert second.start == first.end and second.end == pytest.approx(20.0)


def test_slow_line_is_shown_at_most_seven_seconds():
    (cue,) = make_cues([(0.0, 12.0, "Yes, I know.")])
    assert cue == Cue(0.0, 7.0, "Yes, I know.")


def test_cues_never_overlap():
    cues = make_cues([(0.0, 5.0, LONG[:80]), (4.0, 9.0, "Overlapping line."), (9.0, 10.0, "Next.")])
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))
    assert [c.start for c in cues][-2:] == [4.0, 9.0]


def test_text_without_spaces_is_split_on_characters():
    text = "今日は天気がいいですね。海の向こうに小さな船が見えます、灯台の光がそれを照らしています。私たちは待ちます。"
    cues = make_cues([(0.0, 9.0, text)])
    assert len(cues) >= 2
    assert "".join(c.text.replace("\n", "") for c in cues) == text
    assert_readable(cues)
    assert all(len(line) <= 21 for c in cues for line in c.text.split("\n"))  # wide: 2 cells each


def test_empty_lines_make_no_cues():
    assert make_cues([(0.0, 1.0, "   ")]) == []


@pytest.mark.parametrize("write", [write_srt, write_vtt])
def test_subtitle_files_parse_back_with_the_same_times(tmp_path, write):
    cues = make_cues([(0.25, 9.0, LONG[:150]), (9.5, 11.0, "Ünïcode — «ok»")])
    path = tmp_path / f"film.{write.__name__[-3:]}"
    write(cues, path)
    loaded = pysubs2.load(str(path), encoding="utf-8")
    assert [e.plaintext for e in loaded] == [c.text for c in cues]
    for event, cue in zip(loaded, cues):
        assert abs(event.start / 1000 - cue.start) <= 0.001
        assert abs(event.end / 1000 - cue.end) <= 0.001
    if write is write_srt:
        parsed = list(srt.parse(path.read_text(encoding="utf-8")))
        assert [p.content for p in parsed] == [c.text for c in cues]
        assert abs(parsed[0].start.total_seconds() - 0.25) <= 0.001
    else:
        assert path.read_text(encoding="utf-8").startswith("WEBVTT")


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1080, 1920), (1080, 1080)])
def test_burner_draws_in_the_bottom_area_only(width, height):
    frame = np.full((height, width, 3), 60, np.uint8)
    burner = SubtitleBurner(width, height, LONG)
    text = "Gulls wheel over the dark water,\ncrying into the wind"
    burner.burn(frame, text)
    changed = np.argwhere((frame != 60).any(axis=2))
    assert len(changed)
    assert changed[:, 0].min() > height // 2  # top half untouched
    assert changed[:, 0].max() < height - 0.05 * height  # above the bottom margin
    if height >= width:  # portrait and square: clear of the lower third, where people stand
        assert changed[:, 0].max() < height * 2 / 3
    left, right = changed[:, 1].min(), changed[:, 1].max()
    assert left > 0 and right < width - 1
    assert abs((left + right) / 2 - width / 2) < width * 0.05  # centred
    assert (frame == 255).all(axis=2).any() and (frame < 30).all(axis=2).any()  # white, outlined


def test_burning_again_gives_the_same_frame_and_empty_text_nothing():
    burner = SubtitleBurner(640, 360, "Hello")
    first, second = np.zeros((2, 360, 640, 3), np.uint8)
    burner.burn(first, "Hello")
    burner.burn(second, "Hello")
    assert np.array_equal(first, second)
    burner.burn(second, "  ")
    assert np.array_equal(first, second)


@pytest.mark.parametrize("size", [(1080, 1920), (1080, 1080)])
def test_portrait_and_square_subtitles_are_sized_to_the_width(size):
    """Read on a phone: ~30 letters a line (not 42), a long cue re-wrapped inside the width."""
    width, height = size
    burner = SubtitleBurner(width, height, LONG)
    assert burner.font.getlength("n" * 34) > 0.9 * width
    frame = np.zeros((height, width, 3), np.uint8)
    burner.burn(
        frame, "Forty years I have kept this light. Tonight\nthe harbour board switches it off."
    )
    cols = np.nonzero(frame.any(axis=(0, 2)))[0]
    assert cols.min() >= width * 0.04 and cols.max() <= width * 0.96


def test_font_grows_with_the_frame():
    assert SubtitleBurner(1920, 1080, "a").font.size > SubtitleBurner(1280, 720, "a").font.size


def test_latin_text_always_finds_a_font(no_installed_fonts):
    assert find_font("Hello, world!") == PILLOW_FONT
    assert load_font("Hello", 30).getlength("Hello") > 0


def test_font_from_environment_comes_first(monkeypatch):
    if not DEJAVU.exists():
        pytest.skip("DejaVu Sans is not installed here")
    monkeypatch.setattr(fonts, "FONT_DIRS", [])
    monkeypatch.setenv(fonts.FONT_ENV, str(DEJAVU))
    assert find_font("Grüße — ok") == str(DEJAVU)
    monkeypatch.setenv(fonts.FONT_ENV, "/nowhere/missing.ttf")
    assert find_font("plain") == PILLOW_FONT


def test_missing_font_names_the_field_and_the_writing_system(no_installed_fonts):
    with pytest.raises(InputError) as error:
        SubtitleBurner(1280, 720, "दीपक जलता है। Lamp.")
    assert error.value.field == "burn_subtitles"
    assert "Devanagari" in error.value.message
    assert "fonts-noto-core" in error.value.message and "FILMSTUDIO_FONT" in error.value.message


def test_missing_font_error_can_name_another_field(no_installed_fonts):
    with pytest.raises(InputError) as error:
        load_font("灯台", 40, field="thumbnail")
    assert error.value.field == "thumbnail" and "CJK" in error.value.message
