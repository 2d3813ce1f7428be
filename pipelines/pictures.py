"""The user's pictures: opened safely, fitted to a frame, prepared for the camera.

* `load_image` opens a user's image safely: size limits before any decoding, full decode, EXIF
  orientation, embedded colour profiles converted to sRGB, alpha flattened on black.
* `cover_fit` scales a picture to cover a frame and crops the middle.
* `prepare_picture` gives the Ken Burns stage (`pipelines.motion`) a picture with room to move.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageCms, ImageOps

from pipelines.errors import InputError

MAX_PIXELS = 50_000_000
MAX_BYTES = 50 * 2**20
OVERSCAN = 1.15  # the prepared picture is this much larger than the frame: room for the camera

# Pillow's own decompression-bomb guard, at our limit: it refuses oversized headers before any
# pixel is decoded (and `load_image` turns its warning into a refusal too).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


# --- the user's images -----------------------------------------------------------------------


def load_image(
    path: Path, field: str = "images", fit: tuple[int, int] | None = None
) -> Image.Image:
    """Open and fully decode a user's image as an upright RGB picture, or refuse it.

    `fit` (width, height): the picture only has to cover that size, so a JPEG much larger is
    decoded at 1/2, 1/4 or 1/8 of its size (its DCT scaling), still covering it: a third of
    the time for a large photo.

    Refuses, with an `InputError` naming `field`: a missing or unreadable file, one over
    MAX_BYTES, anything Pillow cannot decode (not an image, truncated, corrupt), and images
    over MAX_PIXELS (checked from the header, before decoding: a decompression bomb never
    allocates its pixels).
    """
    path = Path(path)
    name = path.name or str(path)
    too_big = f"the limit is {MAX_BYTES / 2**20:g} MB"
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(field, f"{name}: is {size / 2**20:.1f} MB; {too_big}")
        with open(path, "rb") as fp:
            data = fp.read(MAX_BYTES + 1)  # a file that grows meanwhile is still cut off
    except FileNotFoundError:
        raise InputError(field, f"{name}: file not found") from None
    except IsADirectoryError:
        raise InputError(field, f"{name}: is a directory, not an image") from None
    except OSError as exc:
        raise InputError(field, f"{name}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise InputError(field, f"{name}: is over {MAX_BYTES / 2**20:g} MB; {too_big}")
    if not data:
        raise InputError(field, f"{name}: does not decode as an image (the file is empty)")

    try:
        # Pillow refuses headers over twice its limit outright and warns over the limit; the
        # warnings are caught here (with those about odd files, which are not ours to print)
        # so that we refuse with the picture's size in hand.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with Image.open(io.BytesIO(data), formats=_formats()) as img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise InputError(field, _too_many_pixels(name, width * height, img.size))
                if fit is not None:
                    _draft(img, fit)
                img.load()
                if any(issubclass(w.category, Image.DecompressionBombWarning) for w in caught):
                    raise InputError(field, _too_many_pixels(name, None))  # e.g. a GIF frame
                return _to_rgb(_upright(img))
    except InputError:
        raise
    except Image.DecompressionBombError as exc:
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        raise InputError(
            field, _too_many_pixels(name, int(pixels[1]) if pixels else None)
        ) from None
    except Exception as exc:  # noqa: BLE001 - any failure to decode user bytes is bad input
        raise InputError(field, f"{name}: does not decode as an image ({_reason(exc)})") from None


@lru_cache(maxsize=1)
def _formats() -> tuple[str, ...]:
    """Every format Pillow reads but EPS, which it decodes by running Ghostscript: not a
    program to hand a stranger's file to."""
    Image.init()
    return tuple(f for f in Image.OPEN if f != "EPS")


def _too_many_pixels(name: str, pixels: int | None, size: tuple[int, int] | None = None) -> str:
    limit = f"the limit is {MAX_PIXELS // 1_000_000} MP"
    if pixels is None:
        return f"{name}: has too many pixels; {limit}"
    dims = f"{size[0]}x{size[1]} = " if size else ""
    return f"{name}: is {dims}{pixels / 1e6:.0f} MP; {limit}"


