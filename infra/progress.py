"""Listening to a render's progress callback: seconds per stage, and lines for the job log.

`render_film(..., progress=cb)` calls `cb(stage, percent, message)` as it goes. A stage lasts
from its first report to the first report of the next one, so timing needs nothing from the
orchestrator but those calls. The bulk runner and `benchmarks/capacity.py` both use this.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Progress = Callable[[str, float, str], None]


class StageClock:
    """A progress callback that records how many seconds each stage took (wall clock)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.seconds: dict[str, float] = {}
        self.stage: str | None = None
        self.since = clock()

    def __call__(self, stage: str, percent: float = 0.0, message: str = "") -> None:
        if stage != self.stage:
            self._close()
            self.stage = stage

    def stop(self) -> dict[str, float]:
        """Close the running stage; the seconds of every stage seen, in the order they ran."""
        self._close()
        self.stage = None
        return dict(self.seconds)

    def _close(self) -> None:
        now = self.clock()
        if self.stage is not None:
            self.seconds[self.stage] = self.seconds.get(self.stage, 0.0) + now - self.since
        self.since = now


class ProgressLines:
    """A progress callback that prints `[film] stage  42%  message` lines, flushed at once so
    `ray job logs --follow` shows them live: one at each new stage and every `step` percent."""

    def __init__(self, film_id: str, step: float = 10.0, echo: Callable[[str], None] | None = None):
        self.film_id = film_id
        self.step = step
        self.echo = echo or (lambda line: print(line, flush=True))
        self.stage: str | None = None
        self.shown = -step

    def __call__(self, stage: str, percent: float = 0.0, message: str = "") -> None:
        if stage == self.stage and percent < self.shown + self.step and percent < 100:
            return
        self.stage, self.shown = stage, percent
        self.echo(f"[{self.film_id}] {stage:<8} {percent:5.1f}%  {message}".rstrip())


def tee(*callbacks: Progress) -> Progress:
    """One progress callback that calls each of `callbacks` in turn."""

    def progress(stage: str, percent: float, message: str) -> None:
        for callback in callbacks:
            callback(stage, percent, message)

    return progress
