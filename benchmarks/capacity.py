"""Capacity: films per hour per g4dn.xlarge, and cost per film, from measured stage times.

    python benchmarks/capacity.py [--films 4] [--duration 60] [--parallel N] [--tier draft|studio --models DIR]

1. Renders `--films` copies of the sample screenplay (1280×720, 24 fps, generated music) through
   the bulk path itself (`cluster.bulk.render_all`: one Ray task per film, `--parallel` at a
   time) on a local Ray using every CPU here. Each stage is timed from the orchestrator's
   progress callback (`infra.progress.StageClock`).
2. Throughput here = films ÷ wall time. The draft tier is CPU-bound, so a g4dn.xlarge (4 vCPU,
   1 T4 the draft tier leaves idle) is estimated as this box's throughput × 4 ÷ vCPUs here —
   assuming its Cascade Lake vCPUs are as fast as these (run the script on a g4dn.xlarge to
   replace the estimate with a measurement: the factor is then 1). A c6i.2xlarge (8 vCPU, no
   GPU) is priced beside it. The studio tier is GPU-bound and measured only where it runs: on
   a g4dn.xlarge with its weights, through the t4 Serve app when it is deployed there
   (`RAY_ADDRESS=auto python benchmarks/capacity.py --tier studio --models /models`).
3. Cost per film = hourly price ÷ films per hour, at the NODES prices below (assumptions: AWS
   us-east-1 Linux prices as of 2025-05; spot moves with the market).

Prints the stage table and the capacity table in Markdown (for the README), then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "var" / "bench" / "capacity"
SAMPLE = ROOT / "samples" / "sample.fountain"

# name: (USD per hour, vCPUs, has a T4). AWS us-east-1 Linux prices as of 2025-05 (assumed;
# check before quoting). Spot is a typical g4dn.xlarge price; it moves with the market.
NODES = {
    "g4dn.xlarge on-demand": (0.526, 4, True),
    "g4dn.xlarge spot": (0.21, 4, True),
    "c6i.2xlarge on-demand (no GPU)": (0.34, 8, False),
}


def measure(
    films: int, duration: float, parallel: int | None, tier: str, models: str | None
) -> dict:
    """Render the films through the bulk path; wall time, vCPUs and every film's report."""
    import ray

    from cluster.bulk import render_all, studio_engines
    from cluster.manifest import Film
    from infra import ray_local

    shutil.rmtree(OUT, ignore_errors=True)
    fields = {
        "script": SAMPLE.read_text(),
        "duration": duration,
        "size": "1280x720",
        "fps": 24,
        "tier": tier,
    }
    if models:
        fields["models_dir"] = models
    batch = [
        Film(i + 1, f"film-{i + 1}", str(OUT / f"film-{i + 1}"), {**fields, "seed": i})
        for i in range(films)
    ]
    with ray_local.ray_session():
        ray_local.start()
        vcpus = ray.cluster_resources().get("CPU", os.cpu_count())
        started = time.perf_counter()
        engines = (
            studio_engines("studio") if tier == "studio" else None
        )  # the t4 app, where it runs
        reports = list(
            render_all(
                batch,
                parallel=parallel,
                max_retries=0,
                work_root=str(OUT / "work"),
                engines=engines,
            )
        )
        wall = time.perf_counter() - started
    failed = [r for r in reports if not r.ok]
    if failed:
        raise SystemExit(
            f"capacity: {failed[0].id} failed in {failed[0].stage}: {failed[0].reason}"
        )
    return {"wall_s": wall, "vcpus": vcpus, "reports": reports}


def capacity(run: dict, films: int, duration: float, tier: str) -> dict:
    """Films per hour and cost per film on each node type of NODES, from one measured run."""
    per_hour_here = films / run["wall_s"] * 3600
    rows = []
    for name, (price, vcpus, t4) in NODES.items():
        if tier == "draft":  # CPU-bound: scale by vCPUs
            per_hour = per_hour_here * vcpus / run["vcpus"]
        elif t4:  # GPU-bound: measured on the node itself
            per_hour = per_hour_here
        else:
            continue
        rows.append(
            {
                "node": name,
                "usd_per_hour": price,
                "films_per_hour": round(per_hour, 1),
                "usd_per_film": round(price / per_hour, 4),
                "usd_per_film_minute": round(price / per_hour / (duration / 60), 4),
            }
        )
    stages: dict[str, list[float]] = {}
    for report in run["reports"]:
        for stage, seconds in report.stages.items():
            stages.setdefault(stage, []).append(seconds)
    return {
        "tier": tier,
        "films": films,
        "film_s": duration,
        "wall_s": round(run["wall_s"], 1),
        "vcpus_here": run["vcpus"],
        "cpu_here": cpu_model(),
        "films_per_hour_here": round(per_hour_here, 1),
        "mean_film_wall_s": round(statistics.mean(r.wall_s for r in run["reports"]), 1),
        "stage_mean_s": {k: round(statistics.mean(v), 2) for k, v in stages.items()},
        "nodes": rows,
    }


def markdown(result: dict) -> str:
    total = sum(result["stage_mean_s"].values()) or 1
    lines = [
        f"Measured: {result['films']} × {result['film_s']:g} s {result['tier']} films (1280×720, 24 fps) on "
        f"{result['vcpus_here']:g} vCPUs ({result['cpu_here']}): {result['wall_s']:g} s wall, "
        f"{result['films_per_hour_here']:g} films/hour here; one film alone takes "
        f"{result['mean_film_wall_s']:g} s with the others running.",
        "",
        "| stage | mean s per film | share |",
        "|---|---:|---:|",
        *[
            f"| {stage} | {s:.2f} | {s / total:.0%} |"
            for stage, s in result["stage_mean_s"].items()
        ],
        "",
        "| node | $/hour | films/hour | $/film | $/film-minute |",
        "|---|---:|---:|---:|---:|",
        *[
            f"| {r['node']} | {r['usd_per_hour']:.3f} | {r['films_per_hour']:.1f} | {r['usd_per_film']:.4f} | "
            f"{r['usd_per_film_minute']:.4f} |"
            for r in result["nodes"]
        ],
    ]
    return "\n".join(lines)


def cpu_model() -> str:
    """The CPU's model name: timings differ between machines of one kind (2x seen here)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--films", type=int, default=4)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument(
        "--parallel", type=int, default=None, help="films at once (default: the bulk runner's)"
    )
    parser.add_argument("--tier", choices=("draft", "studio"), default="draft")
    parser.add_argument("--models", help="the studio tier's model directory")
    args = parser.parse_args(argv)
    run = measure(args.films, args.duration, args.parallel, args.tier, args.models)
    result = capacity(run, args.films, args.duration, args.tier)
    print(markdown(result))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
