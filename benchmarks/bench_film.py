"""`make bench`: how fast a film renders, against the encoder's own floor, and its memory.

1. A 60 s 1280×720 24 fps film (narration, two characters, generated music, 6 images, burned
   subtitles), rendered with Ray and its worker processes warm, as in the service (Ray started
   and a 20 s film rendered first: enough chunks to reach every worker); the cold CLI time, Ray's
   start-up included, is printed too.
2. The encode floor: the same encoder and settings encoding the same number of frames of one
   still image with the same audio: the same chunks, encoded by the same Ray Data tasks in
   parallel and stitched by the same `FilmEncoder`, with the still copied in where the film's
   frames are rendered. floor_ratio = wall_s / floor_s says what the rest of the pipeline
   (rendering, motion, subtitles, speech, music and mix) costs on top of encoding.
   This machine's speed drifts by a third from one minute to the next, so the film and the floor
   are measured `PAIRS` times, each floor right after its film (within a pair the drift mostly
   cancels), and the pair with the median ratio is reported (every pair is printed).
   The same again for the film without images (drawn cards in layers, with parallax), and
   `cards_s`: the time to draw all of that film's cards one after another.
3. What the speaking characters cost: the same film rendered again with characters off
   (`--no-characters`) in each pair; characters_ratio = film / film without characters, the
   median of the pairs (target ≤ 1.15).
4. Peak memory (summed over the process tree: CLI, Ray's GCS, raylet and workers, sampled
   every 0.2 s) of a 60 s 720p and a 300 s 1080p render through the CLI.

Prints a human summary, then one JSON object as the last line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

os.environ.setdefault(
    "FILMSTUDIO_MIN_DURATION", "5"
)  # the warm-up film; the timed ones are 60 and 300 s
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "var" / "bench"
SAMPLE = ROOT / "samples" / "sample.fountain"

from benchmarks import bench_stream  # noqa: E402 - needs ROOT on the path
from benchmarks.capacity import cpu_model  # noqa: E402 - needs ROOT on the path


def make_images(folder: Path, count: int = 6) -> list[Path]:
    """Six pictures of different sizes and aspects (the user's images in the benchmark)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    paths = []
    for i, (w, h) in enumerate(
        [(1600, 900), (1200, 1600), (2000, 1000), (900, 900), (3000, 2000), (1280, 720)][:count]
    ):
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        base = rng.uniform(40, 200, 3)
        img = np.stack(
            [
                base[c] + 50 * np.sin(x / (60 + 20 * c + 10 * i)) * np.cos(y / (80 + 15 * i))
                for c in range(3)
            ],
            -1,
        )
        img += rng.normal(0, 6, img.shape)
        path = folder / f"image-{i}.jpg"
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(path, quality=90)
        paths.append(path)
    return paths


def long_script(minutes: int) -> str:
    """The sample screenplay's scenes repeated, as parts, to fill a longer film."""
    text = SAMPLE.read_text()
    body = text.split("\n\n", 1)[1] if text.startswith("Title:") else text
    parts = ["Title: The Long Night\n\n"] + [
        f"INT. PART {n + 1} - NIGHT\n\n{body}\n\n" for n in range(minutes)
    ]
    return "".join(parts)


PAIRS = 5  # film and floor measured this many times each, interleaved; the median pair reported


def warm_up(images: list[Path]) -> None:
    """Start Ray and render a 20 s film: five chunks, so every chunk worker has run one."""
    from infra import ray_local
    from pipelines.orchestrator import render_film
    from pipelines.request import DurationLimits, make_request

    ray_local.start()
    script = "INT. ROOM - DAY\n\nA lamp glows.\n\nIRIS\nHello there. It is late, and the tide is turning."
    request = make_request(
        DurationLimits(min=5),
        script=script,
        images=images[:2],
        duration=20,
        size="1280x720",
        fps=24,
        burn_subtitles=True,
    )
    render_film(request, OUT / "warm-up.mp4")


def render_warm(
    images: list[Path], name: str = "film-60s.mp4", characters: bool = True, stream=None
) -> tuple[float, Path]:
    """One render of the benchmark's 60 s film: (wall seconds, the MP4); with `stream` (a
    `pipelines.stream.Publisher`), published as HLS too."""
    from pipelines.orchestrator import render_film
    from pipelines.request import make_request

    request = make_request(
        script=SAMPLE.read_text(),
        images=images,
        music="generated",
        duration=60,
        size="1280x720",
        fps=24,
        burn_subtitles=True,
        seed=3,
        characters=characters,
    )
    out = OUT / name
    started = time.perf_counter()
    render_film(request, out, stream=stream)
    return time.perf_counter() - started, out


def cards_seconds() -> float:
    """Time to draw every card of the benchmark's 60 s film (the sample, 1280x720, no
    images), one after another in this process: the illustrator's whole cost, which the
    film spreads over Ray tasks."""
    from pipelines import script, visuals

    plan = script.analyze(SAMPLE.read_text())
    calls = visuals._cards(plan, (1280, 720), seed=3, draw=False, caption=False)
    started = time.perf_counter()
    for draw in calls:
        draw()
    return time.perf_counter() - started


def render_cards_warm() -> tuple[float, Path]:
    """The benchmark's 60 s film without images: drawn, layered cards."""
    return render_warm([], name="film-60s-cards.mp4")


def encode_floor(film: Path, frames: int) -> float:
    """Encode `frames` copies of one still frame plus the film's own audio, same settings, same
    chunks and workers as the film (see `still_chunk`)."""
    import ray

    from pipelines import frames as film_frames
    from pipelines.encode import FilmEncoder, chunk_frames, rgb_to_yuv420
    from tests.utils.probe import decode_audio, decode_frames

    audio = decode_audio(film)
    still = ray.put(rgb_to_yuv420(decode_frames(film, [10.0])[0]))
    spec = film_frames.FrameSpec(1280, 720, 24, total=frames, shots=[], batch=chunk_frames(24))
    started = time.perf_counter()
    with FilmEncoder(OUT / "floor.mp4", 1280, 720, 24, audio) as encoder:
        for chunk in film_frames.stream_chunks(spec, [still], task=still_chunk):
            encoder.write_chunk(chunk)
    return time.perf_counter() - started


def still_chunk(batch: dict, spec, pictures: list) -> dict:
    """The floor's Ray Data task: `frames.encode_batch` with the still in place of rendering."""
    import ray

    from pipelines.encode import encode_chunk

    (index,) = batch["id"]
    still = ray.get(pictures[0])
    frames = [still] * len(spec.chunk(int(index)))
    chunk = encode_chunk(frames, spec.width, spec.height, spec.fps, spec.threads)
    return {"mp4": np.array([chunk], dtype=object)}


def cli_peak_rss(args: list[str]) -> tuple[float, float, float]:
    """(wall seconds, peak MB as PSS, peak MB as RSS) of a CLI render, summed over its tree.

    PSS (proportional set size) counts private pages in full and shared pages (Ray's object
    store, shared libraries) divided among the processes sharing them: the sum is what the
    render takes from the machine. The RSS sum counts every shared page once per process, so it
    overstates; both are printed."""
    cmd = [sys.executable, "-m", "filmstudio.cli", "render", *args]
    started = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_pss = peak_rss = 0
    while proc.poll() is None:
        pss = rss = 0
        for p in [proc, *proc.children(recursive=True)]:
            try:
                info = p.memory_full_info()
            except psutil.Error:
                continue
            pss, rss = pss + info.pss, rss + info.rss
        peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
        time.sleep(0.2)
    wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"render failed: {proc.stderr.read().decode()[-2000:]}")
    return wall, peak_pss / 2**20, peak_rss / 2**20


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    images = make_images(OUT / "images")

    warm_up(images)
    walls, floors, bare = [], [], []
    for pair in range(PAIRS):
        wall, film = render_warm(images)
        floor = encode_floor(film, 60 * 24)
        no_characters, _ = render_warm(images, "film-60s-no-characters.mp4", characters=False)
        walls.append(wall)
        floors.append(floor)
        bare.append(no_characters)
        print(
            f"  pair {pair + 1}: film {wall:5.2f} s, floor {floor:5.2f} s, ratio {wall / floor:.2f}"
            f"; without characters {no_characters:5.2f} s, ratio {wall / no_characters:.2f}",
            flush=True,
        )
    wall, floor = sorted(zip(walls, floors), key=lambda pair: pair[0] / pair[1])[PAIRS // 2]
    characters_ratio = sorted(w / b for w, b in zip(walls, bare))[PAIRS // 2]
    card_walls, card_floors = [], []
    for pair in range(PAIRS):
        card_wall, card_film = render_cards_warm()
        card_floor = encode_floor(card_film, 60 * 24)
        card_walls.append(card_wall)
        card_floors.append(card_floor)
        print(
            f"  cards pair {pair + 1}: film {card_wall:5.2f} s, floor {card_floor:5.2f} s, "
            f"ratio {card_wall / card_floor:.2f}",
            flush=True,
        )
    card_wall, card_floor = sorted(
        zip(card_walls, card_floors), key=lambda pair: pair[0] / pair[1]
    )[PAIRS // 2]
    cards_s = cards_seconds()
    streaming = bench_stream.measure(images, render_warm, OUT)
    import ray

    ray.shutdown()

    image_args = [a for p in images for a in ("--image", str(p))]
    cold_wall, rss_60, rss_sum_60 = cli_peak_rss(
        [
            str(SAMPLE),
            *image_args,
            "--duration",
            "60",
            "--burn-subtitles",
            "-o",
            str(OUT / "cli-60s.mp4"),
        ]
    )
    with tempfile.NamedTemporaryFile("w", suffix=".fountain", dir=OUT, delete=False) as f:
        f.write(long_script(5))
    wall_300, rss_300, rss_sum_300 = cli_peak_rss(
        [
            f.name,
            *image_args,
            "--duration",
            "300",
            "--size",
            "1920x1080",
            "-o",
            str(OUT / "cli-300s.mp4"),
        ]
    )
    os.unlink(f.name)

    result = {
        "film_s": 60.0,
        "wall_s": round(wall, 2),
        "realtime_x": round(60.0 / wall, 2),
        "floor_s": round(floor, 2),
        "floor_ratio": round(wall / floor, 2),
        "characters_ratio": round(characters_ratio, 3),
        "cards_wall_s": round(card_wall, 2),
        "cards_floor_ratio": round(card_wall / card_floor, 2),
        "cards_s": round(cards_s, 2),
        **streaming,
        "cli_wall_s_60s_720p": round(cold_wall, 2),
        "wall_s_300s_1080p": round(wall_300, 2),
        "peak_rss_mb_60s_720p": round(rss_60),
        "peak_rss_mb_300s_1080p": round(rss_300),
        "rss_sum_mb_60s_720p": round(rss_sum_60),
        "rss_sum_mb_300s_1080p": round(rss_sum_300),
    }
    print(f"\nFilm rendering (draft tier) on {cpu_model()}, {os.cpu_count()} CPUs")
    print(
        f"  60 s 720p film, Ray warm:    {wall:6.1f} s  → {60 / wall:4.1f}x real time (target ≥ 5; the median pair of {PAIRS})"
    )
    print(
        f"  encode floor (still image):  {floor:6.1f} s  → floor ratio {wall / floor:.2f} (target ≤ 1.5; the median pair of {PAIRS})"
    )
    print(
        f"  with characters / without:   {characters_ratio:6.3f}  (target ≤ 1.15; the median pair of {PAIRS})"
    )
    print(
        f"  same film without images:    {card_wall:6.1f} s  → floor ratio {card_wall / card_floor:.2f} (target ≤ 1.5; drawn, layered cards)"
    )
    print(f"  drawing its cards, serially: {cards_s:6.1f} s  (cards_s)")
    print(
        f"  same film via the CLI, cold: {cold_wall:6.1f} s, peak memory {rss_60:.0f} MB PSS ({rss_sum_60:.0f} MB RSS summed)"
    )
    print(
        f"  300 s 1080p film via CLI:    {wall_300:6.1f} s, peak memory {rss_300:.0f} MB PSS ({rss_sum_300:.0f} MB RSS summed; target < 2048)"
    )
    print(
        f"  first HLS segment published: {streaming['first_segment_s']:6.2f} s (target ≤ 3); "
        f"with / without stream {streaming['stream_overhead']:.3f} (target ≤ 1.05)"
    )
    print(f"  HLS playlist check:          {streaming['playlist']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
