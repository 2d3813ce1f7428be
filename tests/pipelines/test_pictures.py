"""Pictures: user images are loaded safely and upright, and fit frames."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines import pictures
from pipelines.errors import InputError
from pipelines.pictures import cover_fit, load_image, prepare_picture

RED, BLUE, WHITE = (220, 30, 30), (20, 40, 220), (255, 255, 255)


def halves(size=(64, 48)) -> Image.Image:
    """Red left half, blue right half: easy to check after any transform."""
    img = Image.new("RGB", size, BLUE)
    img.paste(RED, (0, 0, size[0] // 2, size[1]))
    return img


def close(pixel, color, tol=40) -> bool:
    return all(abs(int(a) - b) <= tol for a, b in zip(pixel, color))


# --- load_image ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_loads_common_formats_as_rgb(tmp_path, fmt, suffix):
    path = tmp_path / f"picture{suffix}"
    halves().save(path, fmt)
    img = load_image(path)
    assert img.mode == "RGB" and img.size == (64, 48)
    assert close(img.getpixel((8, 24)), RED) and close(img.getpixel((56, 24)), BLUE)


def test_transparency_is_flattened_on_black(tmp_path):
    img = Image.new("RGBA", (20, 10), (255, 255, 255, 0))
    img.paste((255, 255, 255, 255), (10, 0, 20, 10))
    img.save(tmp_path / "alpha.png")
    out = load_image(tmp_path / "alpha.png")
    assert out.mode == "RGB"
    assert out.getpixel((2, 5)) == (0, 0, 0) and out.getpixel((15, 5)) == (255, 255, 255)


def test_sixteen_bit_grey_keeps_its_tones(tmp_path):
    grey = np.array([[0, 32768, 65535]], dtype=np.uint16).repeat(4, axis=0)
    Image.fromarray(grey).save(tmp_path / "deep.png")
    out = np.asarray(load_image(tmp_path / "deep.png"))
    assert list(out[0, :, 0]) == [0, 128, 255]


def test_exif_rotated_jpeg_comes_out_upright(tmp_path):
    upright = Image.new("RGB", (40, 60), BLUE)  # portrait, red on top
    upright.paste(RED, (0, 0, 40, 30))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # how a phone stores it: sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    stored.save(tmp_path / "phone.jpg", exif=exif.tobytes(), quality=95)
    img = load_image(tmp_path / "phone.jpg")
    assert img.size == (40, 60)
    assert close(img.getpixel((20, 5)), RED) and close(img.getpixel((20, 55)), BLUE)


def test_large_jpeg_decodes_smaller_but_still_covers_the_fit(tmp_path):
    y, x = np.mgrid[0:1200, 0:1600]
    photo = np.stack([x % 256, y % 256, (x + y) % 256], axis=-1).astype(np.uint8)
    Image.fromarray(photo).save(tmp_path / "big.jpg", quality=95)
    whole = load_image(tmp_path / "big.jpg")
    quick = load_image(tmp_path / "big.jpg", fit=(500, 300))
    assert whole.size == (1600, 1200)
    assert quick.size == (800, 600)  # half scale: 1/4 would no longer cover 500x300
    a = np.asarray(cover_fit(whole, 500, 300), np.float32)
    b = np.asarray(cover_fit(quick, 500, 300), np.float32)
    assert np.abs(a - b).mean() < 4  # the same picture once fitted


def test_sideways_jpeg_with_a_fit_still_covers_it_upright(tmp_path):
    upright = Image.new("RGB", (600, 900), BLUE)  # portrait, red on top
    upright.paste(RED, (0, 0, 600, 450))
    exif = Image.Exif()
    exif[0x0112] = 6
    upright.transpose(Image.Transpose.ROTATE_90).save(
        tmp_path / "phone.jpg", exif=exif.tobytes(), quality=95
    )
    img = load_image(tmp_path / "phone.jpg", fit=(280, 420))
    assert img.size == (300, 450)  # upright, half scale, covering 280x420
    assert close(img.getpixel((150, 20)), RED) and close(img.getpixel((150, 430)), BLUE)


def _truncated_jpeg(path: Path) -> None:
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)).save(path, "JPEG")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize(
    "name, write",
    [
        ("cut.jpg", _truncated_jpeg),
        ("noise.png", lambda p: p.write_bytes(os.urandom(4096))),
        ("notes.jpg", lambda p: p.write_text("this is not a picture\n" * 20)),
        ("empty.png", lambda p: p.write_bytes(b"")),
    ],
)
def test_refuses_what_does_not_decode(tmp_path, name, write):
    path = tmp_path / name
    write(path)
    with pytest.raises(InputError) as err:
        load_image(path, "images[3]")
    assert err.value.field == "images[3]"
    assert name in err.value.message and "does not decode as an image" in err.value.message


def test_refuses_a_missing_file(tmp_path):
    with pytest.raises(InputError) as err:
        load_image(tmp_path / "nowhere.png", "images[0]")
    assert err.value.field == "images[0]" and "not found" in err.value.message


def test_refuses_a_file_over_the_byte_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(pictures, "MAX_BYTES", 1000)
    noise = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "big.png")
    with pytest.raises(InputError) as err:
        load_image(tmp_path / "big.png")
    assert err.value.field == "images" and "limit" in err.value.message


@pytest.mark.parametrize(
    "size, shown", [((30000, 30000), "900 MP"), ((8000, 7000), "8000x7000 = 56 MP")]
)
def test_refuses_decompression_bombs_before_decoding(tmp_path, size, shown):
    path = tmp_path / "bomb.png"
    Image.new("1", size).save(path)  # a 1-bit blank page: tiny on disk, huge in memory
    assert path.stat().st_size < 2_000_000
    with pytest.raises(InputError) as err:
        load_image(path, "images[1]")
    assert err.value.field == "images[1]"
    assert shown in err.value.message and "the limit is 50 MP" in err.value.message


# --- cover_fit and prepare_picture -----------------------------------------------------------


def marked(size) -> Image.Image:
    """White with a blue square exactly at the centre (sizes are even: so is the square)."""
    img = Image.new("RGB", size, WHITE)
    side = 2 * max(1, min(size) // 20)
    x, y = (size[0] - side) // 2, (size[1] - side) // 2
    img.paste(BLUE, (x, y, x + side, y + side))
    return img


@pytest.mark.parametrize("source", [(300, 900), (900, 300), (500, 500), (4000, 2250), (40, 30)])
@pytest.mark.parametrize("target", [(1280, 720), (1080, 1920), (1080, 1080)])
def test_cover_fit_gives_the_exact_size_with_the_middle_kept(source, target):
    out = cover_fit(marked(source), *target)
    assert out.size == target
    blue = np.argwhere(np.asarray(out)[..., 2].astype(int) - np.asarray(out)[..., 0] > 100)
    assert len(blue), "the centre of the picture was cropped away"
    centre_y, centre_x = (blue.min(axis=0) + blue.max(axis=0)) / 2
    assert abs(centre_x - (target[0] - 1) / 2) <= 3 and abs(centre_y - (target[1] - 1) / 2) <= 3


def test_cover_fit_handles_a_one_pixel_picture():
    assert cover_fit(Image.new("RGB", (1, 1), RED), 64, 36).getpixel((63, 35)) == RED


def test_prepare_picture_leaves_room_for_the_camera():
    picture = prepare_picture(halves((640, 480)), (1280, 720))
    assert picture.shape == (828, 1472, 3) and picture.dtype == np.uint8
    assert picture.flags.c_contiguous
