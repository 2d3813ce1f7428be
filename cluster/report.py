"""What a bulk run tells its user: one `FilmReport` per manifest row, as JSON and as a table.

Statuses: `done` (rendered now), `skipped` (finished by an earlier submit), `failed` (the render
raised; `stage` says where) and `invalid` (the row was refused before any work).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field

from rich.console import Console
from rich.table import Table

from cluster import uris

STATUS_STYLE = {"done": "green", "skipped": "cyan", "failed": "bold red", "invalid": "red"}


@dataclass
class FilmReport:
    row: int
    id: str | None
    status: str  # done | skipped | failed | invalid
    duration: float | None = None  # seconds of film
    wall_s: float | None = None  # seconds the render took
    output: str | None = None  # the MP4's location
    reason: str | None = None  # why it failed or was refused
    stage: str | None = None  # the stage a failed render was in
    node: str | None = None  # the Ray node id that rendered it
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage
    fingerprint: str | None = None  # the manifest row's hash (see Film.fingerprint)
    title: str | None = None  # the script's title
    chapters: list = field(default_factory=list)  # [start s, scene heading] per scene
    youtube: dict | None = None  # where it was published: video_id, url, steps

    @property
    def ok(self) -> bool:
        return self.status in ("done", "skipped")


def summary(reports: list[FilmReport], **extra) -> dict:
    """The JSON-ready summary of a run: counts, then one entry per row in manifest order."""
    reports = sorted(reports, key=lambda r: r.row)
    return {
        "counts": dict(Counter(r.status for r in reports)),
        **extra,
        "films": [asdict(r) for r in reports],
    }


def write_summary(data: dict, uri: str) -> None:
    uris.write_text(uri, json.dumps(data, indent=2) + "\n")


def print_table(reports: list[FilmReport], console: Console | None = None) -> None:
    """The run as a table: row, film, status, length, wall time, output (or the reason)."""
    console = console or Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title="bulk render", show_lines=False)
    for name, justify in [
        ("row", "right"),
        ("film", "left"),
        ("status", "left"),
        ("length", "right"),
        ("wall", "right"),
        ("output / reason", "left"),
    ]:
        table.add_column(name, justify=justify, overflow="fold")
    for r in sorted(reports, key=lambda r: r.row):
        detail = r.output if r.ok else f"{r.stage + ': ' if r.stage else ''}{r.reason}"
        if r.ok and r.youtube:
            detail = f"{detail} → {r.youtube['url']}"
        table.add_row(
            str(r.row),
            r.id or "—",
            f"[{STATUS_STYLE[r.status]}]{r.status}[/]",
            f"{r.duration:.1f} s" if r.duration is not None else "—",
            f"{r.wall_s:.1f} s" if r.wall_s is not None else "—",
            detail or "—",
        )
    console.print(table)
    counts = Counter(r.status for r in reports)
    console.print(", ".join(f"{n} {status}" for status, n in counts.items()) or "no rows")
