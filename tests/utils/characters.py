"""Character sheets and portraits for the tests: small real files."""

from __future__ import annotations

import io
import zipfile

from PIL import Image, ImageDraw

SHAPES = "ABCDEFGHX"
SHEET_COLOUR = (200, 60, 60)  # the sheet's character (an ellipse on transparency)


def png(size, colour, mode="RGBA") -> bytes:
    img = Image.new(mode, size, (0, 0, 0, 0) if mode == "RGBA" else colour)
    ImageDraw.Draw(img).ellipse([0, 0, size[0] - 1, size[1] - 1], fill=colour)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def make_sheet(path, *, leave_out=(), broken=None, eyes=True):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("iris/character.png", png((200, 300), (200, 60, 60)))
        for k, shape in enumerate(SHAPES):
            if shape not in leave_out:
                data = b"not a picture" if shape == broken else png((40, 20), (k * 25, 0, 0))
                z.writestr(f"iris/mouths/{shape}.png", data)
        if eyes:
            closed = Image.open(io.BytesIO(png((200, 300), (200, 60, 60))))
            ImageDraw.Draw(closed).rectangle([60, 80, 140, 100], fill=(90, 30, 30))
            buffer = io.BytesIO()
            closed.save(buffer, "PNG")
            z.writestr("iris/eyes-closed.png", buffer.getvalue())
    return path


def photo(path, size=(240, 320)):
    """A 'photo': blue and yellow stripes (easy to find in a frame), a skin-coloured face."""
    img = Image.new("RGB", size, (30, 60, 200))
    d = ImageDraw.Draw(img)
    for x in range(0, size[0], 40):
        d.rectangle([x, 0, x + 19, size[1]], fill=(240, 210, 40))
    d.ellipse([50, 90, 190, 270], fill=(225, 180, 150))
    img.save(path)
    return path
