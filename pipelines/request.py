"""What a user asks for: the film's options, declared once, checked field by field.

`FilmOptions` holds everything about a film that is not a file. The API's request body, the
job spec's stored fields, the CLI's `render` options and the bulk manifest's columns are all
built from it, so an option is added in one place: a field here. `FilmRequest` adds the files
(pictures, a music track, the studio's model directory) as local paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pipelines import tanpura
from pipelines.errors import InputError
from pipelines.plan import Plan
from pipelines.sanskrit import chant
from pipelines.translate.languages import standard

SIZES: dict[str, tuple[int, int]] = {
    "1280x720": (1280, 720),
    "1920x1080": (1920, 1080),
    "1080x1920": (1080, 1920),
    "1080x1080": (1080, 1080),
}
FPS_CHOICES = (24, 25, 30)
MAX_SCRIPT_CHARS = 200_000
MAX_DOCUMENT_CHARS = 200_000
MAX_IMAGES = 200
MusicChoice = Literal["generated", "none", "tanpura", "tanpura+tabla"]  # or the user's file
MUSIC_CHOICES: tuple[str, ...] = MusicChoice.__args__
Pixel = Annotated[int, Field(ge=0, le=50_000)]  # a point on a picture (pictures' limit is 50 MP)
MAX_SUBTITLE_TRACKS = 20


@dataclass(frozen=True)
class DurationLimits:
    """The film lengths a caller accepts, in seconds."""

    min: float = 60.0
    max: float = 300.0


PRODUCT_LIMITS = DurationLimits()  # 1–5 minutes


class FilmOptions(BaseModel):
    """Everything about the film that is not a file."""

    script: str = Field(
        "",
        description="Fountain screenplay or plain prose (empty with from_document, or with a "
        "narration recording to transcribe)",
        max_length=MAX_SCRIPT_CHARS,
    )
    from_document: str = Field(
        "",
        max_length=MAX_DOCUMENT_CHARS,
        description="a document (Markdown or text) the LLM turns into a two-host show; without "
        "an LLM its paragraphs are read in turn by two hosts, its headings the chapters",
    )
    voices: dict[str, str] = Field(
        default_factory=dict, description="CHARACTER → voice name (see `filmstudio voices`)"
    )
    form: Literal["prose", "verse", "auto"] = Field(
        "auto",
        description="read plain text as prose, as verse (a line spoken and captioned at a "
        "time, pauses at line and stanza ends) or auto (verse when short lines in stanzas)",
    )
    language: str = Field("en", max_length=16, description="language code of the speech")
    duration: float = Field(60.0, description="film length in seconds")
    size: str = Field("1280x720", description="frame size: " + ", ".join(SIZES))
    fps: int = Field(24, description="frames per second: " + ", ".join(map(str, FPS_CHOICES)))
    burn_subtitles: bool = Field(False, description="draw the subtitles into the picture")
    subtitles: str = Field(
        "",
        max_length=200,
        description="extra subtitle tracks, comma-separated language codes (e.g. en,es,hi)",
    )
    dub: str = Field(
        "", max_length=16, description="speak the film in this language (lines translated first)"
    )
    burn_language: str = Field(
        "", max_length=16, description="language of burned subtitles (default: the speech's)"
    )
    card_text: bool = Field(
        False,
        description="drawn cards show each shot's text as a storyboard caption "
        "(not with burned subtitles, which show the spoken line)",
    )
    narrate_action: bool = Field(True, description="the narrator reads action lines")
    characters: bool = Field(
        True, description="show each speaking character on screen, lip-synced, while they speak"
    )
    character_mouths: dict[str, tuple[Pixel, Pixel]] = Field(
        default_factory=dict,
        max_length=60,
        description="CHARACTER → (x, y) of the mouth on its character sheet's picture or portrait "
        "(found by face detection when not given)",
    )
    references: dict[str, str] = Field(
        default_factory=dict,
        max_length=60,
        description="studio tier: CHARACTER → a picture of them (a file; through the API an "
        "image asset's id) whose look every still showing them takes; a character without one "
        "takes the look of the first still drawn of them",
    )
    tonic: str | None = Field(
        None,
        description="the tonic (Sa) the tanpura is tuned to and a chant is sung on, a note name "
        "from A1 to C5; left out, C#3 under a male narrator and G#3 under a female one",
    )
    chant: str = Field(
        "",
        max_length=200,
        description='Sanskrit (language "sa"): the notes each pāda\'s syllables step through, '
        'in sargam ("S R G"; \' the octave above, . before a note the one below); empty for '
        "a recitation tone that rises at each pāda's start and falls at each half-verse's end",
    )
    tala: Literal["keherwa", "dadra", "teentaal"] = Field(
        "keherwa",
        description='the tāla of the tabla loop under the tanpura (music "tanpura+tabla"): '
        "keherwa (8 beats), dadra (6) or teentaal (16)",
    )
    subtitle_iast: bool = Field(
        False, description='Sanskrit (language "sa"): an IAST line under each Devanagari cue'
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="seed for pictures, motion and music")
    tier: Literal["draft", "studio"] = Field(
        "draft", description="draft (CPU, no weights) or studio (models)"
    )
    look: Literal["film", "audiogram"] = Field(
        "film",
        description="film, or audiogram: the voice's waveform over the pictures, large captions",
    )
    motion: Literal["svd", "animatediff", "kenburns"] = Field(
        "svd",
        description="studio tier: how generated shots move: svd (the still animated), "
        "animatediff (a clip drawn from the shot's prompt) or kenburns (pan and zoom only)",
    )
    podcast: bool = Field(
        False, description="also write OUT.m4a and OUT.mp3 at -16 LUFS, chapters, transcript"
    )

    @property
    def width(self) -> int:
        return SIZES[self.size][0]

    @property
    def height(self) -> int:
        return SIZES[self.size][1]

    @property
    def captions_burned(self) -> bool:
        """Subtitles drawn into the picture: asked for, or the audiogram's large captions."""
        return self.burn_subtitles or self.look == "audiogram"

    @property
    def speech_language(self) -> str:
        """The language the film is spoken in: the dub's, else the script's."""
        return self.dub or self.language

    @property
    def subtitle_languages(self) -> list[str]:
        """The extra subtitle tracks' languages, in the order asked."""
        return self.subtitles.split(",") if self.subtitles else []

    @field_validator("subtitles")
    @classmethod
    def _subtitles(cls, v: str) -> str:
        tags = [_tag(code, "subtitles") for code in v.split(",") if code.strip()]
        if len(tags) > MAX_SUBTITLE_TRACKS:
            raise ValueError(f"{len(tags)} subtitle tracks; the limit is {MAX_SUBTITLE_TRACKS}")
        return ",".join(dict.fromkeys(tags))

    @field_validator("dub")
    @classmethod
    def _dub(cls, v: str) -> str:
        return _tag(v, "dub") if v.strip() else ""

    @field_validator("burn_language")
    @classmethod
    def _burn_language(cls, v: str, info: ValidationInfo) -> str:
        """One of the film's tracks: the speech's language or an extra one."""
        if not v.strip():
            return ""
        tag = _tag(v, "burn_language")
        tracks = [info.data.get("dub") or info.data.get("language", "en")]
        tracks += [t for t in info.data.get("subtitles", "").split(",") if t]
        if tag not in tracks:
            raise ValueError(
                f"{tag} is not one of the film's subtitle tracks ({', '.join(tracks)})"
            )
        return tag

    @model_validator(mode="after")
    def _something_to_say(self) -> FilmOptions:
        """A script, or a document to write one from, or (a request) a recording to transcribe."""
        has_script, has_document = bool(self.script.strip()), bool(self.from_document.strip())
        if has_script and has_document:
            raise InputError("from_document", "give a script or a document, not both")
        if not (has_script or has_document or getattr(self, "narration", None) is not None):
            raise InputError("script", "script is empty")
        return self

    @field_validator("size", "fps")
    @classmethod
    def _one_of(cls, v, info: ValidationInfo):
        choices = {"size": tuple(SIZES), "fps": FPS_CHOICES}[info.field_name]
        if v not in choices:
            raise ValueError(
                f"{info.field_name} {v!r} is not one of {', '.join(map(str, choices))}"
            )
        return v

    @field_validator("tonic")
    @classmethod
    def _tonic(cls, v: str | None) -> str | None:
        if v is None:
            return None
        try:
            tanpura.note_hz(v, "tonic")
        except InputError as error:
            raise ValueError(error.message) from None
        return v.strip()

    @field_validator("chant")
    @classmethod
    def _chant(cls, v: str) -> str:
        try:
            chant.parse_notes(v)
        except InputError as error:
            raise ValueError(error.message) from None
        return " ".join(v.split())

    @field_validator("duration")
    @classmethod
    def _duration(cls, v: float, info: ValidationInfo) -> float:
        limits: DurationLimits = (info.context or {}).get("limits", PRODUCT_LIMITS)
        if not (limits.min <= v <= limits.max):
            raise ValueError(f"duration {v:g} s is outside {limits.min:g}–{limits.max:g} s")
        return v


