"""`cluster/rayservice.yaml` (KubeRay) embeds `serve_apps/t4.yaml` as its `serveConfigV2`.

    python -m cluster.rayservice           # copy serve_apps/t4.yaml into rayservice.yaml
    python -m cluster.rayservice --check   # exit 1 when they differ (tests run this)

The embedded block is the Serve config file verbatim, so `serve deploy serve_apps/t4.yaml` on a
VM cluster and the RayService on Kubernetes run the same applications. `worker_groups` reads
what each worker group offers the scheduler, for the test that every deployment fits one.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVICE = ROOT / "cluster" / "rayservice.yaml"
SERVE_CONFIG = ROOT / "serve_apps" / "t4.yaml"
BLOCK = re.compile(r"^(?P<indent> *)serveConfigV2: \|\n(?P<body>(?:(?P=indent)  .*\n|\n)*)", re.M)


def synced(service_text: str, serve_text: str) -> str:
    """`service_text` with its serveConfigV2 block replaced by `serve_text`."""
    match = BLOCK.search(service_text)
    if match is None:
        raise ValueError("rayservice.yaml has no `serveConfigV2: |` block")
    body = textwrap.indent(
        serve_text.rstrip("\n") + "\n", match["indent"] + "  ", lambda line: line.strip() != ""
    )
    return (
        service_text[: match.start("body")]
        + body
        + "\n"
        + service_text[match.end("body") :].lstrip("\n")
    )


def worker_groups(service: dict) -> dict[str, dict[str, float]]:
    """groupName → what one Ray node of that group offers (CPU, GPU, custom resources)."""
    groups = {}
    for group in service["spec"]["rayClusterConfig"]["workerGroupSpecs"]:
        params = group.get("rayStartParams", {})
        limits = group["template"]["spec"]["containers"][0].get("resources", {}).get("limits", {})
        offers = {
            "CPU": float(params.get("num-cpus", _cpus(limits.get("cpu", "0")))),
            "GPU": float(params.get("num-gpus", limits.get("nvidia.com/gpu", 0))),
        }
        if "resources" in params:  # KubeRay passes it through quoted: '"{\"g4dn\": 1}"'
            offers.update(json.loads(json.loads(params["resources"])))
        groups[group["groupName"]] = offers
    return groups


def _cpus(quantity: str) -> float:
    return float(quantity[:-1]) / 1000 if str(quantity).endswith("m") else float(quantity)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not SERVE_CONFIG.exists():
        print(f"cluster.rayservice: {SERVE_CONFIG.relative_to(ROOT)} not found", file=sys.stderr)
        return 2
    current = SERVICE.read_text()
    wanted = synced(current, SERVE_CONFIG.read_text())
    if "--check" in argv:
        same = yaml.safe_load(yaml.safe_load(current)["spec"]["serveConfigV2"]) == yaml.safe_load(
            SERVE_CONFIG.read_text()
        )
        if not same:
            print(
                "cluster/rayservice.yaml differs from serve_apps/t4.yaml: run `python -m cluster.rayservice`",
                file=sys.stderr,
            )
        return 0 if same else 1
    SERVICE.write_text(wanted)
    print(f"synced {SERVICE.relative_to(ROOT)} from {SERVE_CONFIG.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
