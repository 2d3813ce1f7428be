"""The studio on a real multi-node Ray cluster (head + CPU worker + GPU worker on this machine).

Bulk renders go in through the job server exactly as `ray job submit` sends them; what a user
sees is checked: the job's end state, its log, the summary and the films in S3 or on disk.
The tests run in order: two bulk jobs, GPU placement, metrics, then a node taken away.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.cluster.conftest import ROOT, write_manifest

pytestmark = pytest.mark.cluster

FILMS = [
    # three chunks of frames: a film of one chunk has nothing for Ray Data to spread (and each
    # film's first chunk goes wherever its own node's raylet sends it)
    {"id": "prose", "script": "The lamp turns.", "duration": 9},
    {"id": "screenplay", "script": "scene.fountain", "images": ["still.png"], "duration": 4},
    {"id": "quiet", "script": "Night falls.", "music": "none", "seed": 3, "duration": 4},
    {"id": "french", "script": "La lampe tourne.", "language": "fr", "duration": 4},
]
BAD = {"id": "too-long", "script": "Waves.", "duration": 900}


@pytest.fixture(scope="module")
def first_run(lab, s3, assets):
    """Four films and one bad row, rendered to S3 by one bulk job."""
    manifest = write_manifest(assets, "bulk.jsonl", [*FILMS, BAD])
    out = f"s3://{s3['BUCKET']}/batch-1"
    status, logs = lab.wait(lab.submit(str(manifest), "--out", out))
    return {
        "manifest": manifest,
        "out": out,
        "status": status,
        "logs": logs,
        "summary": _summary(out, logs),
    }


def test_bulk_job_renders_every_good_row_and_refuses_the_bad_one(first_run, s3):
    films = {f["id"]: f for f in first_run["summary"]["films"]}
    assert first_run["summary"]["counts"] == {"done": 4, "invalid": 1}, first_run["logs"][-3000:]
    assert films["too-long"]["status"] == "invalid"
    assert "duration" in films["too-long"]["reason"] and "300" in films["too-long"]["reason"]
    # a bad row makes the job's exit status non-zero, after every other film is finished
    assert first_run["status"] == "FAILED"

    import boto3

    bucket = boto3.client("s3")
    for film in FILMS:
        keys = {
            o["Key"]
            for o in bucket.list_objects_v2(Bucket=s3["BUCKET"], Prefix=f"batch-1/{film['id']}/")[
                "Contents"
            ]
        }
        name = f"batch-1/{film['id']}/{film['id']}"
        assert {
            f"{name}.mp4",
            f"{name}.srt",
            f"{name}.vtt",
            f"{name}.jpg",
            f"batch-1/{film['id']}/summary.json",
        } <= keys
        assert films[film["id"]]["output"] == f"{first_run['out']}/{film['id']}/{film['id']}.mp4"
        assert films[film["id"]]["duration"] == pytest.approx(film["duration"])


def test_a_finished_film_plays_for_its_length(first_run, s3, tmp_path):
    import av
    import boto3

    local = tmp_path / "prose.mp4"
    boto3.client("s3").download_file(s3["BUCKET"], "batch-1/prose/prose.mp4", str(local))
    with av.open(str(local)) as film:
        assert film.duration / 1e6 == pytest.approx(FILMS[0]["duration"], abs=0.5)
        kinds = {s.type for s in film.streams}
        assert kinds - {"data"} == {"video", "audio"}  # data: the chapters' text track


def test_job_log_shows_each_films_stages_and_the_table(first_run):
    logs = first_run["logs"]
    for film in FILMS:
        for stage in ("analysis", "voices", "frames", "mux", "publish"):
            assert re.search(rf"\[{film['id']}\] {stage}\b", logs), (
                f"no {stage} line for {film['id']}"
            )
    assert "row 5 invalid: duration" in logs
    assert "bulk render" in logs and "4 done" in logs and "1 invalid" in logs


def test_films_and_their_frame_batches_ran_on_more_than_one_node(first_run, lab):
    summary = first_run["summary"]
    film_nodes = {f["node"] for f in summary["films"] if f["status"] == "done"}
    frame_nodes = {
        n for name, nodes in summary["nodes"].items() if "MapBatches" in name for n in nodes
    }
    workers = {lab.cpu_node.node_id, lab.gpu_node.node_id}
    assert len(film_nodes) > 1 and film_nodes <= workers
    assert len(frame_nodes) > 1 and frame_nodes <= workers, summary["nodes"]


def test_resubmitting_the_manifest_skips_finished_films(first_run, lab, s3):
    import boto3

    bucket = boto3.client("s3")
    before = bucket.head_object(Bucket=s3["BUCKET"], Key="batch-1/prose/prose.mp4")["LastModified"]
    status, logs = lab.wait(lab.submit(str(first_run["manifest"]), "--out", first_run["out"]))
    summary = _summary(first_run["out"], logs)
    assert summary["counts"] == {"skipped": 4, "invalid": 1}, logs[-3000:]
    assert "0 to render, 4 already done, 1 invalid" in logs
    assert (
        bucket.head_object(Bucket=s3["BUCKET"], Key="batch-1/prose/prose.mp4")["LastModified"]
        == before
    )


def test_gpu_deployments_land_only_on_the_gpu_node_and_serve_studio_films(lab):
    """The GPU deployments of the t4 Serve profile, deployed with their own ray_actor_options as
    one app, have every replica on the node that declares the GPU; the bulk runner finds them
    as the studio tier's engines."""
    import ray
    from ray import serve

    from cluster.bulk import studio_engines

    @serve.deployment
    class Probe:
        def __call__(self) -> str:
            return ray.get_runtime_context().get_node_id()

    @serve.deployment(ray_actor_options={"num_cpus": 0})
    class Gateway:
        def __init__(self, **engines):
            self.engines = engines

    gpu = _gpu_deployments()
    serve.start(proxy_location="Disabled")
    try:
        app = Gateway.bind(
            **{
                name: Probe.options(name=name, ray_actor_options=opts).bind()
                for name, opts in gpu.items()
            }
        )
        serve.run(app, name="studio", route_prefix=None)
        for name in gpu:
            node = (
                serve.get_deployment_handle(name, app_name="studio").remote().result(timeout_s=60)
            )
            assert node == lab.gpu_node.node_id, name
        if (ROOT / "serve_apps" / "t4.yaml").exists():
            assert set(studio_engines("studio").handles) == {
                "llm",
                "sdxl",
                "svd",
                "tts",
                "musicgen",
            }
        assert studio_engines("no-such-app") is None
    finally:
        serve.shutdown()


