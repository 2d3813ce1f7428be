"""`make bench`, GPU section: each studio deployment against the bare engine call, same GPU, same run.

1. For each engine: throughput (items per second) of the engine called directly in this process
   (the diffusers / transformers call and nothing else), then of the same engine behind its
   Serve deployment (one replica on the whole GPU, requests sent concurrently through a handle
   so the deployment's batching works as in production). ratio = served / bare; target ≥ 0.8.
2. TTS: four 0.25-GPU replicas against one 1.0-GPU replica under the same load of lines.

Models: `--models DIR` (a real model directory), else the tiny random-weight set with heavier
settings (more steps, longer audio) so that each call is GPU work, not just Python overhead.
Skipped without CUDA (`--cpu` runs it anyway on logical GPUs, to smoke-test this script).
Prints a human summary, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.engines import engine_class, check_models_dir  # noqa: E402
from pipelines.engines.loader import OPTIONS_FILE, engine_dir  # noqa: E402
from pipelines.plan import Plan, Scene, Shot  # noqa: E402

# Heavier settings for the tiny models: enough GPU work per call to measure serving overhead.
BENCH_OPTIONS = {
    "sdxl": {"steps": 30, "guidance": 5.0},
    "svd": {"steps": 25, "decode_chunk_size": 8},
    "llm": {"max_new_tokens": 256, "shots_per_request": 8},
    "musicgen": {"max_seconds": 8.0},
}
SIZE = (1280, 720)
LINE = "The keeper climbs the stairs with a lantern, counting every step out loud."


class Workload:
    """What one engine is asked to do: `items` units, as the bare call and as handle requests."""

    def __init__(self, name: str, items: int, bare, served):
        self.name, self.items, self.bare, self.served = name, items, bare, served


def workloads() -> dict[str, Workload]:
    from PIL import Image

    prompts = [f"a lighthouse at dusk, shot {i}" for i in range(8)]
    still = Image.new("RGB", SIZE, (180, 120, 60))
    lines = [f"{LINE} ({i})" for i in range(64)]
    plans = [Plan(f"film {i}", [Scene("INT. LIGHTHOUSE - NIGHT", [Shot(f"Shot {j}.") for j in range(8)])], [])
             for i in range(4)]

    def batches(items, size):
        return [items[i:i + size] for i in range(0, len(items), size)]

    return {
        # SDXL: the deployment batches up to 4 prompts; bare calls take the same batches.
        "sdxl": Workload("sdxl", len(prompts),
                         lambda e: [e(b, SIZE, 0) for b in batches(prompts, 4)],
                         lambda h: [h.generate.remote(p, SIZE, i) for i, p in enumerate(prompts)]),
        "svd": Workload("svd", 4,
                        lambda e: [e(still, 14, SIZE, i) for i in range(4)],
                        lambda h: [h.clip.remote(still, 14, SIZE, i) for i in range(4)]),
        "tts": Workload("tts", len(lines),
                        lambda e: [e(b, "en", 0) for b in batches(lines, 16)],
                        lambda h: [h.speak.remote(t, "en", 0) for t in lines]),
        "musicgen": Workload("musicgen", 4,
                             lambda e: [e("calm film score", 8.0, i) for i in range(4)],
                             lambda h: [h.generate.remote("calm film score", 8.0, i) for i in range(4)]),
        "llm": Workload("llm", len(plans),
                        lambda e: e.plan_many(["script"] * len(plans), plans),
                        lambda h: [h.plan.remote("script", p) for p in plans]),
    }


def bench_bare(work: Workload, models: Path, rounds: int) -> float:
    """Items per second of the engine called directly, after one warm-up round."""
    import torch

    engine = engine_class(work.name).load(engine_dir(models, work.name))
    work.bare(engine)
    start = time.perf_counter()
    for _ in range(rounds):
        work.bare(engine)
        torch.cuda.synchronize() if torch.cuda.is_available() else None
    rate = work.items * rounds / (time.perf_counter() - start)
    del engine
    _free_gpu()
    return rate


def bench_served(work: Workload, models: Path, rounds: int, *, replicas: int = 1, gpus: float = 1.0) -> float:
    """Items per second through the Serve deployment, all of a round's requests in flight at once."""
    from ray import serve

    from serve_apps.deployments import deployments

    deployment = deployments()[work.name].options(
        num_replicas=replicas, autoscaling_config=None, ray_actor_options={"num_gpus": gpus, "num_cpus": 1})
    handle = serve.run(deployment.bind(str(models)), name=f"bench-{work.name}", route_prefix=None)
    _results(work.served(handle))
    start = time.perf_counter()
    for _ in range(rounds):
        _results(work.served(handle))
    rate = work.items * rounds / (time.perf_counter() - start)
    serve.delete(f"bench-{work.name}")
    return rate


