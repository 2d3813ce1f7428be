"""`ray-cluster.yaml` as data: its profiles, its node types, and what fits where.

The autoscaler schema rejects unknown keys, so the prod differences live under `metadata`
(which Ray does not read) and this module applies them:

    python -m cluster.autoscaler prod > ray-cluster.prod.yaml && ray up ray-cluster.prod.yaml

`fitting_node_types` answers "which node types could host this Serve deployment", the check the
tests run for every deployment in `serve_apps/*.yaml`.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import yaml

CONFIG = Path(__file__).resolve().parents[1] / "ray-cluster.yaml"


def load(profile: str = "dev", path: Path = CONFIG) -> dict:
    """The autoscaler config for `profile`, with its overrides applied to the node types."""
    config = yaml.safe_load(Path(path).read_text())
    profiles = config.get("metadata", {}).get("profiles", {})
    if profile not in profiles:
        raise KeyError(f"profile {profile!r} is not one of {', '.join(profiles)}")
    config = copy.deepcopy(config)
    for node_type, overrides in (profiles[profile] or {}).items():
        config["available_node_types"][node_type].update(overrides)
    return config


def capacity(node_type: dict) -> dict[str, float]:
    """What one node of this type offers the scheduler (CPU, GPU and custom resources)."""
    return {name: float(amount) for name, amount in node_type.get("resources", {}).items()}


def demand(ray_actor_options: dict | None) -> dict[str, float]:
    """What one replica asks for. Serve reserves 1 CPU per replica unless told otherwise."""
    options = ray_actor_options or {}
    wanted = {"CPU": float(options.get("num_cpus", 1)), "GPU": float(options.get("num_gpus", 0))}
    wanted.update(
        {name: float(amount) for name, amount in (options.get("resources") or {}).items()}
    )
    return {name: amount for name, amount in wanted.items() if amount > 0}


def fitting_node_types(ray_actor_options: dict | None, config: dict) -> list[str]:
    """The worker node types one replica with these options could be placed on."""
    wanted = demand(ray_actor_options)
    return [
        name
        for name, node_type in config["available_node_types"].items()
        if name != config["head_node_type"]
        and all(
            capacity(node_type).get(resource, 0) >= amount for resource, amount in wanted.items()
        )
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(
            "usage: python -m cluster.autoscaler dev|prod > ray-cluster.<profile>.yaml",
            file=sys.stderr,
        )
        return 2
    try:
        config = load(argv[0])
    except KeyError as exc:
        print(f"cluster.autoscaler: {exc.args[0]}", file=sys.stderr)
        return 2
    print(
        f"# Generated from ray-cluster.yaml by `python -m cluster.autoscaler {argv[0]}`: edit that file."
    )
    print(yaml.safe_dump(config, sort_keys=False), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
