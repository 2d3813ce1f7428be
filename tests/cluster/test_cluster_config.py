"""ray-cluster.yaml and cluster/rayservice.yaml: valid for the tools that read them, and every
Serve deployment of every profile has a node type (or worker group) it fits on."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import ray
import yaml

from cluster import autoscaler, rayservice
from tests.cluster.conftest import ROOT

SCHEMA = json.loads((Path(ray.__file__).parent / "autoscaler" / "ray-schema.json").read_text())
PROFILES = sorted((ROOT / "serve_apps").glob("*.yaml"))
CLUSTER_PROFILES = [p for p in PROFILES if p.stem != "h100"]  # h100: one big box, not this cluster


@pytest.mark.parametrize("profile", ["dev", "prod"])
def test_each_profile_passes_the_autoscaler_schema_and_rays_own_checks(profile):
    from ray.autoscaler._private.util import prepare_config, validate_config

    config = autoscaler.load(profile)
    jsonschema.validate(config, SCHEMA)  # the schema inside the installed ray wheel
    validate_config(prepare_config(config))  # what `ray up` runs before launching anything


def test_gpu_nodes_are_g4dn_spot_with_an_on_demand_baseline_only_in_prod():
    dev, prod = autoscaler.load("dev"), autoscaler.load("prod")
    spot, ondemand = (dev["available_node_types"][t] for t in ("gpu_spot", "gpu_ondemand"))
    assert (
        spot["node_config"]["InstanceType"]
        == ondemand["node_config"]["InstanceType"]
        == "g4dn.xlarge"
    )
    assert spot["node_config"]["InstanceMarketOptions"] == {"MarketType": "spot"}
    assert "InstanceMarketOptions" not in ondemand["node_config"]
    gpu_types = [t for t in dev["available_node_types"].values() if t["resources"].get("GPU")]
    assert sum(t["max_workers"] for t in gpu_types) == 20
    assert sum(t["min_workers"] for t in gpu_types) == 0
    assert prod["available_node_types"]["gpu_ondemand"]["min_workers"] == 1
    assert prod["available_node_types"]["gpu_spot"]["min_workers"] == 0
    assert dev["idle_timeout_minutes"] > 0


def test_every_node_installs_the_project_and_gpu_nodes_the_cuda_torch_first():
    config = autoscaler.load()
    assert any("filmstudio[api]" in c for c in config["setup_commands"])
    for name in ("gpu_spot", "gpu_ondemand"):
        commands = config["available_node_types"][name]["worker_setup_commands"]
        assert commands[0] == "pip install -q torch==2.13.0"
        assert "studio" in commands[1]


def test_the_prod_file_printed_by_the_helper_is_the_prod_profile(capsys):
    assert autoscaler.main(["prod"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed == autoscaler.load("prod")
    assert autoscaler.main(["staging"]) == 2


@pytest.mark.skipif(not CLUSTER_PROFILES, reason="no Serve profile in serve_apps/ yet")
@pytest.mark.parametrize("profile", CLUSTER_PROFILES, ids=lambda p: p.name)
def test_every_serve_deployment_fits_a_node_type(profile):
    config = autoscaler.load()
    for name, options in _deployments(profile):
        assert autoscaler.fitting_node_types(options, config), (
            f"{profile.name}: {name} {options} fits no node type"
        )


def test_gpu_demand_fits_only_gpu_node_types():
    config = autoscaler.load()
    assert autoscaler.fitting_node_types(
        {"num_gpus": 0.25, "resources": {"g4dn": 0.25}}, config
    ) == ["gpu_spot", "gpu_ondemand"]
    assert autoscaler.fitting_node_types({"num_gpus": 2}, config) == []


# --- KubeRay ---------------------------------------------------------------------------------


def test_rayservice_embeds_the_t4_serve_config():
    service = yaml.safe_load((ROOT / "cluster" / "rayservice.yaml").read_text())
    assert service["apiVersion"] == "ray.io/v1" and service["kind"] == "RayService"
    embedded = yaml.safe_load(service["spec"]["serveConfigV2"])
    t4 = ROOT / "serve_apps" / "t4.yaml"
    if t4.exists():
        assert embedded == yaml.safe_load(t4.read_text()), (
            "run `python -m cluster.rayservice` to re-sync"
        )
    assert rayservice.main(["--check"]) == (0 if t4.exists() else 2)


def test_every_embedded_deployment_fits_a_rayservice_worker_group():
    service = yaml.safe_load((ROOT / "cluster" / "rayservice.yaml").read_text())
    groups = rayservice.worker_groups(service)
    assert {"cpu", "gpu-spot", "gpu-ondemand"} <= set(groups)
    assert groups["gpu-spot"]["GPU"] == 1 and groups["gpu-spot"]["g4dn"] == 1
    embedded = yaml.safe_load(service["spec"]["serveConfigV2"])
    for app in embedded["applications"]:
        for deployment in app.get("deployments", []):
            wanted = autoscaler.demand(deployment.get("ray_actor_options"))
            assert any(
                all(group.get(k, 0) >= v for k, v in wanted.items()) for group in groups.values()
            ), deployment


def _deployments(profile: Path):
    for app in yaml.safe_load(profile.read_text()).get("applications", []):
        for deployment in app.get("deployments", []):
            yield f"{app['name']}/{deployment['name']}", deployment.get("ray_actor_options")
