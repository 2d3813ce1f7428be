"""A character sheet the user uploads: a zip of the character's picture and its mouths.

    sheet.zip
      character.png        the character (any name starting "character"; PNG with transparency
                           is cut out, a picture without is shown as it is)
      A.png … H.png, X.png one picture per mouth shape (`mouths.SHAPES`), drawn at the
                           character picture's scale; placed centred on the mouth point
      eyes-closed.png      optional: the character picture again with the eyes closed

Names are matched case-insensitively, in any folder of the zip, with any image extension.
Every picture is opened like any user's image (`pipelines.pictures.load_image`: size limits,
full decode) and refused the same way, naming the entry. The mouth point is the user's (x, y on
the character picture) or, without one, found with OpenCV's bundled Haar frontal-face detector:
the mouth sits at 78 % of the face box's height.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import cv2
import numpy as np
from PIL import Image

from pipelines.characters.looks import Look, _even
from pipelines.characters.mouths import SHAPES
from pipelines.errors import InputError
from pipelines.pictures import load_image

MAX_ENTRIES = 64
MAX_SHEET_BYTES = 100 * 2**20  # uncompressed, all entries together
MOUTH_IN_FACE = 0.78  # the mouth's height in a detected face box, from its top
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"}


def load_sheet(
    path: Path,
    field: str,
    height: int,
    mouth: tuple[int, int] | None = None,
    max_width: int | None = None,
) -> Look:
    """The character in sheet `path`, scaled to `height` pixels (less where that would be
    wider than `max_width`); InputError naming `field`."""
    pictures = _read(Path(path), field)
    _complete(Path(path), pictures, field)
    return compose(pictures, field, height, mouth, max_width)


def check_sheet(path: Path, field: str) -> None:
    """Refuse a sheet that is incomplete or whose pictures do not decode (the mouth point is
    not needed yet: an upload is checked before it is placed)."""
    _complete(Path(path), _read(Path(path), field), field)


def character_picture(path: Path, field: str) -> Image.Image:
    """The sheet's character picture (RGBA), as the mouth point is given on it."""
    pictures = _read(Path(path), field)
    _complete(Path(path), pictures, field)
    return pictures["character"]


def _complete(path: Path, pictures: dict[str, Image.Image], field: str) -> None:
    missing = [s for s in SHAPES if s not in pictures]
    if "character" not in pictures:
        raise InputError(field, f"{path.name}: no character picture (character.png)")
    if missing:
        raise InputError(
            field,
            f"{path.name}: mouth shape {', '.join(missing)} missing; a sheet needs "
            f"{', '.join(SHAPES)} (A.png … X.png)",
        )


