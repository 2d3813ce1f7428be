"""Fixtures for the cluster tests.

Two kinds of test live in this folder:

- plain ones (manifests, the autoscaler and KubeRay files, storage, the Grafana dashboard): no
  Ray, they run with the rest of the suite (`pytest tests -m "not cluster"`);
- `@pytest.mark.cluster` ones: a real multi-node Ray cluster on this machine
  (`ray.cluster_utils.Cluster`), shaped like `ray-cluster.yaml` — a head with no CPUs that runs
  the dashboard and the job server, a CPU worker, and a worker declaring one logical GPU and the
  GPU node types' custom resources. Such a cluster cannot share a process with a plain
  `ray.init()` session, so they run in a pytest process of their own: `pytest tests -m cluster`.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

# A process reads RAY_AUTH_MODE once, when it first imports Ray: say it before any test module
# does (the Makefile exports it too). Every node, job and client of the test cluster uses token
# auth with one token of its own (the `lab` fixture).
os.environ.setdefault("RAY_AUTH_MODE", "token")

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "cluster: needs a multi-node Ray cluster of its own; run as `pytest -m cluster`"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- inputs -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def assets(tmp_path_factory) -> Path:
    """A folder with a still image and a short screenplay, as a manifest's neighbours."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("assets")
    y, x = np.mgrid[0:360, 0:640]
    picture = np.stack([x * 255 // 640, y * 255 // 360, np.full_like(x, 140)], -1).astype(np.uint8)
    Image.fromarray(picture).save(folder / "still.png")
    (folder / "scene.fountain").write_text("EXT. PIER - DUSK\n\nIRIS\nThe lamp turns.\n")
    return folder


def write_manifest(folder: Path, name: str, rows: list[dict]) -> Path:
    import json

    path = folder / name
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


# --- S3 on loopback ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server() -> Iterator[dict[str, str]]:
    """moto's S3 server on loopback with one bucket; yields the environment that reaches it."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    client = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket="renders")
    yield {**env, "BUCKET": "renders"}
    server.stop()


@pytest.fixture(scope="module")
def s3(s3_server) -> Iterator[dict[str, str]]:
    """The S3 server's environment, set in this process for one test module."""
    from cluster import uris

    with _environ({k: v for k, v in s3_server.items() if k.startswith("AWS_")}):
        uris._bucket.cache_clear()
        yield s3_server
    uris._bucket.cache_clear()


class _environ:
    """Set environment variables for a `with` block, then restore what was there."""

    def __init__(self, values: dict[str, str]):
        self.values = values
        self.saved: dict[str, str | None] = {}

    def __enter__(self):
        for name, value in self.values.items():
            self.saved[name] = os.environ.get(name)
            os.environ[name] = value

    def __exit__(self, *exc):
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- a multi-node Ray cluster ------------------------------------------------------------------


@dataclass
class Lab:
    """The test cluster: its nodes, a job client, and the environment jobs need."""

    cluster: object  # ray.cluster_utils.Cluster
    client: object  # ray.job_submission.JobSubmissionClient
    cpu_node: object
    gpu_node: object
    job_env: dict[str, str]

    def submit(self, *args: str, env: dict[str, str] | None = None) -> str:
        """`ray job submit --working-dir <repo> -- python -m cluster.bulk ARGS` via the SDK.

        The entrypoint names this interpreter: a job's `python` is whatever the PATH of the
        process that started Ray says, and pytest may run from a venv that is not activated."""
        import shlex

        return self.client.submit_job(
            entrypoint=f"{shlex.quote(sys.executable)} -m cluster.bulk {shlex.join(args)}",
            runtime_env={"working_dir": str(ROOT), "env_vars": {**self.job_env, **(env or {})}},
        )

    def wait(self, job_id: str, timeout: float = 420) -> tuple[str, str]:
        """Wait for the job to end; its final status and its logs."""
        from ray.job_submission import JobStatus

        deadline = time.monotonic() + timeout
        while (status := self.client.get_job_status(job_id)) not in {
            JobStatus.SUCCEEDED,
            JobStatus.FAILED,
            JobStatus.STOPPED,
        }:
            if time.monotonic() > deadline:
                self.client.stop_job(job_id)
                pytest.fail(
                    f"job {job_id} still {status} after {timeout:g} s:\n{self.client.get_job_logs(job_id)[-4000:]}"
                )
            time.sleep(1)
        return str(status.value), self.client.get_job_logs(job_id)


@pytest.fixture(scope="session")
def lab(s3_server) -> Iterator[Lab]:
    """Head (0 CPUs, dashboard + job server) + CPU worker + GPU worker (1 logical GPU and the
    custom resources of ray-cluster.yaml's GPU node types; 4 CPUs like a g4dn.xlarge)."""
    import ray
    from ray.cluster_utils import Cluster
    from ray.job_submission import JobSubmissionClient

    from cluster import autoscaler

    if ray.is_initialized():
        pytest.fail(
            "the cluster tests need a Ray of their own: run them as `pytest tests -m cluster`"
        )
    if os.environ["RAY_AUTH_MODE"] != "token":
        pytest.fail("the cluster tests use token auth: run them with RAY_AUTH_MODE=token")
    gpu_type = autoscaler.load()["available_node_types"]["gpu_spot"]["resources"]
    custom = {k: v for k, v in gpu_type.items() if k not in ("CPU", "GPU")}
    with _environ({"RAY_AUTH_TOKEN": os.environ.get("RAY_AUTH_TOKEN") or uuid.uuid4().hex}):
        cluster = Cluster(
            initialize_head=True,
            head_node_args=dict(
                num_cpus=0,
                include_dashboard=True,
                dashboard_port=free_port(),
                dashboard_agent_listen_port=free_port(),  # not 52365: another Ray here may hold it
                object_store_memory=200 * MiB,
                _system_config={
                    "metrics_report_interval_ms": 1000,  # metrics reach the export port fast
                    "health_check_period_ms": 1000,  # a removed node is declared dead in seconds
                    "health_check_failure_threshold": 3,
                },
            ),
        )
        # Each node unpacks a job's working_dir into a folder of its own, as on its own disk:
        # a node replaces the folder when it sets the job up, under the feet of another node's
        # processes if they shared one (a driver then failed to import a module it had).
        cpu_node = cluster.add_node(
            num_cpus=2, object_store_memory=200 * MiB, runtime_env_dir_name="runtime_cpu"
        )
        gpu_node = cluster.add_node(
            num_cpus=4,
            num_gpus=gpu_type["GPU"],
            resources=custom,
            object_store_memory=200 * MiB,
            runtime_env_dir_name="runtime_gpu",
        )
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        job_env = {
            "FILMSTUDIO_MIN_DURATION": os.environ.get("FILMSTUDIO_MIN_DURATION", "2"),
            **{k: v for k, v in s3_server.items() if k.startswith("AWS_")},
        }
        client = JobSubmissionClient(f"http://{cluster.webui_url}")
        _wait_for_job_agent(client)
        try:
            yield Lab(cluster, client, cpu_node, gpu_node, job_env)
        finally:
            ray.shutdown()
            cluster.shutdown()


def _wait_for_job_agent(client, timeout: float = 60) -> None:
    """The job server answers before the head's agent has registered ("No available agent to
    submit job"): submit a no-op until it is taken."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.submit_job(entrypoint="true")
            return
        except RuntimeError as exc:
            if "No available agent" not in str(exc):
                raise
            time.sleep(1)
    pytest.fail("the head's job agent never came up: see dashboard_agent.log in the session's logs")
