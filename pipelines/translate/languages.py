"""Language codes: what a user types ("es", "pt_BR", "en-US") → one tag, and its ISO 639-2 code.

MP4 language tags are three-letter ISO 639-2 codes ("spa"); the request and file names use the
short IETF tag ("es"). `langcodes` (a maintained library) knows both.
"""

from __future__ import annotations

import langcodes

from pipelines.errors import InputError


def standard(code: str, field: str) -> str:
    """The IETF tag for `code` ("ES" → "es", "pt_br" → "pt-BR"); InputError naming `field`."""
    text = code.strip().replace("_", "-")
    try:
        if not text or not langcodes.tag_is_valid(text):
            raise ValueError
        tag = langcodes.standardize_tag(text)
        langcodes.Language.get(tag).to_alpha3()
    except (ValueError, LookupError):
        raise InputError(field, f"{code!r} is not a language code (e.g. en, es, hi)") from None
    return tag


def base(tag: str) -> str:
    """The language without region or script: "pt-BR" → "pt", what translators are keyed by."""
    return langcodes.Language.get(tag).language or tag


def alpha3(tag: str) -> str:
    """ISO 639-2/T code for MP4 tracks and Apertium modes: "es" → "spa", "hi" → "hin"."""
    return langcodes.Language.get(tag).to_alpha3()


def name(tag: str) -> str:
    """The language in English words: "es" → "Spanish"."""
    return langcodes.Language.get(tag).display_name()
