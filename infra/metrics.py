"""The studio's own Prometheus metrics, through `ray.util.metrics`.

Ray exports them on each node's metrics port beside its own series, prefixed `ray_` (a Counter
also gains `_total`), so one Prometheus scrape config covers both; `cluster/grafana-dashboard.json`
charts them:

    studio_films_rendered        Counter    films finished              {tier}
    studio_film_seconds          Counter    seconds of film finished    {tier}
    studio_render_stage_seconds  Histogram  wall seconds per stage      {stage, tier}
    studio_render_failures       Counter    failed renders              {stage, tier}
    studio_queue_depth           Gauge      films waiting or rendering  {queue}
    studio_credits_spent         Counter    credits captured            {tier}

Call the small functions below from anywhere: in a process without Ray they do nothing, so
pipelines and the CLI can call them unconditionally. Metric objects are made once per process.
"""

from __future__ import annotations

from functools import cache

import ray

FILMS_RENDERED = "studio_films_rendered"
FILM_SECONDS = "studio_film_seconds"
STAGE_SECONDS = "studio_render_stage_seconds"
FAILURES = "studio_render_failures"
QUEUE_DEPTH = "studio_queue_depth"
CREDITS_SPENT = "studio_credits_spent"

# Stage times run from a fraction of a second (analysis) to many minutes (studio-tier frames).
STAGE_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600]


def film_rendered(duration: float, tier: str = "draft") -> None:
    """A film finished: count it and its length in seconds."""
    if ray.is_initialized():
        _counter(FILMS_RENDERED, "Films rendered to the end", ("tier",)).inc(1, {"tier": tier})
        _counter(FILM_SECONDS, "Seconds of film rendered", ("tier",)).inc(duration, {"tier": tier})


def record_stage(stage: str, seconds: float, tier: str = "draft") -> None:
    """One stage of one render took `seconds` (wall clock)."""
    if ray.is_initialized():
        _histogram().observe(seconds, {"stage": stage, "tier": tier})


def record_stages(seconds: dict[str, float], tier: str = "draft") -> None:
    """Every stage of one render, e.g. `StageClock.stop()`."""
    for stage, value in seconds.items():
        record_stage(stage, value, tier)


def render_failed(stage: str, tier: str = "draft") -> None:
    """A render failed during `stage` ("inputs", "analysis", …, "mux", "publish")."""
    if ray.is_initialized():
        _counter(
            FAILURES, "Renders that failed, by the stage they failed in", ("stage", "tier")
        ).inc(1, {"stage": stage, "tier": tier})


def set_queue_depth(films: int, queue: str = "bulk") -> None:
    """How many films are waiting or rendering in `queue` ("bulk", "jobs", …) right now."""
    if ray.is_initialized():
        _gauge().set(films, {"queue": queue})


def credits_spent(amount: float, tier: str = "draft") -> None:
    """Credits captured for a finished render (call once per captured job)."""
    if ray.is_initialized():
        _counter(CREDITS_SPENT, "Credits captured for finished renders", ("tier",)).inc(
            amount, {"tier": tier}
        )


@cache
def _counter(name: str, description: str, tag_keys: tuple[str, ...]):
    from ray.util.metrics import Counter

    return Counter(name, description=description, tag_keys=tag_keys)


@cache
def _histogram():
    from ray.util.metrics import Histogram

    return Histogram(
        STAGE_SECONDS,
        description="Wall seconds each render stage took",
        boundaries=STAGE_BUCKETS,
        tag_keys=("stage", "tier"),
    )


@cache
def _gauge():
    from ray.util.metrics import Gauge

    return Gauge(QUEUE_DEPTH, description="Films waiting or rendering", tag_keys=("queue",))
