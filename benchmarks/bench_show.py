"""The audiogram look's cost per frame: `audiogram.draw` (the dimmed band and the bars) on
yuv420p frames at 720p and 1080p, against the target of staying small beside a frame's render
(tens of milliseconds, see results.md's "Frames and encode").

Prints a summary, then one JSON line: audiogram_draw_ms_720p, audiogram_draw_ms_1080p.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines import audiogram  # noqa: E402

FRAMES = 240
TARGET_MS = 3.0  # per 720p frame


def draw_ms(width: int, height: int) -> float:
    """Median of five runs of FRAMES frames, in ms per frame (bars of a moving random voice)."""
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, width * height * 3 // 2, dtype=np.uint8)
    rows = rng.integers(0, 256, (FRAMES, audiogram.BARS), dtype=np.uint8)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for row in rows:
            audiogram.draw(frame, width, height, row)
        runs.append((time.perf_counter() - start) / FRAMES * 1000)
    return sorted(runs)[2]


def main() -> None:
    hd, full = draw_ms(1280, 720), draw_ms(1920, 1080)
    print(f"audiogram draw 1280x720:  {hd:5.2f} ms/frame (target ≤ {TARGET_MS:g})")
    print(f"audiogram draw 1920x1080: {full:5.2f} ms/frame")
    print(
        json.dumps(
            {"audiogram_draw_ms_720p": round(hd, 2), "audiogram_draw_ms_1080p": round(full, 2)}
        )
    )


if __name__ == "__main__":
    main()
