"""The studio's LLM as a translator: numbered batches with neighbouring lines as context, and a
validator that sends a bad batch back.

Each batch holds up to `batch_size` lines, numbered by their place in the whole list, with up
to `context` lines either side shown as context only (what was said before and after, so "it"
and "you" come out right). The answer must be one "N. translation" line per numbered line;
the validator checks every number comes back once, none is blank, and none is far longer than
its source (`max_chars`). A batch that fails is asked again up to `retries` times; one that
keeps failing raises TranslationError (the next backend is tried).

The model is anything with `generate(prompts, max_new_tokens) -> texts` (the LLM engine's
backends: transformers or vLLM): all batches go in one call, so vLLM runs them together.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from pipelines.translate import TranslationError
from pipelines.translate.languages import name

INSTRUCTIONS = """Translate film subtitle lines from {source} to {target}.
Translate only the numbered lines; the lines marked "context" are there for meaning.
Answer with exactly the numbered lines {first} to {last}, one per line, as "N. translation", \
and nothing else. Keep each translation about as short as its line.
{before}Lines:
{lines}
{after}"""

_NUMBERED = re.compile(r"^\s*(\d+)\s*[.):]\s?(.*)$")


class LLMTranslator:
    name = "llm"

    def __init__(
        self,
        model=None,
        *,
        load: Callable[[], object] | None = None,
        missing: str | None = "no studio LLM (--tier studio with MODELS/llm)",
        batch_size: int = 20,
        context: int = 3,
        retries: int = 2,
        max_new_tokens: int = 1200,
    ):
        self.model, self.load, self.missing = model, load, missing if model is None else None
        self.batch_size, self.context, self.retries = batch_size, context, retries
        self.max_new_tokens = max_new_tokens

    @classmethod
    def from_engines(cls, engines) -> LLMTranslator:
        """The engines' LLM (local, loaded on first use, or the Serve deployment through its
        handle); unavailable without one."""
        available = getattr(engines, "available", dict)().get("llm", False)
        if not available:
            return cls()
        return cls(load=engines.text_model, missing=None)

    def unavailable(self, source: str, target: str) -> str | None:
        return self.missing

    def translate(
        self,
        lines: Sequence[str],
        source: str,
        target: str,
        times: Sequence[tuple[float, float]] | None = None,
    ) -> list[str]:
        if self.model is None and self.load is not None:
            self.model = self.load()
        if self.model is None:
            raise TranslationError(self.missing or "no LLM")
        lines = [" ".join(line.split()) for line in lines]
        todo = [i for i, line in enumerate(lines) if line]
        batches = [todo[i : i + self.batch_size] for i in range(0, len(todo), self.batch_size)]
        out = list(lines)
        problems: dict[int, str] = {}
        for attempt in range(self.retries + 1):
            pending = [b for n, b in enumerate(batches) if attempt == 0 or n in problems]
            numbers = [n for n, b in enumerate(batches) if attempt == 0 or n in problems]
            if not pending:
                break
            prompts = [self.prompt(lines, batch, source, target) for batch in pending]
            answers = self.model.generate(prompts, self.max_new_tokens)
            problems = {}
            for n, batch, answer in zip(numbers, pending, answers):
                got = validate(answer, {i + 1: lines[i] for i in batch})
                if isinstance(got, str):
                    problems[n] = got
                    continue
                for i in batch:
                    out[i] = got[i + 1]
        if problems:
            n, problem = next(iter(problems.items()))
            first, last = batches[n][0] + 1, batches[n][-1] + 1
            raise TranslationError(
                f"the LLM's answer for lines {first}–{last} failed validation "
                f"on all {self.retries + 1} tries: "
                f"{problem}"
            )
        return out

    def prompt(self, lines: list[str], batch: list[int], source: str, target: str) -> str:
        first, last = batch[0], batch[-1]
        before = [t for t in lines[max(0, first - self.context) : first] if t]
        after = [t for t in lines[last + 1 : last + 1 + self.context] if t]
        return INSTRUCTIONS.format(
            source=name(source),
            target=name(target),
            first=first + 1,
            last=last + 1,
            before="".join(f"context: {t}\n" for t in before),
            lines="\n".join(f"{i + 1}. {lines[i]}" for i in batch),
            after="".join(f"context: {t}\n" for t in after),
        )


def max_chars(source: str) -> int:
    """The longest answer a line may get: room for a longer language, not for a ramble."""
    return max(84, 3 * len(source))


def validate(answer: str, wanted: dict[int, str]) -> dict[int, str] | str:
    """{number: translation} when the answer holds every wanted number once, none blank and
    none too long; else what is wrong, in words."""
    got: dict[int, str] = {}
    for row in answer.splitlines():
        match = _NUMBERED.match(row)
        if not match:
            continue
        number, text = int(match.group(1)), " ".join(match.group(2).split())
        if number not in wanted:
            return f"line {number} was not asked for"
        if number in got:
            return f"line {number} came back twice"
        got[number] = text
    for number, source in wanted.items():
        if number not in got:
            return f"line {number} is missing"
        if not got[number]:
            return f"line {number} is blank"
        if len(got[number]) > max_chars(source):
            return f"line {number} is {len(got[number])} characters (limit {max_chars(source)})"
    return got
