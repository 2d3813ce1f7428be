"""`make bench`, GPU section: each studio engine against the bare library call, same GPU, same run.

For each engine, up to three ways of doing the same work, timed in alternating rounds in one
process (so clock and thermal drift hit all of them alike):

  library  the diffusers / transformers call and nothing else (pipeline or `generate` called
           directly, model loaded with the library's own `from_pretrained`);
  engine   our engine class (`pipelines/engines`), loaded with its own `load`, called as the
           film pipeline calls it (framing, resampling, JSON parsing included);
  served   the same engine behind its Ray Serve deployment (one replica on the whole GPU, a
           round's requests sent concurrently through a handle so the deployment batches them).

ratio = engine / library and served / library (items per second); target >= 0.8.
Then TTS: four quarter-GPU workers against one whole-GPU worker under the same load of lines,
as Serve replicas (num_gpus 0.25) and/or as plain processes, each capped to a quarter of the
card's memory with torch.cuda.set_per_process_memory_fraction (`--tts-split`).

Models: `--models DIR` (a real model directory), `--size full` (random weights in the real
models' configurations, built here on the GPU: SDXL base 1.0, SVD-XT, Qwen2.5-7B-Instruct,
MMS-TTS, MusicGen-medium; nothing downloaded), else the tiny random-weight set with heavier
settings (`--size tiny`, the default). Serve is skipped when Ray is not installed (`--serve`).
Skipped without CUDA (`--cpu` runs it anyway, to smoke-test this script).
Prints a human summary, then one JSON object as the last line (`--json FILE` writes it too).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.engines import LINE_BATCH, batches, check_models_dir, engine_class  # noqa: E402
from pipelines.engines.loader import OPTIONS_FILE, engine_dir  # noqa: E402
from pipelines.plan import Plan, Scene, Shot  # noqa: E402

SIZE = (1280, 720)  # the film's frame
LINE = "The keeper climbs the stairs with a lantern, counting every step out loud."
GIB = 2**30

# Per-call settings written into each model's studio.json, and the work of one round.
SETTINGS = {
    # the tiny models: heavier settings so that each call is GPU work, not just Python overhead
    "tiny": {
        "options": {
            "sdxl": {"steps": 30, "guidance": 5.0},
            "svd": {"steps": 25, "decode_chunk_size": 8},
            "llm": {"max_new_tokens": 256, "shots_per_request": 8},
            "musicgen": {"max_seconds": 8.0},
        },
        "round": {
            "sdxl_prompts": 8,
            "svd_clips": 4,
            "svd_frames": 14,
            "llm_films": 4,
            "tts_lines": 64,
            "music_pieces": 4,
            "music_seconds": 8.0,
        },
    },
    # the real configurations: fewer steps than production so that a round takes seconds
    "full": {
        "options": {
            "sdxl": {"steps": 15, "guidance": 5.0},
            "svd": {"steps": 8, "decode_chunk_size": 8},
            "llm": {"max_new_tokens": 128, "shots_per_request": 8},
            "musicgen": {"max_seconds": 3.0},
        },
        "round": {
            "sdxl_prompts": 4,
            "svd_clips": 1,
            "svd_frames": 14,
            "llm_films": 4,
            "tts_lines": 64,
            "music_pieces": 1,
            "music_seconds": 3.0,
        },
    },
}
SDXL_BATCH = (
    4  # the SDXL deployment's max batch; the engine and library calls take the same batches
)
TTS_BATCH = LINE_BATCH  # lines per TTS model call, and per request to the TTS deployment


# -- the work of one round, three ways ----------------------------------------------------------


class Workload:
    """What one engine is asked to do in a round: `items` units as a library call, an engine call
    and Serve requests. `library(path)` loads the model with the library alone and returns the
    round's callable; `engine(e)` and `served(h)` run a round on a loaded engine / a handle."""

    def __init__(self, name: str, items: int, library, engine, served):
        self.name, self.items, self.library, self.engine, self.served = (
            name,
            items,
            library,
            engine,
            served,
        )


def _dtype():
    import torch

    from pipelines.engines.loader import torch_dtype

    return torch_dtype("cuda" if torch.cuda.is_available() else "cpu")


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _plans(films: int) -> list[Plan]:
    return [
        Plan(
            f"film {i}",
            [Scene("INT. LIGHTHOUSE - NIGHT", [Shot(f"Shot {j}.") for j in range(8)])],
            [],
        )
        for i in range(films)
    ]


