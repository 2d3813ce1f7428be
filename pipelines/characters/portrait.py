"""A portrait: one photo of a character (the user's, or a still of them) as a minimal sheet.

In the studio tier with a lip-sync model, a character with no look chosen has their reference
picture (`pipelines.references`: given, or their first SDXL still) as their portrait
(`portrait_look(..., guess=True)`).

The photo is shown as it is, in a medium shot; in the draft tier the drawn mouth shapes
(`looks`, in the skin colour found around the mouth) are placed at the mouth point, feathered
into the photo; in the studio tier the face (`Look.extra["face"]`) goes to the lip-sync model
instead (`characters.talking_faces`). The mouth point is the user's (x, y on the photo) or
found with OpenCV's bundled face detector, as for sheets; the mouth's size follows the face's
(detected, or a share of the photo's shorter side when only the point is given).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from pipelines.characters.looks import SUPERSAMPLE, Look, Palette, _mouth
from pipelines.characters.mouths import SHAPES
from pipelines.characters.sheet import MOUTH_IN_FACE, compose, detect_face, mouth_in
from pipelines.errors import InputError
from pipelines.pictures import load_image

PORTRAIT_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MOUTH_WIDTH = 0.42  # the drawn mouth's width / the face's
MOUTH_HEIGHT = 0.26  # its height / the face's width
FACE_OF_PHOTO = 0.4  # a face's width / the photo's shorter side, when none is detected
GUESSED_FACE_TOP = 0.15  # a still's face top / its height, when none is detected (a medium shot)


def is_portrait(path: Path) -> bool:
    """A picture (a portrait) rather than a zip (a character sheet), by its file type."""
    return Path(path).suffix.lower() in PORTRAIT_SUFFIXES


def load_portrait(
    path: Path,
    field: str,
    height: int,
    mouth: tuple[int, int] | None = None,
    max_width: int | None = None,
) -> Look:
    """The character of photo `path`, `height` pixels tall (less where wider than
    `max_width`), with drawn mouths at its mouth point; InputError naming `field`."""
    return portrait_look(load_image(path, field), field, height, mouth, max_width)


def portrait_look(
    photo: Image.Image,
    field: str,
    height: int,
    mouth: tuple[int, int] | None = None,
    max_width: int | None = None,
    *,
    guess: bool = False,
) -> Look:
    """`load_portrait` of a decoded picture. With `guess` (a studio still of the character,
    whose face a detector may miss), a picture without a face found and no mouth point given
    takes the face `FACE_OF_PHOTO` wide, centred, its top `GUESSED_FACE_TOP` down, instead of
    being refused."""
    face = detect_face(photo)
    if mouth is None and face is None and guess:
        side = int(FACE_OF_PHOTO * min(photo.size))
        face = ((photo.width - side) // 2, int(GUESSED_FACE_TOP * photo.height), side, side)
    if mouth is None:
        if face is None:
            raise InputError(
                field,
                "no face found on the portrait; give the mouth point (NAME=photo.jpg@X,Y)",
            )
        mouth = mouth_in(face)
    elif not (0 <= mouth[0] < photo.width and 0 <= mouth[1] < photo.height):
        raise InputError(
            field,
            f"mouth point {mouth[0]},{mouth[1]} is outside the {photo.width}x{photo.height} "
            "picture",
        )
    if face is None or not _inside(mouth, face):  # the face around the given point
        side = int(FACE_OF_PHOTO * min(photo.size))
        face = (mouth[0] - side // 2, int(mouth[1] - MOUTH_IN_FACE * side), side, side)
    face = _clamped(face, photo.size)
    mw = max(4, int(MOUTH_WIDTH * face[2]))
    mh = max(4, int(MOUTH_HEIGHT * face[2]))
    skin = _skin(photo, mouth, mw, mh)
    pictures = {"character": photo.convert("RGBA")}
    pictures |= {shape: _feathered(_drawn_mouth(shape, skin, mw, mh)) for shape in SHAPES}
    return compose(pictures, field, height, mouth, max_width, face=face)


def _inside(point: tuple[int, int], box: tuple[int, int, int, int]) -> bool:
    x, y, w, h = box
    return x <= point[0] < x + w and y <= point[1] < y + h


def _clamped(box, size) -> tuple[int, int, int, int]:
    x, y, w, h = box
    side = min(w, h, *size)
    return min(max(x, 0), size[0] - side), min(max(y, 0), size[1] - side), side, side


def _skin(photo: Image.Image, mouth: tuple[int, int], mw: int, mh: int) -> tuple[int, int, int]:
    """The median colour of the photo around the mouth: the drawn mouths' skin."""
    x, y = mouth
    box = (max(x - mw, 0), max(y - mh, 0), min(x + mw, photo.width), min(y + mh, photo.height))
    pixels = np.asarray(photo.crop(box).convert("RGB")).reshape(-1, 3)
    return tuple(int(c) for c in np.median(pixels, axis=0))


def _drawn_mouth(shape: str, skin: tuple[int, int, int], w: int, h: int) -> Image.Image:
    palette = Palette(skin, (0, 0, 0), (0, 0, 0), 0.0, "bald", 0.2, 0.0)
    big = _mouth(shape, palette, w * SUPERSAMPLE, h * SUPERSAMPLE)
    return big.resize((w, h), Image.Resampling.LANCZOS)


def _feathered(mouth: Image.Image) -> Image.Image:
    """The mouth patch with an elliptical, soft-edged alpha: it blends into the photo."""
    w, h = mouth.size
    alpha = Image.new("L", (w, h), 0)
    inset = max(1, min(w, h) // 8)
    ImageDraw.Draw(alpha).ellipse([inset, inset, w - 1 - inset, h - 1 - inset], fill=255)
    alpha = alpha.filter(ImageFilter.GaussianBlur(inset / 2))
    out = mouth.convert("RGBA")
    out.putalpha(alpha)
    return out
