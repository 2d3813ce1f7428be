"""Frames: every picture of the film, rendered and encoded in chunks by Ray Data, in order.

The timeline becomes a `FrameSpec` (plain numbers: which shot covers which frames, its picture,
its Ken Burns move, crossfades, burned-in cues). Ray Data maps `encode_batch` over chunks of
frames (whole closed GOPs, see `encode.ChunkEncoder`) on a pool of tasks: each renders its
chunk's frames one at a time with `FrameRenderer` and feeds them straight to its own x264, so a
frame never leaves the worker that drew it. Chunks come back as small MP4s, in order
(`preserve_order`), and the film's encoder stitches them together with the sound. Raw frames are
never gathered anywhere, so memory does not grow with the film's length or its size.

Pictures travel through Ray's object store (one `ray.put` per distinct picture), so chunks can
render on any node of a cluster.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import ray
from ray.data import DataContext, ExecutionResources, TaskPoolStrategy

# The base class of `DataContext.custom_execution_callback_classes` and the backpressure
# policies live in Ray Data's internals (ray is pinned).
from ray.data._internal.execution.backpressure_policy import (
    ENABLED_BACKPRESSURE_POLICIES_CONFIG_KEY,
    ConcurrencyCapBackpressurePolicy,
    DownstreamCapacityBackpressurePolicy,
)
from ray.data._internal.execution.execution_callback import ExecutionCallback

from pipelines import audiogram
from pipelines.encode import chunk_frames, encode_chunk, rgb_to_yuv420
from pipelines.fonts import find_font

if TYPE_CHECKING:
    from pipelines.characters import Cast
from pipelines.motion import (
    LayeredPicture,
    LayeredRenderer,
    Move,
    ShotRenderer,
    crossfade,
    layer_planes,
    plan_move,
    yuv_planes,
)
from pipelines.timeline import Timeline

FADE_SECONDS = 0.6  # crossfade between scenes
# Ray Data's scheduling loop waits on its tasks, but not when it has none to wait on: once every
# task is done and backpressure holds the next, the loop spins. A pause per step stops that
# spin; a chunk takes seconds to render and encode, so a 20 ms pause costs nothing.
SCHEDULING_PAUSE_S = 0.02
# Each chunk task holds a frame renderer and an x264, whose memory grows with the frame: at most
# this many pixels are rendered at once per node (three 720p chunks, one 1080p chunk), so a
# render's memory stays about the same at every frame size.
PIXELS_IN_FLIGHT_PER_NODE = 3 * 1280 * 720


@dataclass
class ShotFrames:
    start: int  # first frame (inclusive)
    end: int  # last frame (exclusive)
    picture: int  # index into the picture list
    move: Move
    clip: bool = False  # the picture is a clip (frames, from the studio tier), not a still


@dataclass
class FrameSpec:
    width: int
    height: int
    fps: int
    total: int
    shots: list[ShotFrames]
    fades: list[int] = field(default_factory=list)  # frames where one scene fades into the next
    cues: list[tuple[int, int, str]] = field(default_factory=list)  # burned-in subtitles
    subtitle_sample: str | None = None  # text whose script the subtitle font must cover
    subtitle_font: str | None = None  # the font file covering it, found once by the driver
    batch: int = 96  # frames per chunk: whole GOPs (`encode.chunk_frames`)
    threads: int = 1  # x264 threads per chunk (set by `stream_chunks` for the cluster's shape)
    key: str = field(default_factory=lambda: uuid.uuid4().hex)  # one render, for worker caches
    characters: Cast | None = None  # who is drawn over which shot (`pipelines.characters`)
    # the audiogram look: per frame, the voice's bar heights (`pipelines.audiogram.levels`)
    waveform: np.ndarray | None = None
    caption_scale: float = 1.0  # burned subtitles this much larger than usual
    # frames of a shorter first chunk (whole GOPs; 0: none): a stream's first segment is out
    # after that many frames' work instead of a whole chunk's (`stream.lead_frames`)
    lead: int = 0

    @property
    def batches(self) -> int:
        lead = min(self.lead, self.total)
        return (lead > 0) + -(-(self.total - lead) // self.batch)

    def chunk(self, index: int) -> range:
        """The frame numbers of chunk `index`: [index * batch, (index + 1) * batch), or after
        a `lead` chunk of [0, lead) when there is one."""
        lead = min(self.lead, self.total)
        if lead and index == 0:
            return range(0, lead)
        start = lead + (index - (lead > 0)) * self.batch
        return range(start, min(start + self.batch, self.total))


def frame_spec(
    timeline: Timeline,
    pictures_of_shots: list[int],
    clips: set[int],
    *,
    width: int,
    height: int,
    fps: int,
    seed: int,
    cues: list[tuple[float, float, str]] | None = None,
    characters: Cast | None = None,
    waveform: np.ndarray | None = None,
) -> FrameSpec:
    """Turn seconds into frames. `pictures_of_shots[i]` is the picture index of shot i. With a
    `waveform` (the audiogram look) the captions are drawn large."""
    total = round(timeline.duration * fps)
    shots = []
    for i, (shot, pic) in enumerate(zip(timeline.shots, pictures_of_shots)):
        start, end = round(shot.start * fps), round(shot.end * fps)
        shots.append(ShotFrames(start, max(end, start + 1), pic, plan_move(seed, i), pic in clips))
    shots[-1].end = total
    fades = [round(t * fps) for t in timeline.scene_boundaries()]
    frame_cues = [(round(a * fps), round(b * fps), text) for a, b, text in (cues or [])]
    sample = " ".join(text for _, _, text in frame_cues) or None
    font = find_font(sample) if sample else None
    return FrameSpec(
        width, height, fps, total, shots, fades, frame_cues, sample, font, chunk_frames(fps),
        characters=characters, waveform=waveform,
        caption_scale=audiogram.CAPTION_SCALE if waveform is not None else 1.0,
    )  # fmt: skip


class FrameRenderer:
    """Renders frames of one film; keeps the current shots' state warm between frames."""

    def __init__(self, spec: FrameSpec, pictures: list[ray.ObjectRef]):
        self.spec = spec
        self.pictures = pictures  # refs, fetched lazily: a worker only pulls what it renders
        self.renderers: dict[int, ShotRenderer | np.ndarray] = {}
        self.planes: dict[int, tuple] = {}  # per picture: its YUV planes, shared by its shots
        self.standings: dict[int, list] = {}  # per shot: its characters, placed
        self.burner = None
        if spec.cues:
            from pipelines.subtitles import SubtitleBurner

            self.burner = SubtitleBurner(
                spec.width,
                spec.height,
                spec.subtitle_sample or "",
                spec.subtitle_font,
                scale=spec.caption_scale,
            )

    def encode(self, index: int) -> bytes:
        """Chunk `index` rendered and encoded: its MP4 bytes (see `encode.ChunkEncoder`). One
        frame buffer is reused, so a chunk costs one frame of memory plus x264's look-ahead."""
        spec = self.spec
        frame = np.empty(spec.width * spec.height * 3 // 2, np.uint8)
        frames = (self.render(i, out=frame) for i in spec.chunk(index))
        return encode_chunk(frames, spec.width, spec.height, spec.fps, spec.threads)

    def render(self, i: int, out: np.ndarray | None = None) -> np.ndarray:
        """One frame as flat yuv420p: the shot's moving picture, a crossfade near scene cuts,
        subtitles. Rendered straight in YUV (half the work of RGB plus a conversion), into `out`
        when given (its row of the batch: no copy)."""
        spec = self.spec
        half = round(FADE_SECONDS * spec.fps / 2)
        cut = next((c for c in spec.fades if c - half <= i < c + half), None)
        if cut is None:
            frame = self._shot_frame(self._shot_at(i), i, out)
        else:
            alpha = (i - (cut - half) + 0.5) / (2 * half)
            before = self._shot_frame(self._shot_at(cut - 1), i)
            frame = crossfade(before, self._shot_frame(self._shot_at(cut), i), alpha, out)
        if spec.waveform is not None:
            audiogram.draw(frame, spec.width, spec.height, spec.waveform[min(i, spec.total - 1)])
        if self.burner is not None:
            for a, b, text in spec.cues:
                if a <= i < b:
                    self.burner.burn_yuv420(frame, text)
                    break
        return frame

    def _shot_at(self, i: int) -> int:
        for k, shot in enumerate(self.spec.shots):
            if shot.start <= i < shot.end:
                return k
        return len(self.spec.shots) - 1

    def _shot_frame(self, k: int, i: int, out: np.ndarray | None = None) -> np.ndarray:
        shot = self.spec.shots[k]
        t = min(max((i - shot.start) / max(shot.end - shot.start - 1, 1), 0.0), 1.0)
        renderer = _recent(self.renderers, k, lambda: self._renderer(shot))
        if shot.clip:  # retime the clip's frames to the shot's length
            frame = rgb_to_yuv420(renderer[round(t * (len(renderer) - 1))])
            if out is not None:
                out[...] = frame
                frame = out
        else:
            frame = renderer.frame_yuv420(t, out)
        if self.spec.characters is not None:  # the speakers of the shot, over its picture
            self.spec.characters.draw(frame, k, i, self._standings(k, renderer))
        return frame

    def _standings(self, k: int, renderer) -> list:
        """Where shot `k`'s characters stand, kept clear of its caption's panel over the whole
        move (`Cast.clear_of`): placed once per shot."""
        cast = self.spec.characters
        assert cast is not None
        if k not in cast.shots:
            return []

        def place() -> list:
            layered = isinstance(renderer, LayeredRenderer)
            return cast.clear_of(k, renderer.caption_reach() if layered else None)

        return _recent(self.standings, k, place)

    def _renderer(self, shot: ShotFrames) -> ShotRenderer | LayeredRenderer | np.ndarray:
        """A still shot's `ShotRenderer` (its picture's YUV planes made once for every shot that
        shows it), a drawn card's `LayeredRenderer` (parallax and weather), or a clip's
        frames."""
        picture = ray.get(self.pictures[shot.picture])
        if shot.clip:
            return picture
        if isinstance(picture, LayeredPicture):
            planes = _recent(self.planes, shot.picture, lambda: layer_planes(picture))
            size = (self.spec.width, self.spec.height)
            seconds = (shot.end - shot.start) / self.spec.fps
            return LayeredRenderer(picture, shot.move, size, planes, seconds)
        planes = _recent(self.planes, shot.picture, lambda: yuv_planes(picture))
        return ShotRenderer(picture, shot.move, (self.spec.width, self.spec.height), planes)


def _recent(cache: dict, key, make, keep: int = 5):
    """`cache[key]`, made by `make()` when missing. Frames are rendered in order, so only the
    `keep` newest entries stay."""
    if key not in cache:
        if len(cache) >= keep:
            cache.pop(next(iter(cache)))
        cache[key] = make()
    return cache[key]


class _PacedScheduling(ExecutionCallback):
    """Ray Data calls this after each step of its scheduling loop: see SCHEDULING_PAUSE_S."""

    def on_execution_step(self, executor) -> None:
        time.sleep(SCHEDULING_PAUSE_S)


_warm: dict[str, FrameRenderer] = {}  # per worker process: the renderer of the current film


def chunk_workers(pixels: int) -> tuple[int, int, int]:
    """(chunk tasks per node, nodes, x264 threads per task) for frames of `pixels` pixels.

    One task more than a node's CPUs, so each core stays busy with x264 through Ray Data's
    pause between one task and the next, unless frames
    this large would exceed `PIXELS_IN_FLIGHT_PER_NODE`; then fewer tasks, each with an x264
    using more threads, so the node's cores are still all at work."""
    nodes = max(1, sum(1 for node in ray.nodes() if node["Alive"] and node["Resources"].get("CPU")))
    cpus = max(1, round(ray.cluster_resources().get("CPU", 1) / nodes))
    per_node = max(1, min(cpus + 1, PIXELS_IN_FLIGHT_PER_NODE // pixels))
    return per_node, nodes, max(1, cpus // per_node)


def encode_batch(
    batch: dict[str, np.ndarray], spec: FrameSpec, pictures: list
) -> dict[str, np.ndarray]:
    """Ray Data task: render and encode the chunk named in `batch["id"]`.

    Worker processes are reused between tasks, so the film's renderer stays warm in `_warm`.
    """
    renderer = _warm.get(spec.key)
    if renderer is None:
        _warm.clear()
        renderer = _warm[spec.key] = FrameRenderer(spec, pictures)
    (index,) = batch["id"]  # batch_size=1: one chunk per call
    return {"mp4": np.array([renderer.encode(int(index))], dtype=object)}


def stream_chunks(
    spec: FrameSpec, pictures: list, workers: int | None = None, task=encode_batch
) -> Iterator[bytes]:
    """Yield the film's video as encoded chunks (MP4 bytes, see `encode.ChunkEncoder`), in
    order, rendered and encoded by Ray Data tasks.

    `pictures` are object-store refs of the prepared pictures (see `FrameSpec.shots`); a task
    that fails is retried by Ray on any node, and the encoder still gets the chunks in order.
    `task` is what each chunk runs (the benchmark's encode floor swaps in a still picture).
    `workers` (tasks at once) defaults to `chunk_workers`."""
    per_node, nodes, threads = chunk_workers(spec.width * spec.height)
    workers = max(
        1, min(workers or per_node * nodes, spec.batches)
    )  # a short film has fewer chunks
    spec = replace(spec, threads=threads)
    ctx = DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False  # the caller shows progress
    # Chunks are compressed (~1 MB for 4 s of 720p), so a few workers' worth ahead is plenty.
    ctx.execution_options.resource_limits = ExecutionResources(object_store_memory=64 * 2**20)
    # Ray Data's resource-budget backpressure starts an operator with one task and admits more
    # only as finished ones report their output sizes, so a cluster's workers fill slowly.
    # Chunks are small and the task pool caps how many are in flight, so that policy is left
    # out; the concurrency cap and the downstream-capacity policies stay.
    ctx.set_config(
        ENABLED_BACKPRESSURE_POLICIES_CONFIG_KEY,
        [ConcurrencyCapBackpressurePolicy, DownstreamCapacityBackpressurePolicy],
    )
    if _PacedScheduling not in ctx.custom_execution_callback_classes:
        ctx.custom_execution_callback_classes.append(_PacedScheduling)
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    # from_items: the batch indices live in memory, so no read task competes for a CPU slot
    # with the caller (a film task on a small node would otherwise wait on its own read).
    chunks = [{"id": i} for i in range(spec.batches)]
    ds = ray.data.from_items(chunks, override_num_blocks=spec.batches).map_batches(
        task,
        fn_kwargs={"spec": spec, "pictures": pictures},
        batch_size=1,
        compute=TaskPoolStrategy(size=workers),
        num_cpus=0.5,
    )
    # No prefetching: each chunk reaches the encoder as soon as its task ends. With one batch
    # of prefetch, Ray Data holds a finished chunk until the next is ready too, which leaves the
    # driver's audio encoding waiting and the object store holding chunks.
    for batch in ds.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=0):
        yield from batch["mp4"]
