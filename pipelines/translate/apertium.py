"""Apertium: rule-based translation from Debian's packages (no weights), where a pair is installed.

The `apertium` command and a mode for the pair (`eng-spa`, or an older pair's two-letter
`en-gl`) are found at run time; `apt-get install apertium-eng-spa` adds English→Spanish.
Lines go through one `apertium -u MODE` process, one per input line (Apertium keeps line
breaks); `-u` drops the `*` it puts before words it does not know.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Sequence

from pipelines.translate import TranslationError
from pipelines.translate.languages import alpha3, base

TIMEOUT_S = 120


class Apertium:
    name = "apertium"

    def unavailable(self, source: str, target: str) -> str | None:
        if binary() is None:
            return "not installed: apt-get install apertium-<pair>"
        if mode(source, target) is None:
            return f"no {alpha3(source)}-{alpha3(target)} pair installed"
        return None

    def translate(
        self,
        lines: Sequence[str],
        source: str,
        target: str,
        times: Sequence[tuple[float, float]] | None = None,
    ) -> list[str]:
        flat = [" ".join(line.split()) for line in lines]
        todo = [i for i, line in enumerate(flat) if line]
        out = _run(mode(source, target), "\n".join(flat[i] for i in todo))
        if len(out) != len(todo):  # a line break made or lost: one line at a time
            out = [" ".join(_run(mode(source, target), flat[i])) for i in todo]
        result = list(flat)
        for i, text in zip(todo, out):
            result[i] = text.strip()
        return result


def _run(name: str | None, text: str) -> list[str]:
    try:
        done = subprocess.run(
            [binary(), "-u", name],
            input=text + "\n",
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TranslationError(f"apertium failed: {exc}") from None
    if done.returncode != 0:
        raise TranslationError(f"apertium {name} failed: {done.stderr.strip()[:200]}")
    return done.stdout.rstrip("\n").split("\n")


@functools.cache
def binary() -> str | None:
    return shutil.which("apertium")


@functools.cache
def modes() -> frozenset[str]:
    """The installed modes (`apertium -l`)."""
    if binary() is None:
        return frozenset()
    try:
        listed = subprocess.run([binary(), "-l"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.strip() for line in listed.stdout.splitlines() if line.strip())


def mode(source: str, target: str) -> str | None:
    """The mode for source → target: three-letter codes first (`eng-spa`), then two-letter."""
    for a in (alpha3(source), base(source)):
        for b in (alpha3(target), base(target)):
            if f"{a}-{b}" in modes():
                return f"{a}-{b}"
    return None
