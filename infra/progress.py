"""A render's progress as events: each stage announces its start, its progress and its end.

`render_film(..., progress=listener)` calls `listener(event)` with a `StageEvent`. Listeners
consume them as they are: the CLI's bars, the job runner's progress rows and stage clock, the
bulk runner's log lines and the metrics. Raising from a listener stops the render.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class StageEvent:
    stage: str
    kind: Literal["start", "progress", "end"]
    percent: float  # the whole render's progress, 0–100
    message: str = ""


Progress = Callable[[StageEvent], None]
Report = Callable[[float, str], None]  # (fraction of the stage done 0–1, message)


class Stages:
    """Announces a render's stages to a listener; `shares` gives each stage its span of the
    whole render's percent (start, end), in the order they run."""

    def __init__(self, shares: dict[str, tuple[float, float]], listener: Progress | None):
        self.shares = shares
        self.listener = listener

    @contextmanager
    def stage(self, name: str, message: str = "") -> Iterator[Report]:
        """Start `name`, yield its report function, and end it when the block finishes (a
        block that raises does not end its stage)."""
        last = [message]

        def report(fraction: float, text: str) -> None:
            last[0] = text
            self._emit(name, "progress", fraction, text)

        self._emit(name, "start", 0.0, message)
        yield report
        self._emit(name, "end", 1.0, last[0])

    def _emit(self, name: str, kind: str, fraction: float, message: str) -> None:
        if self.listener is None:
            return
        start, end = self.shares[name]
        percent = start + (end - start) * min(max(fraction, 0.0), 1.0)
        self.listener(StageEvent(name, kind, percent, message))


class StageClock:
    """A listener that records how many seconds each stage took (wall clock), from its start
    event to its end event."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.seconds: dict[str, float] = {}
        self.stage: str | None = None  # the stage running now, if any
        self.since = clock()

    def __call__(self, event: StageEvent) -> None:
        if event.kind == "start":
            self.stage, self.since = event.stage, self.clock()
        elif event.kind == "end" and event.stage == self.stage:
            self._close()

    def stop(self) -> dict[str, float]:
        """Close the running stage; the seconds of every stage seen, in the order they ran."""
        self._close()
        return dict(self.seconds)

    def _close(self) -> None:
        if self.stage is not None:
            spent = self.clock() - self.since
            self.seconds[self.stage] = self.seconds.get(self.stage, 0.0) + spent
        self.stage = None


class ProgressLines:
    """A listener that prints `[film] stage  42%  message` lines, flushed at once so
    `ray job logs --follow` shows them live: at each stage's start, every `step` percent
    after it, and at the end of the render."""

    def __init__(self, film_id: str, step: float = 10.0, echo: Callable[[str], None] | None = None):
        self.film_id = film_id
        self.step = step
        self.echo = echo or (lambda line: print(line, flush=True))
        self.shown = -step

    def __call__(self, event: StageEvent) -> None:
        if event.kind == "end" or (
            event.kind == "progress" and self.shown + self.step > event.percent < 100
        ):
            return
        self.shown = event.percent
        line = f"[{self.film_id}] {event.stage:<8} {event.percent:5.1f}%  {event.message}"
        self.echo(line.rstrip())


def tee(*listeners: Progress) -> Progress:
    """One listener that hands each event to every one of `listeners` in turn."""

    def progress(event: StageEvent) -> None:
        for listener in listeners:
            listener(event)

    return progress
