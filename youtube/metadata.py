"""The video resource a publish uploads: snippet, status and the film's chapters.

YouTube turns description lines `0:00 Title` into chapters when the first starts at 0:00,
there are at least three, and each lasts ten seconds or more; chapters closer than that to
the one before are left out. The film is made by AI, so `containsSyntheticMedia` is always
true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from youtube.errors import YouTubeError

PRIVACY = ("private", "unlisted", "public")
TITLE_MAX = 100
DESCRIPTION_MAX_BYTES = 5000
TAGS_MAX_CHARS = 500
CHAPTER_MIN_S = 10.0


class MetadataError(YouTubeError):
    """A field YouTube would refuse; `field` names it."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


@dataclass
class VideoMetadata:
    title: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    category_id: str = "1"  # Film & Animation
    language: str | None = None  # snippet.defaultLanguage
    audio_language: str | None = None  # snippet.defaultAudioLanguage
    privacy: str = "private"
    publish_at: datetime | None = None  # scheduled: private until then
    made_for_kids: bool = False
    chapters: list[tuple[float, str]] = field(default_factory=list)  # (start s, title)


def timestamp(seconds: float) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def chapter_lines(chapters: list[tuple[float, str]]) -> list[str]:
    """`0:00 Title` lines: the first at 0:00, later ones at least ten seconds apart."""
    lines: list[str] = []
    last = None
    for start, title in sorted(chapters):
        start = 0.0 if last is None else start
        if last is not None and start - last < CHAPTER_MIN_S:
            continue
        lines.append(f"{timestamp(start)} {' '.join(title.split()) or 'Scene'}")
        last = start
    return lines


def description_with_chapters(meta: VideoMetadata) -> str:
    lines = chapter_lines(meta.chapters)
    text = meta.description.strip()
    if lines:
        text = f"{text}\n\n" if text else ""
        text += "\n".join(lines)
    return text


def video_body(meta: VideoMetadata, now: datetime | None = None) -> dict:
    """The `video` resource for videos.insert; MetadataError names a field YouTube would refuse."""
    title = meta.title.strip()
    if not title:
        raise MetadataError("title", "title is empty")
    if len(title) > TITLE_MAX:
        raise MetadataError("title", f"title has {len(title)} characters; at most {TITLE_MAX}")
    for name, value in (("title", title), ("description", meta.description)):
        if "<" in value or ">" in value:
            raise MetadataError(name, f"{name} may not contain < or >")
    description = description_with_chapters(meta)
    if len(description.encode()) > DESCRIPTION_MAX_BYTES:
        raise MetadataError(
            "description",
            f"description with chapters is {len(description.encode())} bytes; "
            f"at most {DESCRIPTION_MAX_BYTES}",
        )
    if sum(len(t) for t in meta.tags) > TAGS_MAX_CHARS:
        raise MetadataError("tags", f"tags total more than {TAGS_MAX_CHARS} characters")
    if meta.privacy not in PRIVACY:
        raise MetadataError("privacy", f"privacy must be one of {', '.join(PRIVACY)}")
    status: dict = {
        "privacyStatus": meta.privacy,
        "selfDeclaredMadeForKids": meta.made_for_kids,
        "containsSyntheticMedia": True,
    }
    if meta.publish_at is not None:
        when = meta.publish_at
        if when.tzinfo is None:
            raise MetadataError("publish_at", "publish_at needs a time zone")
        if when <= (now or datetime.now(UTC)):
            raise MetadataError("publish_at", "publish_at must be in the future")
        if meta.privacy != "private":
            raise MetadataError("publish_at", "a scheduled video stays private until publish_at")
        status["publishAt"] = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
    snippet: dict = {
        "title": title,
        "description": description,
        "tags": list(meta.tags),
        "categoryId": meta.category_id,
    }
    if meta.language:
        snippet["defaultLanguage"] = meta.language
    if meta.audio_language or meta.language:
        snippet["defaultAudioLanguage"] = meta.audio_language or meta.language
    return {"snippet": snippet, "status": status}
