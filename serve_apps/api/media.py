"""What an uploaded file really is, judged by its content (never its name or declared type).

Images must be JPEG, PNG or WebP, within the pixel limit (read from the header before any
decoding, so a decompression bomb is refused cheaply) and must decode completely. Audio must
hold an audio stream that decodes from start to end within the length limit. A zip must be a
complete character sheet whose pictures all decode (`pipelines.characters.sheet`). Subtitles (a
user's own translation) must be UTF-8 SRT or WebVTT that pysubs2 parses, with at least one cue.
Any other file must be a translated script: UTF-8 text with no NUL byte and at least one
non-blank line, read by the pipeline's own reader (`pipelines.translate.user.read_script`).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import av
import pysubs2
from PIL import Image, UnidentifiedImageError

from db.models import AssetKind
from pipelines.errors import InputError
from pipelines.translate.user import read_script

IMAGE_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
AUDIO_TYPES = {  # FFmpeg's demuxer name → content type
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "mov,mp4,m4a,3gp,3g2,mj2": "audio/mp4",
    "aac": "audio/aac",
    "matroska,webm": "audio/webm",
}
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "audio/ogg": ".ogg",
    "audio/flac": ".flac",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "audio/webm": ".webm",
    "application/x-subrip": ".srt",
    "text/vtt": ".vtt",
    "application/zip": ".zip",
    "text/plain": ".txt",
}
SUBTITLE_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt"}  # pysubs2's format → type


@dataclass(frozen=True)
class MediaInfo:
    kind: AssetKind
    content_type: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def inspect(
    path: Path, *, max_pixels: int, max_audio_seconds: float, field: str = "file"
) -> MediaInfo:
    """Identify and fully decode `path`; InputError(field, why) when it is not usable media."""
    image = _image(path, max_pixels, field)
    if image is not None:
        return image
    if zipfile.is_zipfile(path):
        from pipelines.characters.sheet import check_sheet  # OpenCV loads only for sheets

        check_sheet(path, field)
        return MediaInfo(AssetKind.sheet, "application/zip")
    audio = _audio(path, max_audio_seconds, field)
    if audio is not None:
        return audio
    subtitles = _subtitles(path, field)
    if subtitles is not None:
        return subtitles
    return _text(path, field)


def _image(path: Path, max_pixels: int, field: str) -> MediaInfo | None:
    try:
        img = Image.open(path)  # reads the header only
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError:  # Pillow's own ceiling, far above ours
        limit = 2 * Image.MAX_IMAGE_PIXELS
        raise InputError(
            field, f"image has more than {limit} pixels; the limit is {max_pixels}"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(field, f"image header is unreadable ({exc})") from None
    with img:
        if img.format not in IMAGE_TYPES:
            raise InputError(field, f"{img.format} images are not accepted; use JPEG, PNG or WebP")
        width, height = img.size
        if width * height > max_pixels:
            raise InputError(
                field,
                f"image is {width}x{height} = {width * height} pixels; the limit is {max_pixels}",
            )
        try:
            img.load()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise InputError(field, f"image does not decode ({exc})") from None
        return MediaInfo(AssetKind.image, IMAGE_TYPES[img.format], width=width, height=height)


def _audio(path: Path, max_seconds: float, field: str) -> MediaInfo | None:
    try:
        container = av.open(str(path))
    except (av.FFmpegError, UnicodeDecodeError, ValueError):
        return None
    with container:
        if container.format.name not in AUDIO_TYPES or not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        seconds = 0.0
        try:
            for frame in container.decode(stream):
                seconds += frame.samples / (frame.sample_rate or stream.rate or 1)
                if seconds > max_seconds:
                    raise InputError(field, f"audio is longer than {max_seconds:g} s, the limit")
        except av.FFmpegError as exc:
            raise InputError(field, f"audio does not decode ({exc})") from None
        if seconds <= 0:
            raise InputError(field, "audio has no samples")
        return MediaInfo(
            AssetKind.audio, AUDIO_TYPES[container.format.name], duration_s=round(seconds, 3)
        )


def _subtitles(path: Path, field: str) -> MediaInfo | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
        kind = pysubs2.formats.autodetect_format(text)
    except (UnicodeDecodeError, pysubs2.exceptions.FormatAutodetectionError):
        return None
    if kind not in SUBTITLE_TYPES:
        return None
    try:
        cues = pysubs2.SSAFile.from_string(text, format_=kind)
    except (pysubs2.exceptions.Pysubs2Error, ValueError) as exc:
        raise InputError(field, f"{kind.upper()} subtitles do not parse ({exc})") from None
    if not any(cue.plaintext.strip() for cue in cues if not cue.is_comment):
        raise InputError(field, f"{kind.upper()} subtitles hold no cue with text")
    return MediaInfo(AssetKind.subtitles, SUBTITLE_TYPES[kind])


def _text(path: Path, field: str) -> MediaInfo:
    """A translated script (one line per spoken line); what is not one is no kind we take."""
    try:
        lines = read_script(path, field)
    except InputError as error:
        raise InputError(
            field,
            "not a JPEG, PNG or WebP image, a readable audio file, a character sheet (zip), "
            f"SRT/WebVTT subtitles nor UTF-8 text: {error.message}",
        ) from None
    if not lines:
        raise InputError(field, "the text has no line that is not blank")
    return MediaInfo(AssetKind.text, "text/plain")