def workloads(settings: dict) -> dict[str, Workload]:
    from PIL import Image

    r = settings["round"]
    opts = settings["options"]
    prompts = [f"a lighthouse at dusk, shot {i}" for i in range(r["sdxl_prompts"])]
    still = Image.new("RGB", SIZE, (180, 120, 60))
    lines = [f"{LINE} ({i})" for i in range(r["tts_lines"])]
    plans = _plans(r["llm_films"])
    music = "calm film score"

    # -- SDXL
    def sdxl_library(path):
        import torch
        from diffusers import StableDiffusionXLPipeline

        from pipelines.engines.framing import generation_size, latent_grid
        from pipelines.engines.sdxl import NEGATIVE_PROMPT

        pipe = StableDiffusionXLPipeline.from_pretrained(
            path, dtype=_dtype(), local_files_only=True, use_safetensors=True
        ).to(_device())
        pipe.set_progress_bar_config(disable=True)
        width, height = generation_size(SIZE, *latent_grid(pipe))  # as the engine computes them
        o = opts.get("sdxl", {})

        def run():
            return [
                image
                for b in batches(range(len(prompts)), SDXL_BATCH)
                for image in pipe(
                    prompt=[prompts[i] for i in b],
                    negative_prompt=[NEGATIVE_PROMPT] * len(b),
                    width=width,
                    height=height,
                    num_inference_steps=o.get("steps", 30),
                    guidance_scale=o.get("guidance", 6.0),
                    generator=[torch.Generator("cpu").manual_seed(i) for i in b],
                ).images
            ]

        return pipe, run

    # -- SVD
    def svd_library(path):
        import torch
        from diffusers import StableVideoDiffusionPipeline

        from pipelines.engines.framing import cover_fit, generation_size, latent_grid

        pipe = StableVideoDiffusionPipeline.from_pretrained(
            path, dtype=_dtype(), local_files_only=True, use_safetensors=True
        ).to(_device())
        pipe.set_progress_bar_config(disable=True)
        width, height = generation_size(SIZE, *latent_grid(pipe))  # as the engine computes them
        image = cover_fit(still, (width, height))  # the library gets the still at its own size
        o = opts.get("svd", {})

        def run():
            return [
                pipe(
                    image,
                    height=height,
                    width=width,
                    num_frames=r["svd_frames"],
                    num_inference_steps=o.get("steps", 25),
                    fps=7,
                    motion_bucket_id=127,
                    noise_aug_strength=0.02,
                    decode_chunk_size=o.get("decode_chunk_size", 8),
                    generator=torch.Generator("cpu").manual_seed(i),
                ).frames[0]
                for i in range(r["svd_clips"])
            ]

        return pipe, run

    # -- TTS
    def tts_library(path):
        import torch
        from transformers import AutoTokenizer, VitsModel

        model = (
            VitsModel.from_pretrained(Path(path) / "en", local_files_only=True).to(_device()).eval()
        )
        tokenizer = AutoTokenizer.from_pretrained(Path(path) / "en", local_files_only=True)

        def run():
            out = []
            for batch in batches(lines, TTS_BATCH):
                inputs = tokenizer(batch, padding=True, return_tensors="pt").to(_device())
                torch.manual_seed(0)
                with torch.inference_mode():
                    spoken = model(**inputs)
                out.append(
                    (spoken.waveform.float().cpu().numpy(), spoken.sequence_lengths.cpu().numpy())
                )
            return out

        return model, run

    # -- MusicGen
    def musicgen_library(path):
        import torch
        from transformers import AutoTokenizer, MusicgenForConditionalGeneration

        model = (
            MusicgenForConditionalGeneration.from_pretrained(
                path, dtype=_dtype(), local_files_only=True
            )
            .to(_device())
            .eval()
        )
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        steps = round(r["music_seconds"] * model.config.audio_encoder.frame_rate)

        def run():
            out = []
            for i in range(r["music_pieces"]):
                torch.manual_seed(i)
                inputs = tokenizer([music], padding=True, return_tensors="pt").to(_device())
                with torch.inference_mode():
                    audio = model.generate(
                        **inputs, max_new_tokens=steps, do_sample=True, guidance_scale=3.0
                    )
                out.append(audio[0].float().cpu().numpy())
            return out

        return model, run

    # -- LLM
    def llm_library(path):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from pipelines.engines.llm import LLMEngine, _chat, with_derived_prompts
        from pipelines.engines.loader import read_options

        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, padding_side="left")
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        model = (
            AutoModelForCausalLM.from_pretrained(path, dtype=_dtype(), local_files_only=True)
            .to(_device())
            .eval()
        )
        options = read_options(path)
        # The very prompts the engine sends (built once, outside the timing).
        builder = LLMEngine(SimpleNamespace(device=_device()), **options)
        texts = []
        for plan in plans:
            plan = with_derived_prompts(plan)
            located = [(scene, shot) for scene in plan.scenes for shot in scene.shots]
            for i in range(0, len(located), builder.shots_per_request):
                chunk = located[i : i + builder.shots_per_request]
                texts.append(
                    _chat(tokenizer, builder.prompt(plan, chunk, "script" if i == 0 else ""))
                )

        def run():
            inputs = tokenizer(texts, padding=True, return_tensors="pt").to(_device())
            with torch.inference_mode():
                out = model.generate(
                    **inputs,
                    max_new_tokens=builder.max_new_tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id,
                )
            return tokenizer.batch_decode(
                out[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True
            )

        return model, run

    return {
        "sdxl": Workload(
            "sdxl",
            len(prompts),
            sdxl_library,
            lambda e: [
                e([prompts[i] for i in b], SIZE, list(b))
                for b in batches(range(len(prompts)), SDXL_BATCH)
            ],
            lambda h: [h.generate.remote(p, SIZE, i) for i, p in enumerate(prompts)],
        ),
        "svd": Workload(
            "svd",
            r["svd_clips"],
            svd_library,
            lambda e: [e(still, r["svd_frames"], SIZE, i) for i in range(r["svd_clips"])],
            lambda h: [
                h.clip.remote(still, r["svd_frames"], SIZE, i) for i in range(r["svd_clips"])
            ],
        ),
        "tts": Workload(
            "tts",
            len(lines),
            tts_library,
            lambda e: [e(b, "en", 0) for b in batches(lines, TTS_BATCH)],
            lambda h: [h.speak.remote(b, "en", 0) for b in batches(lines, TTS_BATCH)],
        ),
        "musicgen": Workload(
            "musicgen",
            r["music_pieces"],
            musicgen_library,
            lambda e: [e(music, r["music_seconds"], i) for i in range(r["music_pieces"])],
            lambda h: [
                h.generate.remote(music, r["music_seconds"], i) for i in range(r["music_pieces"])
            ],
        ),
        "llm": Workload(
            "llm",
            len(plans),
            llm_library,
            lambda e: e.plan_many(["script"] * len(plans), plans),
            lambda h: [h.plan.remote("script", p) for p in plans],
        ),
    }


# -- timing ------------------------------------------------------------------------------------


def _sync() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _allocated() -> int:
    import torch

    return torch.cuda.memory_allocated() if torch.cuda.is_available() else 0


def _free_gpu() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _results(responses: list) -> list:
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda r: r.result(timeout_s=900), responses))


