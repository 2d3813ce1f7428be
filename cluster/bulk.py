"""Bulk renders on a Ray cluster: many films from one manifest, each its own Ray task.

    RAY_AUTH_MODE=token ray job submit --working-dir . -- \\
        python -m cluster.bulk samples/bulk.jsonl --out s3://studio-renders/batch-7

1. Read the manifest (JSONL or CSV, see `cluster.manifest`): every row is checked alone, and
   a bad one is reported with its reason while the rest go on.
2. Skip films already finished: each film's folder gets a done-marker (`summary.json`) last,
   after its files, so a re-submit of the same manifest renders only what is missing.
3. Render the rest in parallel, one task per film (named `film:<id>` in the Ray dashboard),
   spread over the cluster; Ray Data spreads each film's frame batches further. A task whose
   node dies is retried elsewhere (`--max-retries`), and resumes from its per-film work dir.
4. Publish to YouTube the finished films whose row has a `youtube` column, as each finishes,
   from this process (the driver: only it needs the database and the token keys), for the
   studio account `--email`. A row whose channel is not connected is refused before its
   render; a publish that fails (quota, a revoked grant) leaves the film rendered, and a
   re-submit publishes it without rendering again, resuming an interrupted upload.
5. Report: a line per stage per film in the job log while it runs, then a table, and the
   summary JSON at `--out/bulk-summary.json`. Exit 0 when every film is done or skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, replace
from pathlib import Path

import ray

from cluster import uris
from cluster.manifest import BadRow, Film, Manifest, ManifestError, absolute_location, read_manifest
from cluster.report import FilmReport, print_table, summary, write_summary
from infra import metrics, ray_local
from infra.progress import ProgressLines, StageClock, Stages, tee
from pipelines.errors import InputError

DONE_MARKER = "summary.json"
SUMMARY = "bulk-summary.json"
WORK_ROOT = str(Path(tempfile.gettempdir()) / "filmstudio-bulk")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        out = absolute_location(args.out, "--out") if args.out else None
        manifest = read_manifest(args.manifest, out=out)
    except (ManifestError, InputError) as exc:
        print(f"bulk: {exc}", file=sys.stderr)
        return 2

    with ray_local.ray_session():
        ray_local.start()  # in a job (or with RAY_ADDRESS): that cluster; else a local Ray
        return _run(manifest, out, args)


def _run(manifest, out: str | None, args: argparse.Namespace, settings=None) -> int:
    manifest, studio = youtube_preflight(manifest, settings, args.email)
    reports = [FilmReport(bad.row, bad.id, "invalid", reason=bad.reason) for bad in manifest.bad]
    for bad in manifest.bad:
        print(f"row {bad.row} invalid: {bad.reason}", flush=True)
    finished = {film.id: report for film in manifest.films if (report := finished_report(film))}
    todo = [film for film in manifest.films if film.id not in finished]
    print(
        f"bulk: {len(manifest.films) + len(manifest.bad)} rows: {len(todo)} to render, "
        f"{len(finished)} already done, {len(manifest.bad)} invalid; cluster {_describe_cluster()}",
        flush=True,
    )

    engines = (
        studio_engines(args.serve_app)
        if any(f.fields.get("tier") == "studio" for f in todo)
        else None
    )
    started = time.time()
    rendered = render_all(
        todo,
        parallel=args.parallel,
        max_retries=args.max_retries,
        work_root=args.work_dir,
        engines=engines,
    )
    try:
        reports += publish_all(
            [*finished.values(), *rendered],
            {film.id: film for film in manifest.films},
            studio,
            work_root=args.work_dir,
            parallel=args.publish_parallel,
        )
    finally:
        if studio is not None:
            studio.close()
    result = summary(
        reports, manifest=args.manifest, wall_s=round(time.time() - started, 1), nodes=_task_nodes()
    )
    print_table(reports)
    if out:
        write_summary(result, uris.join(out, SUMMARY))
        print(f"summary: {uris.join(out, SUMMARY)}", flush=True)
    return 0 if all(r.ok for r in reports) else 1


def render_all(
    films: list[Film], *, parallel: int | None, max_retries: int, work_root: str, engines=None
) -> Iterator[FilmReport]:
    """Render `films` as Ray tasks, keeping at most `parallel` in flight (by default half the
    cluster's CPUs, re-read as the autoscaler adds nodes, so frame batches always find room).
    `engines` (see `studio_engines`) serve the studio-tier films."""
    waiting = deque(films)
    running: dict[ray.ObjectRef, Film] = {}
    while waiting or running:
        while waiting and len(running) < (parallel or _cpu_slots()):
            film = waiting.popleft()
            task = render_film_task.options(name=f"film:{film.id}", max_retries=max_retries)
            running[task.remote(film, work_root, engines)] = film
        metrics.set_queue_depth(len(waiting) + len(running))
        [ready], _ = ray.wait(list(running), num_returns=1)
        film = running.pop(ready)
        try:
            report = ray.get(ready)
        except ray.exceptions.RayError as exc:  # its nodes kept dying, or it ran out of memory
            report = FilmReport(film.row, film.id, "failed", reason=_one_line(exc), stage="cluster")
        print(
            f"[{film.id}] {report.status}"
            + (f" ({report.stage}: {report.reason})" if not report.ok else ""),
            flush=True,
        )
        yield report
    metrics.set_queue_depth(0)


# Half a CPU for the film's own work (voices, music, mix, the encoder): its frame batches reserve
# more through Ray Data (a 1-CPU read task, then half-CPU render tasks), about 2 CPUs per film
# at its peak. A whole CPU here would leave a film's own read waiting forever on a 2-CPU node.
# Fetching a film's inputs before its render and publishing its outputs after, as stages.
AROUND_THE_RENDER = {"inputs": (0.0, 0.0), "publish": (100.0, 100.0)}


@ray.remote(num_cpus=0.5, scheduling_strategy="SPREAD")
def render_film_task(film: Film, work_root: str, engines=None) -> FilmReport:
    """Render one film and publish it to its output folder; never raises for a film's own
    failure (the report says what and where), so one bad film cannot stop the run."""
    from pipelines.orchestrator import render_film

    started = time.time()
    clock = StageClock()
    progress = tee(clock, ProgressLines(film.id))
    work = Path(work_root) / f"{film.id}-{film.fingerprint}"  # kept until done: a retry resumes
    node = ray.get_runtime_context().get_node_id()
    tier = film.fields.get("tier", "draft")
    around = Stages(AROUND_THE_RENDER, progress)  # the bulk runner's own stages
    try:
        with around.stage("inputs", f"on {ray.util.get_node_ip_address()} node {node[:8]}"):
            request = film.request(fetch=lambda ref: uris.download(ref, work / "inputs"))
        result = render_film(
            request,
            work / "film" / f"{film.id}.mp4",
            work_dir=work / "stages",
            progress=progress,
            engines=engines if request.tier == "studio" else None,
        )
        with around.stage("publish", f"to {film.output}"):
            video = publish(result, film.output)
        stages = clock.stop()
        report = FilmReport(
            film.row,
            film.id,
            "done",
            duration=result.duration,
            output=video,
            wall_s=round(time.time() - started, 2),
            node=node,
            stages={k: round(v, 3) for k, v in stages.items()},
            fingerprint=film.fingerprint,
            title=result.plan.title or None,
            chapters=[[round(start, 3), title] for start, title in result.chapters],
        )
        uris.write_text(uris.join(film.output, DONE_MARKER), json.dumps(asdict(report), indent=2))
    except Exception as exc:  # noqa: BLE001 — reported, not raised: the other films go on
        stage = clock.stage or "inputs"
        metrics.render_failed(stage, tier)
        return FilmReport(
            film.row,
            film.id,
            "failed",
            reason=_one_line(exc),
            stage=stage,
            wall_s=round(time.time() - started, 2),
            node=node,
        )
    metrics.film_rendered(result.duration, tier)
    metrics.record_stages(stages, tier)
    shutil.rmtree(work, ignore_errors=True)
    return report


def studio_engines(app: str):
    """The studio tier's engines as handles to the Serve app `app`'s deployments, when it runs on
    this cluster (`serve deploy serve_apps/t4.yaml`): GPU work stays on the GPU replicas. None
    otherwise, and each studio film loads the engines itself from its `models_dir`."""
    from ray import serve

    from pipelines.engines import DEPLOYMENT_NAMES, StudioEngines

    try:
        status = serve.status().applications.get(app)
    except Exception:  # noqa: BLE001 — no Serve on this cluster
        return None
    if status is None:
        return None
    handles = {
        engine: serve.get_deployment_handle(name, app_name=app)
        for engine, name in DEPLOYMENT_NAMES.items()
        if name in status.deployments
    }
    return StudioEngines.from_handles(handles) if handles else None


def publish(result, folder: str) -> str:
    """Copy the film and its sidecars into `folder`; the location of the MP4."""
    for path in (result.srt, result.vtt, result.thumbnail, result.video):
        uris.upload(path, uris.join(folder, path.name))
    return uris.join(folder, result.video.name)


# --- YouTube ----------------------------------------------------------------------------------


def youtube_preflight(manifest: Manifest, settings, email: str | None):
    """(the manifest, a `Studio` for the publishes or None): rows whose channel the account
    has not connected, or must reconnect, become invalid rows before any render."""
    from cluster.publishing import RECONNECT, Studio
    from infra.settings import get_settings

    wanted = [film for film in manifest.films if film.youtube]
    if not wanted:
        return manifest, None
    refused: dict[str, str] = {}
    studio = None
    try:
        studio = Studio(settings or get_settings(), email or "")
    except InputError as exc:
        field = "--email" if exc.field == "email" else exc.field
        refused = {film.id: f"youtube: {field}: {exc.message}" for film in wanted}
    for film in wanted if studio is not None else ():
        try:
            channel = studio.channel(film.youtube["channel"])
        except InputError as exc:
            refused[film.id] = f"youtube.{exc.field}: {exc.message}"
            continue
        if channel.status != "connected":
            refused[film.id] = f"youtube.channel: {channel.title} must be reconnected: {RECONNECT}"
    if not refused:
        return manifest, studio
    bad = [BadRow(f.row, f.id, refused[f.id]) for f in manifest.films if f.id in refused]
    films = [f for f in manifest.films if f.id not in refused]
    return Manifest(films, sorted([*manifest.bad, *bad], key=lambda b: b.row)), studio


def publish_all(
    reports: Iterable[FilmReport],
    films: dict[str, Film],
    studio,
    *,
    work_root: str,
    parallel: int = 2,
) -> Iterator[FilmReport]:
    """Pass each report on, publishing first (on `parallel` threads, as the renders finish)
    each finished film whose row asks for YouTube and that is not published yet."""
    with ThreadPoolExecutor(max(1, parallel), thread_name_prefix="youtube") as pool:
        pending = []
        for report in reports:
            film = films.get(report.id or "")
            if (
                studio is None
                or not report.ok
                or film is None
                or not film.youtube
                or (report.youtube or {}).get("video_id")
            ):
                yield report
                continue
            pending.append(pool.submit(publish_film, studio, film, report, work_root))
        for future in as_completed(pending):
            yield future.result()


def publish_film(studio, film: Film, report: FilmReport, work_root: str) -> FilmReport:
    """Publish a finished film from its output folder; the report with where it went (and
    the done-marker rewritten with it), or failed at stage `youtube` with the reason."""
    from cluster.publishing import plan_for
    from youtube.options import PublishOptions
    from youtube.publish import Caption

    around = Stages({"youtube": (100.0, 100.0)}, ProgressLines(film.id))
    local = Path(work_root) / "youtube" / f"{film.id}-{film.fingerprint}"
    try:
        options = PublishOptions.model_validate(film.youtube)
        channel = studio.channel(options.channel)
        language = film.fields.get("language", "en")
        stem = uris.join(film.output, film.id)
        plan = plan_for(
            options,
            uris.download(f"{stem}.mp4", local),
            studio.settings,
            title=report.title or film.id,
            language=language,
            chapters=[(float(start), title) for start, title in report.chapters],
            thumbnail=uris.download(f"{stem}.jpg", local),
            captions=[Caption(language, uris.download(f"{stem}.srt", local))],
        )
        with around.stage("youtube", f"to {channel.title}") as step:
            state = studio.publish(
                channel,
                plan,
                local / f"state-{channel.id}.json",
                lambda stage, percent, message: step(percent / 100, message),
            )
    except Exception as exc:  # noqa: BLE001 — reported, not raised: the other films go on
        failed = replace(report, status="failed", stage="youtube", reason=_one_line(exc))
        print(f"[{film.id}] failed (youtube: {failed.reason})", flush=True)
        return failed
    published = {
        "channel": channel.channel_id,
        "video_id": state["video_id"],
        "url": state["url"],
        "playlist_id": state.get("playlist_id"),
        "steps": state["steps"],
    }
    report = replace(report, youtube=published)
    marker = replace(report, status="done")
    uris.write_text(uris.join(film.output, DONE_MARKER), json.dumps(asdict(marker), indent=2))
    shutil.rmtree(local, ignore_errors=True)
    print(f"[{film.id}] published {state['url']}", flush=True)
    return report


def finished_report(film: Film) -> FilmReport | None:
    """The earlier report of `film` when its done-marker is there and the row is unchanged."""
    marker = uris.join(film.output, DONE_MARKER)
    if not uris.exists(marker):
        return None
    done = json.loads(uris.read_text(marker))
    if done.get("fingerprint") != film.fingerprint:
        return None  # the row changed since: render it again
    return FilmReport(**{**done, "row": film.row, "status": "skipped"})


def _cpu_slots() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 0) // 2))


def _describe_cluster() -> str:
    nodes = [n for n in ray.nodes() if n["Alive"]]
    resources = ray.cluster_resources()
    return f"{len(nodes)} nodes, {resources.get('CPU', 0):g} CPU, {resources.get('GPU', 0):g} GPU"


def _task_nodes() -> dict[str, list[str]]:
    """Which nodes ran each kind of task of this job (film tasks, Ray Data frame batches, …)."""
    try:
        from ray.util.state import list_tasks

        context = ray.get_runtime_context()
        tasks = list_tasks(
            address=context.gcs_address,
            filters=[("job_id", "=", context.get_job_id())],
            limit=10_000,
            raise_on_missing_output=False,
        )
    except Exception:  # noqa: BLE001 — the dashboard is optional; the report is not
        return {}
    by_name: dict[str, set[str]] = {}
    for task in tasks:
        name = "film" if task.name.startswith("film:") else task.name
        if task.node_id:
            by_name.setdefault(name, set()).add(task.node_id)
    return {name: sorted(nodes) for name, nodes in sorted(by_name.items())}


def _one_line(exc: BaseException) -> str:
    """The reason a user reads: the first line, named by its type unless it is bad input."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    return (first if isinstance(exc, InputError) else f"{type(exc).__name__}: {first}")[:300]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cluster.bulk", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("manifest", help="a .jsonl or .csv manifest (local path or s3://)")
    parser.add_argument(
        "--out", help="output root, a directory or s3://bucket/prefix: films go to OUT/<id>/"
    )
    parser.add_argument(
        "--parallel",
        type=int,
        default=None,
        help="films in flight at once (default: half the cluster's CPUs, as it grows)",
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        default=3,
        help="times a film is retried when its node dies (default 3)",
    )
    parser.add_argument(
        "--serve-app",
        default="studio",
        help="the Serve app whose engine deployments render studio-tier films (default studio)",
    )
    parser.add_argument(
        "--email",
        default=os.environ.get("FILMSTUDIO_EMAIL"),
        help="the studio account whose connected channels the `youtube` column names "
        "(default $FILMSTUDIO_EMAIL)",
    )
    parser.add_argument(
        "--publish-parallel",
        type=int,
        default=2,
        help="YouTube uploads at once, from this process (default 2)",
    )
    parser.add_argument(
        "--work-dir",
        default=WORK_ROOT,
        help="root of the per-film work dirs; a shared mount lets a retry on another "
        f"node resume (default {WORK_ROOT})",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