def test_studio_metrics_are_exported_beside_rays_own(first_run, lab):
    """The bulk run's films show up on the nodes' Prometheus endpoints as ray_studio_* series."""
    text = ""
    for _ in range(60):  # the agents export on their own schedule: poll, then judge
        text = _metrics()
        if (
            _sum(text, "ray_studio_films_rendered_total") >= 4
            and "ray_studio_render_stage_seconds_bucket" in text
        ):
            break
        time.sleep(1)
    assert _sum(text, "ray_studio_films_rendered_total") == 4
    seconds = sum(film["duration"] for film in FILMS)
    assert _sum(text, "ray_studio_film_seconds_total") == pytest.approx(seconds)
    assert re.search(r'ray_studio_render_stage_seconds_count\{[^}]*stage="frames"', text)
    assert re.search(r"^ray_node_\w+", text, re.M)  # Ray's own series on the same endpoint


def test_a_worker_removed_mid_job_every_film_still_finishes(lab, assets, tmp_path):
    """Films running on the CPU worker when it disappears are retried on the GPU worker.
    (While the job runs, its queue depth is on the metrics endpoint too.)"""
    import ray
    from ray.util.state import list_tasks

    rows = [
        {"id": f"storm-{i}", "script": "Rain on the glass.", "duration": 4, "seed": i}
        for i in range(3)
    ]
    manifest = write_manifest(assets, "storm.jsonl", rows)
    job = lab.submit(
        str(manifest), "--out", str(tmp_path / "out"), "--work-dir", str(tmp_path / "work")
    )
    names = {f"film:{row['id']}" for row in rows}
    victim = lab.cpu_node.node_id
    for _ in range(300):
        tasks = list_tasks(
            address=ray.get_runtime_context().gcs_address,
            filters=[("state", "=", "RUNNING")],
            limit=1000,
            raise_on_missing_output=False,
        )
        running = [t for t in tasks if t.name in names and t.node_id == victim]
        if running:
            break
        time.sleep(0.5)
    assert running, "no film ever ran on the CPU worker"
    lab.cluster.remove_node(lab.cpu_node, allow_graceful=False)
    for _ in range(30):
        if (queued := _sum(_metrics(), "ray_studio_queue_depth")) > 0:
            break
        time.sleep(1)
    assert queued > 0

    status, logs = lab.wait(job)
    summary = json.loads((tmp_path / "out" / "bulk-summary.json").read_text())
    assert status == "SUCCEEDED", logs[-4000:]
    assert summary["counts"] == {"done": 3}
    for film in summary["films"]:
        assert Path(film["output"]).stat().st_size > 0
    moved = {t.name.removeprefix("film:") for t in running}
    assert {f["node"] for f in summary["films"] if f["id"] in moved} == {lab.gpu_node.node_id}


# --- helpers ------------------------------------------------------------------------------------


def _summary(out: str, logs: str) -> dict:
    """The job's bulk-summary.json; a job that ended before writing one fails with its log."""
    from cluster import uris

    if not uris.exists(f"{out}/bulk-summary.json"):
        pytest.fail(f"the job wrote no bulk-summary.json under {out}; its log:\n{logs[-6000:]}")
    return json.loads(uris.read_text(f"{out}/bulk-summary.json"))


def _gpu_deployments() -> dict[str, dict]:
    """name → ray_actor_options of every deployment in serve_apps/t4.yaml that asks for a GPU
    from the start (until that file exists: a quarter-GPU replica pinned to the g4dn node type)."""
    path = ROOT / "serve_apps" / "t4.yaml"
    if not path.exists():
        return {"QuarterT4": {"num_cpus": 0.5, "num_gpus": 0.25, "resources": {"g4dn": 0.25}}}
    found = {}
    for app in yaml.safe_load(path.read_text())["applications"]:
        for deployment in app.get("deployments", []):
            options = deployment.get("ray_actor_options") or {}
            # one that starts at zero replicas (LipSync) comes up on demand, on another GPU node
            on_demand = (deployment.get("autoscaling_config") or {}).get("min_replicas", 1) == 0
            if options.get("num_gpus", 0) > 0 and not on_demand:
                found[deployment["name"]] = options
    assert found, "serve_apps/t4.yaml names no GPU deployment"
    return found


def _metrics() -> str:
    """Every live node's Prometheus page, together."""
    import ray

    return "\n".join(
        _scrape(n["NodeManagerAddress"], n["MetricsExportPort"]) for n in ray.nodes() if n["Alive"]
    )


def _scrape(host: str, port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=5) as response:
            return response.read().decode()
    except OSError:
        return ""


def _sum(text: str, series: str) -> float:
    return sum(
        float(m) for m in re.findall(rf"^{series}(?:\{{[^}}]*\}})? ([0-9.eE+-]+)$", text, re.M)
    )