def _serve_app(name: str, models: Path, *, replicas: int = 1, gpus: float = 1.0):
    """Deploy one engine's Serve deployment; its handle."""
    from ray import serve

    from serve_apps.deployments import deployments

    deployment = deployments()[name].options(
        num_replicas=replicas,
        autoscaling_config=None,
        ray_actor_options={"num_gpus": gpus, "num_cpus": 1},
    )
    return serve.run(deployment.bind(str(models)), name=f"bench-{name}", route_prefix=None)


def bench_engine(
    work: Workload,
    models: Path,
    rounds: int,
    serve_on: bool,
    ways: tuple[str, ...] = ("library", "engine", "served"),
) -> dict:
    """Items per second of each way (median of `rounds` alternating rounds after one warm-up each),
    and GPU memory of the in-process ways: weights after load, and weights + the peak of a call."""
    import torch

    path = engine_dir(models, work.name)
    runs: dict = {}
    memory: dict = {}
    keep = []  # models stay loaded until every way is done

    base = _allocated()
    lib_model, lib_run = work.library(path)
    runs["library"] = lib_run
    memory["library"] = {"weights": _allocated() - base}
    keep.append(lib_model)
    del lib_model, lib_run

    if "engine" in ways:
        base = _allocated()
        engine = engine_class(work.name).load(path)
        if work.name == "tts":
            engine.voice("en")  # the TTS engine loads a language's model on first use
        runs["engine"] = lambda engine=engine: work.engine(engine)
        memory["engine"] = {"weights": _allocated() - base}
        keep.append(engine)
        del engine

    if serve_on and "served" in ways:
        try:
            handle = _serve_app(work.name, models)
            runs["served"] = lambda: _results(work.served(handle))
        except Exception as exc:  # noqa: BLE001 - a deployment that cannot start is a finding, not a crash
            print(f"{work.name}: Serve deployment failed: {exc!r}")

    times: dict[str, list[float]] = {way: [] for way in runs}
    for way, run in runs.items():  # warm-up (and the memory peak of one call)
        base = _allocated()
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        run()
        _sync()
        if way in memory and torch.cuda.is_available():
            memory[way]["call_peak"] = torch.cuda.max_memory_allocated() - base
    for _ in range(rounds):
        for way, run in runs.items():
            start = time.perf_counter()
            run()
            _sync()
            times[way].append(time.perf_counter() - start)

    if "served" in runs:
        from ray import serve

        serve.delete(f"bench-{work.name}")
    keep.clear()
    runs.clear()
    _free_gpu()
    rates = {way: work.items / statistics.median(t) for way, t in times.items()}
    return {"rates": rates, "times": times, "memory": memory}


