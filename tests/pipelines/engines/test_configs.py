"""The Serve config files: valid for Ray Serve, naming real deployments, fitting their GPUs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ray.serve.schema import ServeDeploySchema

from serve_apps.deployments import deployments
from serve_apps.studio import build_studio_app

PROFILES = Path(__file__).parents[3] / "serve_apps"
NAMES = {d.name for d in deployments().values()} | {"Ingress"}


def load(profile: str) -> dict:
    return yaml.safe_load((PROFILES / f"{profile}.yaml").read_text())


def engine_deployments(config: dict) -> list[dict]:
    return [d for d in config["applications"][0]["deployments"] if d["name"] != "Ingress"]


@pytest.mark.parametrize("profile", ["t4", "h100"])
def test_config_is_valid_and_names_our_deployments(profile, tiny_models):
    config = load(profile)
    ServeDeploySchema.model_validate(config)
    app = config["applications"][0]
    assert {d["name"] for d in app["deployments"]} == NAMES
    assert build_studio_app({**app["args"], "models_dir": str(tiny_models)}) is not None


def test_t4_fits_one_of_each_on_one_card():
    """One of each engine that starts with the app; LipSync starts on demand, on another T4."""
    starting = [
        d
        for d in load("t4")["applications"][0]["deployments"]
        if (d.get("autoscaling_config") or {}).get("min_replicas", 1) > 0
    ]
    shares = [d["ray_actor_options"].get("num_gpus", 0) for d in starting]
    assert round(sum(shares), 4) <= 0.88  # 14.7 GiB less 5 CUDA contexts (see the file's comment)
    assert sum(d["ray_actor_options"]["num_cpus"] for d in starting) <= 4


def test_h100_fits_every_replica_at_max_on_one_card():
    """SVD and AnimateDiff share one motion budget: AnimateDiff scales up where SVD's second is not."""
    config = {d["name"]: d for d in engine_deployments(load("h100"))}

    def share(name: str, replicas_key: str) -> float:
        d = config[name]
        return d["ray_actor_options"]["num_gpus"] * d["autoscaling_config"][replicas_key]

    motion = max(
        share("SVD", "max_replicas"),
        share("SVD", "min_replicas") + share("AnimateDiff", "max_replicas"),
    )
    others = sum(
        share(name, "max_replicas") for name in config if name not in {"SVD", "AnimateDiff"}
    )
    assert round(others + motion, 4) <= 0.93


def test_the_decorator_defaults_are_the_t4_profile():
    """Running the app without a config file gives the T4 sizes."""
    by_name = {d.name: d for d in deployments().values()}
    for spec in engine_deployments(load("t4")):
        deployment = by_name[spec["name"]]
        autoscaling = deployment._deployment_config.autoscaling_config
        assert deployment.ray_actor_options == spec["ray_actor_options"], spec["name"]
        assert deployment.max_ongoing_requests == spec["max_ongoing_requests"], spec["name"]
        assert {key: getattr(autoscaling, key) for key in spec["autoscaling_config"]} == spec[
            "autoscaling_config"
        ]