def compose(
    pictures: dict[str, Image.Image],
    field: str,
    height: int,
    mouth: tuple[int, int] | None = None,
    max_width: int | None = None,
    face: tuple[int, int, int, int] | None = None,
) -> Look:
    """The character of a sheet's pictures (RGBA: "character", each shape, optionally
    "eyes-closed"), scaled to `height` (less where wider than `max_width`); `face`: the face's
    box on the character picture, kept (scaled) as the face a lip-sync model animates."""
    base = pictures["character"]
    if mouth is None:
        mouth = detect_mouth(base, field)
    elif not (0 <= mouth[0] < base.width and 0 <= mouth[1] < base.height):
        raise InputError(
            field,
            f"mouth point {mouth[0]},{mouth[1]} is outside the {base.width}x{base.height} picture",
        )
    scale = height / base.height
    if max_width and base.width * scale > max_width:
        scale = max_width / base.width
    width = max(2, int(base.width * scale) // 2 * 2)  # rounded down: never past max_width
    height = max(2, int(base.height * scale) // 2 * 2)

    def scaled(img: Image.Image, w: int | None = None, h: int | None = None) -> Image.Image:
        w = w or max(2, _even(img.width * scale))
        h = h or max(2, _even(img.height * scale))
        return img.resize((w, h), Image.Resampling.LANCZOS)

    head = scaled(base, width, height)
    mx, my = mouth[0] * scale, mouth[1] * scale
    patches, box = {}, None
    sized = {s: scaled(pictures[s]) for s in SHAPES}
    pw = min(max(img.width for img in sized.values()), width)
    ph = min(max(img.height for img in sized.values()), height)
    x0 = min(max(_even(mx - pw / 2), 0), width - pw)
    y0 = min(max(_even(my - ph / 2), 0), height - ph)
    box = (x0, y0, x0 + pw, y0 + ph)
    # Each mouth over the face where it goes: opaque patches, the face around the mouth kept.
    under = head.crop(box)
    for shape, img in sized.items():
        patch = under.copy()
        patch.alpha_composite(img, ((pw - img.width) // 2, (ph - img.height) // 2))
        patches[shape] = np.asarray(patch.convert("RGB"))
    eyes, eyes_at = None, (0, 0)
    if "eyes-closed" in pictures:
        closed = np.asarray(scaled(pictures["eyes-closed"], width, height))
        diff = np.abs(closed.astype(int) - np.asarray(head).astype(int)).sum(axis=2) > 24
        if diff.any():
            rows, cols = np.nonzero(diff)
            ex, ey = _even(cols.min()) - 0, _even(rows.min())
            ew, eh = _even(cols.max() - ex + 2), _even(rows.max() - ey + 2)
            ex, ey = min(ex, width - ew), min(ey, height - eh)
            eyes = np.asarray(
                Image.fromarray(closed).crop((ex, ey, ex + ew, ey + eh)).convert("RGB")
            )
            eyes_at = (ex, ey)
    rgba = np.asarray(head)
    opaque = rgba[..., 3] > 128
    colour = (
        tuple(int(c) for c in np.median(rgba[..., :3][opaque], axis=0))
        if opaque.any()
        else (128,) * 3
    )
    return Look(
        body=None,
        head=rgba,
        head_at=(0, 0),
        mouths=patches,
        mouth_at=(x0, y0),
        eyes_closed=eyes,
        eyes_at=eyes_at,
        colour=colour,
        breathes=False,
        extra={"face": tuple(_even(v * scale) for v in face)} if face else {},
    )


def _read(path: Path, field: str) -> dict[str, Image.Image]:
    """Entry name (character, A … X, eyes-closed) → its picture as RGBA."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(field, f"{path.name}: file not found") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(field, f"{path.name}: is not a zip file ({exc})") from None
    with archive, tempfile.TemporaryDirectory() as tmp:
        entries = [i for i in archive.infolist() if not i.is_dir()]
        if len(entries) > MAX_ENTRIES:
            raise InputError(
                field, f"{path.name}: {len(entries)} files; the limit is {MAX_ENTRIES}"
            )
        if sum(i.file_size for i in entries) > MAX_SHEET_BYTES:
            raise InputError(field, f"{path.name}: over {MAX_SHEET_BYTES // 2**20} MB unpacked")
        out: dict[str, Image.Image] = {}
        for info in entries:
            name = PurePosixPath(info.filename)
            if name.suffix.lower() not in IMAGE_SUFFIXES or name.name.startswith("."):
                continue
            stem = name.stem.lower().replace("_", "-").replace(" ", "-")
            key = stem.upper() if stem.upper() in SHAPES else stem
            if key.startswith("character"):
                key = "character"
            if key not in (*SHAPES, "character", "eyes-closed"):
                continue
            # Through the same door as every user image (limits, full decode), named by entry.
            local = Path(tmp) / str(len(out)) / name.name
            local.parent.mkdir()
            local.write_bytes(archive.read(info))
            load_image(local, field)
            with Image.open(io.BytesIO(local.read_bytes())) as img:
                out[key] = img.convert("RGBA")
        return out


def detect_face(picture: Image.Image) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) of the largest frontal face OpenCV's bundled Haar cascade finds, or None."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    grey = cv2.cvtColor(np.asarray(picture.convert("RGB")), cv2.COLOR_RGB2GRAY)
    faces = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=4, minSize=(24, 24))
    if len(faces) == 0:
        return None
    return tuple(int(v) for v in max(faces, key=lambda f: f[2] * f[3]))


def mouth_in(face: tuple[int, int, int, int]) -> tuple[int, int]:
    x, y, w, h = face
    return int(x + w / 2), int(y + h * MOUTH_IN_FACE)


def detect_mouth(
    picture: Image.Image, field: str, hint: str = "NAME=sheet.zip@X,Y"
) -> tuple[int, int]:
    """The mouth point of the largest frontal face OpenCV's bundled Haar cascade finds."""
    face = detect_face(picture)
    if face is None:
        raise InputError(
            field, f"no face found on the character picture; give the mouth point ({hint})"
        )
    return mouth_in(face)