class FilmRequest(FilmOptions):
    """Everything a render needs. Paths are local files (the platform downloads assets first)."""

    images: list[Path] = Field(default_factory=list, max_length=MAX_IMAGES)
    music: MusicChoice | Path = "generated"
    # the user's recording as the voice: the script is aligned to it, the film as long as it
    narration: Path | None = None
    models_dir: Path | None = None  # studio tier: local model directory
    # CHARACTER → its character sheet (a zip, see `pipelines.characters.sheet`)
    character_sheets: dict[str, Path] = Field(default_factory=dict)
    # CHARACTER → a photo of them, shown with drawn mouths (draft) or lip-synced (studio)
    character_portraits: dict[str, Path] = Field(default_factory=dict)
    # A plan to render as it is (an edited storyboard) instead of analysing the script; its
    # shots name their pictures by the images' file names (Shot.image).
    plan: Plan | None = None
    # the user's own translations: language → an SRT/VTT, or a script of one line per line
    translations: dict[str, Path] = Field(default_factory=dict, max_length=MAX_SUBTITLE_TRACKS)

    @field_validator("translations")
    @classmethod
    def _translations(cls, v: dict[str, Path]) -> dict[str, Path]:
        return {_tag(language, "translations"): path for language, path in v.items()}


OPTION_NAMES = tuple(FilmOptions.model_fields)


def _tag(code: str, field: str) -> str:
    try:
        return standard(code, field)
    except InputError as error:
        raise ValueError(error.message) from None


def make_request(limits: DurationLimits = PRODUCT_LIMITS, **fields) -> FilmRequest:
    """A FilmRequest for a film between `limits`, with pydantic's errors turned into one
    InputError naming the field."""
    try:
        return FilmRequest.model_validate(fields, context={"limits": limits})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "request"
        msg = err["msg"].removeprefix("Value error, ")
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, InputError):  # a check across fields names its field itself
            field, msg = cause.field, cause.message
        if err["type"] == "too_long" and field == "script":
            msg = f"script is {len(fields['script'])} characters; the limit is {MAX_SCRIPT_CHARS}"
        elif err["type"] == "too_long" and field == "from_document":
            msg = (
                f"the document is {len(fields['from_document'])} characters; "
                f"the limit is {MAX_DOCUMENT_CHARS}"
            )
        elif err["type"] == "too_long" and field == "images":
            msg = f"{len(fields['images'])} images; the limit is {MAX_IMAGES}"
        raise InputError(field, msg) from None