def _reason(exc: Exception) -> str:
    """A short, path-free reason for a decode failure."""
    if isinstance(exc, Image.UnidentifiedImageError):
        return "not a format Pillow reads"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _draft(img: Image.Image, fit: tuple[int, int]) -> None:
    """Let a JPEG decode at the smallest of its reduced scales that still covers `fit` once
    upright (Pillow's `draft`; other formats decode whole)."""
    if img.format != "JPEG":
        return
    width, height = fit
    if img.getexif().get(ExifTags.Base.Orientation) in (
        5,
        6,
        7,
        8,
    ):  # stored sideways: fit it sideways
        width, height = height, width
    scale = max(width / img.width, height / img.height)
    if scale < 1:
        img.draft(img.mode, (math.ceil(img.width * scale), math.ceil(img.height * scale)))


def _upright(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation (phones store portraits sideways with a rotate tag)."""
    try:
        return ImageOps.exif_transpose(img)
    except Exception:  # noqa: BLE001 - a broken EXIF block should not lose the picture
        return img


@lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_rgb(img: Image.Image) -> Image.Image:
    """8-bit sRGB: deep greys scaled down, alpha flattened on black, colour profiles applied."""
    if img.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):  # 16-bit or float greys
        grey = np.asarray(img, dtype=np.float32)
        top = 65535.0 if img.mode.startswith("I;16") else max(float(grey.max()), 1.0)
        img = Image.fromarray((np.clip(grey / top, 0, 1) * 255 + 0.5).astype(np.uint8))
    icc = img.info.get("icc_profile")
    if img.has_transparency_data:
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, (0, 0, 0, 255)), rgba).convert(
            "RGB"
        )
    if icc and img.mode in ("RGB", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(img, source, _srgb(), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: use the numbers as they are
    return img.convert("RGB")


# --- fitting pictures to frames --------------------------------------------------------------


def cover_fit(img: Image.Image, width: int, height: int) -> Image.Image:
    """Scale `img` to cover width x height and crop the middle: exactly that size comes out.

    The crop box is fractional, so the picture stays centred to the sub-pixel. Lanczos when
    shrinking (sharp, no aliasing; huge photos are first reduced by whole factors), bicubic when
    enlarging (Lanczos rings around edges of tiny pictures).
    """
    if width < 1 or height < 1:
        raise ValueError(f"cannot fit a picture to {width}x{height}")
    if img.mode not in ("RGB", "RGBA", "L"):
        img = img.convert("RGB")
    iw, ih = img.size
    scale = max(width / iw, height / ih)
    cw, ch = min(width / scale, iw), min(height / scale, ih)
    left, top = max((iw - cw) / 2, 0.0), max((ih - ch) / 2, 0.0)  # never -1e-13 from rounding
    box = (left, top, left + cw, top + ch)
    if scale < 1:
        return img.resize((width, height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    return img.resize((width, height), Image.Resampling.BICUBIC, box=box)


def overscan_size(size: tuple[int, int], overscan: float = OVERSCAN) -> tuple[int, int]:
    """The prepared picture's size for a frame `size`: `overscan` times larger each way."""
    if overscan < 1:
        raise ValueError(f"overscan {overscan} must be at least 1")
    return round(size[0] * overscan), round(size[1] * overscan)


def prepare_picture(
    img: Image.Image, size: tuple[int, int], overscan: float = OVERSCAN
) -> np.ndarray:
    """A shot's picture ready for Ken Burns: cover-fit to `overscan` times the frame size, so
    the camera has room to pan and zoom. Returns a contiguous HxWx3 uint8 array."""
    width, height = overscan_size(size, overscan)
    return np.ascontiguousarray(np.array(cover_fit(img, width, height).convert("RGB")))