# -- TTS: four quarter-GPU workers against one whole-GPU worker -----------------------------------


def bench_tts_split_serve(
    models: Path, rounds: int, lines_per_round: int = 256
) -> dict[str, float]:
    """Four 0.25-GPU TTS replicas against one 1.0-GPU replica, the same lines sent at once."""
    lines = [f"{LINE} ({i})" for i in range(lines_per_round)]
    out = {}
    for label, replicas, gpus in (("4x025", 4, 0.25), ("1x1", 1, 1.0)):
        from ray import serve

        handle = _serve_app("tts", models, replicas=replicas, gpus=gpus)
        _results([handle.speak.remote(b, "en", 0) for b in batches(lines, TTS_BATCH)])
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            _results([handle.speak.remote(b, "en", 0) for b in batches(lines, TTS_BATCH)])
            times.append(time.perf_counter() - start)
        out[f"tts_serve_{label}_lines_per_s"] = lines_per_round / statistics.median(times)
        serve.delete("bench-tts")
    out["tts_serve_4x025_vs_1x1"] = (
        out["tts_serve_4x025_lines_per_s"] / out["tts_serve_1x1_lines_per_s"]
    )
    return out


def _tts_worker(models: str, share: float, lines: int, rounds: int, barrier, queue) -> None:
    """One process: the TTS engine capped to `share` of the GPU's memory, `rounds` rounds of
    `lines` lines in batches of TTS_BATCH, started together with the others at `barrier`."""
    sys.path.insert(0, str(ROOT))
    import torch

    engine = engine_class("tts").load(engine_dir(Path(models), "tts"), memory_share=share)
    texts = [f"{LINE} ({i})" for i in range(lines)]
    for batch in batches(texts, TTS_BATCH):  # warm-up
        engine(batch, "en", 0)
    _sync()
    barrier.wait()
    stamps = []
    for _ in range(rounds):
        start = time.time()
        for batch in batches(texts, TTS_BATCH):
            engine(batch, "en", 0)
        _sync()
        stamps.append((start, time.time()))
    peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else 0
    queue.put({"stamps": stamps, "lines": lines, "peak": peak})