def bench_tts_split(models: Path, rounds: int) -> dict[str, float]:
    """Four quarter-GPU TTS replicas against one whole-GPU replica, 4× the usual load of lines."""
    lines = [f"{LINE} ({i})" for i in range(256)]
    heavy = Workload("tts", len(lines), None, lambda h: [h.speak.remote(t, "en", 0) for t in lines])
    quarters = bench_served(heavy, models, rounds, replicas=4, gpus=0.25)
    whole = bench_served(heavy, models, rounds, replicas=1, gpus=1.0)
    return {"tts_4x025_lines_per_s": quarters, "tts_1x1_lines_per_s": whole, "tts_4x025_vs_1x1": quarters / whole}


def _results(responses: list) -> list:
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda r: r.result(timeout_s=600), responses))


def _free_gpu() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def bench_models(out: Path) -> Path:
    """The tiny model set, with heavier per-call settings written into each studio.json."""
    from pipelines.engines.tiny import build_tiny_models

    build_tiny_models(out)
    for name, options in BENCH_OPTIONS.items():
        (out / name / OPTIONS_FILE).write_text(json.dumps(options))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="a model directory (default: tiny models, heavier settings)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default="llm,sdxl,svd,tts,musicgen")
    parser.add_argument("--cpu", action="store_true", help="run without CUDA (a smoke test; numbers mean nothing)")
    args = parser.parse_args(argv)

    import torch

    if not torch.cuda.is_available() and not args.cpu:
        print("skipped: no CUDA device")
        print(json.dumps({}))
        return 0

    import ray

    with tempfile.TemporaryDirectory() as tmp:
        models = args.models or bench_models(Path(tmp))
        ready = {s.engine for s in check_models_dir(models) if s.ready}
        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu (smoke test)"
        ray.init(address="local", num_gpus=1, include_dashboard=False, log_to_driver=False,
                 **({"num_cpus": 4} if args.cpu else {}))
        print(f"device: {gpu}; models: {args.models or 'tiny (bench settings)'}")
        results: dict = {"gpu_device": gpu}
        for name in args.engines.split(","):
            if name not in ready:
                print(f"{name}: not in the model directory, skipped")
                continue
            work = workloads()[name]
            bare = bench_bare(work, models, args.rounds)
            served = bench_served(work, models, args.rounds)
            ratio = served / bare
            flag = "ok" if ratio >= 0.8 else "BELOW 0.8"
            print(f"{name:9s} bare {bare:8.2f}/s  served {served:8.2f}/s  ratio {ratio:.2f}  {flag}")
            results.update({f"gpu_{name}_bare_per_s": bare, f"gpu_{name}_served_per_s": served,
                            f"gpu_{name}_served_vs_bare": ratio})
        if "tts" in ready and "tts" in args.engines.split(","):
            split = bench_tts_split(models, args.rounds)
            print(f"tts       4x0.25 GPU {split['tts_4x025_lines_per_s']:.1f} lines/s, "
                  f"1x1.0 GPU {split['tts_1x1_lines_per_s']:.1f} lines/s, ratio {split['tts_4x025_vs_1x1']:.2f}")
            results.update({f"gpu_{k}": v for k, v in split.items()})
        from ray import serve

        serve.shutdown()
        ray.shutdown()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
