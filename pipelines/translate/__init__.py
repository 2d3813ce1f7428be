"""Translation: lines in one language → the same lines in another, one for one.

    backends = translate.backends_for(request, engines, language)
    texts = translate.translate(lines, "en", "es", backends, times=[(start, end), ...])

Every backend keeps line identity: line i of the answer is line i of the question, never
merged, split or dropped. They are tried in this order, the first that serves the pair wins:

    user      the user's own translation (an SRT/VTT, or a script of one line per spoken line)
    llm       the studio's LLM: numbered batches with neighbouring lines as context, validated
    marian    MarianMT (OPUS-MT), one model per pair in MODELS/translate/<src>-<tgt>/
    apertium  rule-based, Debian's `apertium-<pair>` packages, found at run time

A backend that cannot serve a pair says why (`unavailable`); one that fails on the lines
raises `TranslationError` and the next is tried. When none serves, the film is refused
naming every backend tried and why (`InputError`), before any work.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from pipelines.errors import InputError
from pipelines.translate.languages import base


class TranslationError(RuntimeError):
    """A backend failed on these lines (the next backend is tried)."""


class Translator(Protocol):
    name: str

    def unavailable(self, source: str, target: str) -> str | None:
        """Why this backend cannot translate source → target, or None when it can."""

    def translate(
        self,
        lines: Sequence[str],
        source: str,
        target: str,
        times: Sequence[tuple[float, float]] | None = None,
    ) -> list[str]:
        """`lines` in `target`, one for one. `times` (seconds) are the lines' cue times, when
        they are cues: the user's backend checks its own cues against them."""


def translate(
    lines: Sequence[str],
    source: str,
    target: str,
    backends: Sequence[Translator],
    *,
    times: Sequence[tuple[float, float]] | None = None,
    field: str = "subtitles",
) -> list[str]:
    """`lines` translated by the first backend that can; InputError naming `field` when none."""
    if base(source) == base(target):
        return list(lines)
    tried = []
    for backend in backends:
        reason = backend.unavailable(source, target)
        if reason is None:
            try:
                out = backend.translate(lines, source, target, times)
            except TranslationError as error:
                reason = str(error)
            else:
                if len(out) != len(lines):  # a backend bug, never the user's
                    raise RuntimeError(f"{backend.name} gave {len(out)} lines for {len(lines)}")
                return out
        tried.append(f"{backend.name} ({reason})")
    raise no_translator(source, target, tried, field)


def check(
    source: str, target: str, backends: Sequence[Translator], field: str = "subtitles"
) -> None:
    """Refuse now (InputError naming `field`) if no backend can serve source → target."""
    if base(source) == base(target):
        return
    tried = []
    for backend in backends:
        reason = backend.unavailable(source, target)
        if reason is None:
            return
        tried.append(f"{backend.name} ({reason})")
    raise no_translator(source, target, tried, field)


def no_translator(source: str, target: str, tried: list[str], field: str) -> InputError:
    return InputError(
        field, f"no translator for {source} → {target}; tried {', '.join(tried) or 'none'}"
    )


def backends_for(
    user_files: dict[str, Path], engines, models_dir: Path | None = None
) -> list[Translator]:
    """The backends in the order they are tried (see the module docstring)."""
    from pipelines.translate.apertium import Apertium
    from pipelines.translate.llm import LLMTranslator
    from pipelines.translate.marian import MarianTranslator
    from pipelines.translate.user import UserTranslation

    return [
        UserTranslation(user_files),
        LLMTranslator.from_engines(engines),
        MarianTranslator(models_dir),
        Apertium(),
    ]
