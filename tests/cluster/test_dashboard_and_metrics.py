"""The Grafana dashboard charts exactly the studio's metrics, and the metric helpers are safe to
call from anywhere (they do nothing without Ray; `test_on_cluster` sees them exported)."""

from __future__ import annotations

import json
import re

from infra import metrics
from tests.cluster.conftest import ROOT

DASHBOARD = json.loads((ROOT / "cluster" / "grafana-dashboard.json").read_text())
STUDIO = [
    metrics.FILMS_RENDERED,
    metrics.FILM_SECONDS,
    metrics.STAGE_SECONDS,
    metrics.FAILURES,
    metrics.QUEUE_DEPTH,
    metrics.CREDITS_SPENT,
]
EXPORTED = {  # how Ray names each on the Prometheus endpoint
    f"ray_{name}{suffix}"
    for name, suffixes in {
        metrics.FILMS_RENDERED: ["_total"],
        metrics.FILM_SECONDS: ["_total"],
        metrics.FAILURES: ["_total"],
        metrics.CREDITS_SPENT: ["_total"],
        metrics.QUEUE_DEPTH: [""],
        metrics.STAGE_SECONDS: ["_bucket", "_sum", "_count"],
    }.items()
    for suffix in suffixes
}


def _expressions() -> list[str]:
    return [t["expr"] for p in DASHBOARD["panels"] for t in p.get("targets", [])]


def test_every_series_the_dashboard_queries_is_one_the_studio_exports():
    queried = {s for e in _expressions() for s in re.findall(r"\bray_studio_\w+", e)}
    assert queried <= EXPORTED, queried - EXPORTED


def test_every_studio_metric_has_a_panel():
    text = " ".join(_expressions())
    for name in STUDIO:
        assert f"ray_{name}" in text, name


def test_the_dashboard_asks_for_its_prometheus_datasource():
    assert [v["name"] for v in DASHBOARD["templating"]["list"]] == ["datasource"]
    assert all(
        p["datasource"]["uid"] == "${datasource}" for p in DASHBOARD["panels"] if p["type"] != "row"
    )
    assert len({p["id"] for p in DASHBOARD["panels"]}) == len(DASHBOARD["panels"])


def test_the_metric_helpers_do_nothing_in_a_process_without_ray():
    import subprocess
    import sys

    code = (
        "from infra import metrics; import ray\n"
        "metrics.film_rendered(60.0); metrics.record_stages({'frames': 12.5}); metrics.render_failed('voices')\n"
        "metrics.set_queue_depth(3); metrics.credits_spent(10)\n"
        "assert not ray.is_initialized()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
