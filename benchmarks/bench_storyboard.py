"""Storyboard speed: the sample's storyboard in the draft tier, from the job's start (its work
function called) to the plan and every still stored — what `POST …/storyboard` waits for once
the job runs. Target: within 1 s on the 2-core development machine (issue 21).

The job's own code runs (serve_apps/jobs/work.py: download the images, analyse, draw and store
a still per shot, build the project's storyboard document) against local storage; the median
of RUNS after a warm-up is reported as `storyboard_s` (the sample's images), and as
`storyboard_cards_s` with no images (every still a drawn card).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db.models import JobKind  # noqa: E402
from infra.settings import Settings  # noqa: E402
from infra.storage import LocalStorage  # noqa: E402
from serve_apps.jobs.work import WORK, JobContext  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
RUNS = 5


def run_once(root: Path, storage: LocalStorage, images: list[dict]) -> tuple[float, int]:
    job_id = uuid.uuid4()
    ctx = JobContext(
        job_id=job_id,
        owner_id=uuid.UUID(int=1),
        project_id=uuid.UUID(int=2),
        kind=JobKind.storyboard,
        params={
            "script": (SAMPLES / "sample.fountain").read_text(),
            "duration": 60,
            "images": images,
            "music": "generated",
            "storyboard": {"make": "all"},
        },
        attempt=1,
        last_attempt=True,
        settings=Settings(var_dir=root / "var"),
        storage=storage,
        workspace=root / "work" / str(job_id),
        progress=lambda event: None,
    )
    start = time.perf_counter()
    result = WORK[JobKind.storyboard](ctx)
    elapsed = time.perf_counter() - start
    ctx.clean_up()
    return elapsed, len(result["outputs"])


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        storage = LocalStorage(root / "media")
        images = []
        for path in sorted((SAMPLES / "images").iterdir()):
            key = f"users/1/projects/2/raw/{uuid.uuid4()}/{path.name}"
            storage.put_file(key, path)
            images.append({"asset_id": str(uuid.uuid4()), "key": key, "filename": path.name})
        run_once(root, storage, images)  # warm-up: imports, fonts, espeak-free but cold caches
        result = {}
        for name, given in (("storyboard_s", images), ("storyboard_cards_s", [])):
            times, stills = [], 0
            for _ in range(RUNS):
                elapsed, stills = run_once(root, storage, given)
                times.append(elapsed)
            median = statistics.median(times)
            what = f"{len(given)} images" if given else "drawn cards"
            print(f"storyboard of the sample, {what}: {stills} stills, median {median:.3f} s")
            print("  runs: " + ", ".join(f"{t:.3f}" for t in times))
            result[name] = round(median, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