def bench_tts_split_procs(
    models: Path, rounds: int, lines_per_round: int = 256
) -> dict[str, float]:
    """Four processes, each capped to a quarter of the GPU's memory and speaking a quarter of the
    lines, against one uncapped process speaking all of them; the same rounds, started together.
    lines/s = all lines spoken / (last end - first start), per round, median over rounds."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    out = {}
    for label, workers, share in (("4x025", 4, 0.25), ("1x1", 1, None)):
        barrier, queue = ctx.Barrier(workers), ctx.Queue()
        procs = [
            ctx.Process(
                target=_tts_worker,
                args=(str(models), share, lines_per_round // workers, rounds, barrier, queue),
            )
            for _ in range(workers)
        ]
        for p in procs:
            p.start()
        reports = [queue.get(timeout=900) for _ in procs]
        for p in procs:
            p.join()
        per_round = []
        for k in range(rounds):
            start = min(rep["stamps"][k][0] for rep in reports)
            end = max(rep["stamps"][k][1] for rep in reports)
            per_round.append(lines_per_round / (end - start))
        out[f"tts_procs_{label}_lines_per_s"] = statistics.median(per_round)
        out[f"tts_procs_{label}_peak_gib_per_process"] = max(rep["peak"] for rep in reports) / GIB
    out["tts_procs_4x025_vs_1x1"] = (
        out["tts_procs_4x025_lines_per_s"] / out["tts_procs_1x1_lines_per_s"]
    )
    return out


# -- model directories ---------------------------------------------------------------------------


def bench_models(
    out: Path, size: str = "tiny", engines=("llm", "sdxl", "svd", "tts", "musicgen")
) -> Path:
    """The tiny model set, or the full-size random-weight set, with the bench settings written
    into each studio.json."""
    from pipelines.engines.random_weights import build_full_models, build_tiny_models

    if size == "full":
        build_full_models(out, engines)
    else:
        build_tiny_models(out, engines)
    for name, options in SETTINGS[size]["options"].items():
        if name in engines:
            (out / name / OPTIONS_FILE).write_text(json.dumps(options))
    return out


# -- main ----------------------------------------------------------------------------------------


def _ray_available() -> bool:
    import importlib.util

    return (
        importlib.util.find_spec("ray") is not None
        and importlib.util.find_spec("ray.serve") is not None
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", type=Path, help="a model directory (default: built here, see --size)"
    )
    parser.add_argument(
        "--size",
        choices=["tiny", "full"],
        default="tiny",
        help="models built here: tiny test models, or random weights in the real configs",
    )
    parser.add_argument(
        "--keep-models",
        type=Path,
        help="build the models into this directory and keep them "
        "(reused when it already holds them)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default="llm,sdxl,svd,tts,musicgen")
    parser.add_argument(
        "--serve",
        choices=["auto", "on", "off"],
        default="auto",
        help="the Serve way too (auto: when Ray is installed)",
    )
    parser.add_argument(
        "--tts-split",
        choices=["auto", "serve", "procs", "both", "off"],
        default="auto",
        help="4x0.25 vs 1x1.0 TTS workers: Serve replicas, capped processes (auto: Serve "
        "when on, else processes)",
    )
    parser.add_argument(
        "--ways",
        default="library,engine,served",
        help="which ways to time besides the library call (engine, served)",
    )
    parser.add_argument("--json", type=Path, help="also write the JSON object to this file")
    parser.add_argument(
        "--cpu", action="store_true", help="run without CUDA (a smoke test; numbers mean nothing)"
    )
    args = parser.parse_args(argv)

    import torch

    if not torch.cuda.is_available() and not args.cpu:
        print("skipped: no CUDA device")
        print(json.dumps({}))
        return 0

    engines = [e for e in args.engines.split(",") if e]
    serve_on = args.serve == "on" or (args.serve == "auto" and _ray_available())
    split = args.tts_split if args.tts_split != "auto" else ("serve" if serve_on else "procs")
    settings = SETTINGS["tiny" if args.models else args.size]

    with tempfile.TemporaryDirectory() as tmp:
        if args.models:
            models = args.models
        else:
            models = args.keep_models or Path(tmp)
            models.mkdir(parents=True, exist_ok=True)
            ready = {s.engine for s in check_models_dir(models) if s.ready}
            missing = [e for e in engines if e not in ready]
            if missing:
                bench_models(models, args.size, missing)
        ready = {s.engine for s in check_models_dir(models) if s.ready}
        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu (smoke test)"
        results: dict = {
            "gpu_device": gpu,
            "gpu_models": str(args.models or args.size),
            "gpu_torch": torch.__version__,
        }
        if serve_on:
            try:
                import ray

                ray.init(
                    address="local",
                    num_gpus=1,
                    include_dashboard=False,
                    log_to_driver=False,
                    object_store_memory=8 * GIB,
                    **({"num_cpus": 4} if args.cpu else {}),
                )
            except Exception as exc:  # noqa: BLE001 - measure the rest without Serve
                print(f"Ray did not start ({exc!r}): Serve is left out", flush=True)
                serve_on = False
        print(
            f"device: {gpu}; models: {args.models or args.size}; serve: {'on' if serve_on else 'off'}",
            flush=True,
        )
        for name in engines:
            if name not in ready:
                print(f"{name}: not in the model directory, skipped")
                continue
            work = workloads(settings)[name]
            try:
                measured = bench_engine(
                    work, models, args.rounds, serve_on, tuple(args.ways.split(","))
                )
            except Exception as exc:  # noqa: BLE001 - report and go on with the other engines
                import traceback

                traceback.print_exc()
                print(f"{name}: FAILED {exc!r}", flush=True)
                results[f"gpu_{name}_error"] = repr(exc)
                _free_gpu()
                continue
            rates, memory = measured["rates"], measured["memory"]
            if serve_on and "served" not in rates:
                print("Serve is left out for the other engines too", flush=True)
                serve_on = False
            lib = rates["library"]
            line = f"{name:9s} library {lib:8.3f}/s"
            if "engine" in rates:
                line += f"  engine {rates['engine']:8.3f}/s ({rates['engine'] / lib:.2f})"
            if "served" in rates:
                line += f"  served {rates['served']:8.3f}/s ({rates['served'] / lib:.2f})"
            flags = [r / lib for r in rates.values()]
            line += "  ok" if min(flags) >= 0.8 else "  BELOW 0.8"
            print(line, flush=True)
            for way, mem in memory.items():
                total = mem["weights"] + mem.get("call_peak", 0)
                print(
                    f"          {way}: weights {mem['weights'] / GIB:.2f} GiB, peak in a call {total / GIB:.2f} GiB"
                )
                results[f"gpu_{name}_{way}_weights_gib"] = mem["weights"] / GIB
                results[f"gpu_{name}_{way}_peak_gib"] = total / GIB
            for way, rate in rates.items():
                results[f"gpu_{name}_{way}_per_s"] = rate
                results[f"gpu_{name}_{way}_round_s"] = measured["times"][way]
                if way != "library":
                    results[f"gpu_{name}_{way}_vs_library"] = rate / lib
            if args.json:  # as we go: a run cut short still leaves its numbers
                args.json.write_text(json.dumps(results, indent=1))
        if "tts" in ready and "tts" in engines and split != "off":
            if split in ("serve", "both") and serve_on:
                try:
                    s = bench_tts_split_serve(models, args.rounds)
                    print(
                        f"tts serve  4x0.25 GPU {s['tts_serve_4x025_lines_per_s']:.1f} lines/s, "
                        f"1x1.0 GPU {s['tts_serve_1x1_lines_per_s']:.1f} lines/s, "
                        f"ratio {s['tts_serve_4x025_vs_1x1']:.2f}",
                        flush=True,
                    )
                    results.update({f"gpu_{k}": v for k, v in s.items()})
                except Exception as exc:  # noqa: BLE001
                    print(f"tts serve split: FAILED {exc!r}", flush=True)
            if split in ("procs", "both") or (split == "serve" and not serve_on):
                try:
                    p = bench_tts_split_procs(models, args.rounds)
                    print(
                        f"tts procs  4x0.25 mem {p['tts_procs_4x025_lines_per_s']:.1f} lines/s, "
                        f"1x1.0 {p['tts_procs_1x1_lines_per_s']:.1f} lines/s, "
                        f"ratio {p['tts_procs_4x025_vs_1x1']:.2f}",
                        flush=True,
                    )
                    results.update({f"gpu_{k}": v for k, v in p.items()})
                except Exception as exc:  # noqa: BLE001
                    print(f"tts procs split: FAILED {exc!r}", flush=True)
        if args.json:  # before shutting Ray down, which has crashed at exit on a GPU machine
            args.json.write_text(json.dumps(results, indent=1))
        if serve_on:
            import ray
            from ray import serve

            serve.shutdown()
            ray.shutdown()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
