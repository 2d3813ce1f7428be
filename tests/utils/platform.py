"""Fixtures for the platform's tests: a fresh database per test, the app, users, servers.

Databases: each test gets an empty SQLite file and (when reachable) an empty PostgreSQL schema,
so most tests run on both. With DATABASE_URL set (CI runs the suite once per database), every
test uses that database only. The Ray-heavy tests run on one database (`render_database_url`).

PostgreSQL and Redis are real servers on loopback; S3 is moto's server on loopback. Without
CI=true a test that needs a server that is down is skipped with the reason; under CI it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

os.environ.setdefault("FILMSTUDIO_MIN_DURATION", "2")

CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get(
    "FILMSTUDIO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("FILMSTUDIO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "correct horse battery"
ADMIN_EMAIL = "admin@studio.test"


def require(service: str, problem: str | None) -> None:
    """Skip (or, under CI, fail) when a server the test needs is not there."""
    if problem is None:
        return
    if CI:
        pytest.fail(f"{service} is required under CI=true and is unreachable: {problem}")
    pytest.skip(f"{service} unreachable: {problem}")


def _postgres_problem(url: str) -> str | None:
    import psycopg

    try:
        psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3).close()
    except Exception as exc:
        return str(exc).strip()
    return None


def _redis_problem(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        return str(exc)
    return None


def _backends() -> list[str]:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return ["postgresql" if configured.startswith("postgresql") else "sqlite"]
    return ["sqlite", "postgresql"]


@dataclass
class PostgresSchema:
    """An empty schema of the test database; the URL points the search path at it."""

    base_url: str
    name: str = field(default_factory=lambda: f"t_{uuid.uuid4().hex[:12]}")

    @property
    def url(self) -> str:
        joiner = "&" if "?" in self.base_url else "?"
        return f"{self.base_url}{joiner}options=-csearch_path%3D{self.name}"

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            self.base_url.replace("+psycopg", "").split("?")[0], autocommit=True
        ) as conn:
            conn.execute(sql)

    def create(self) -> None:
        self._execute(f"CREATE SCHEMA {self.name}")

    def drop(self) -> None:
        self._execute(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database, copied for each test (migrating each time is slower)."""
    from db.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "studio.db"
    upgrade(f"sqlite:///{path}")
    return path


def _database(backend: str, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    if backend == "sqlite":
        shutil.copyfile(sqlite_template, tmp_path / "studio.db")
        yield f"sqlite:///{tmp_path / 'studio.db'}"
        return
    base = (
        os.environ.get("DATABASE_URL")
        if backend == "postgresql" and os.environ.get("DATABASE_URL", "").startswith("postgresql")
        else POSTGRES_URL
    )
    require("PostgreSQL", _postgres_problem(base))
    schema = PostgresSchema(base)
    schema.create()
    try:
        yield schema.url
    finally:
        schema.drop()


@pytest.fixture(params=_backends())
def database_url(request, tmp_path, sqlite_template) -> Iterator[str]:
    """An empty database: SQLite and PostgreSQL in turn (or DATABASE_URL's kind only)."""
    yield from _database(request.param, tmp_path, sqlite_template)


@pytest.fixture
def render_database_url(tmp_path, sqlite_template) -> Iterator[str]:
    """One empty database for the slow, Ray-heavy tests: DATABASE_URL's kind, else SQLite."""
    yield from _database(_backends()[0], tmp_path, sqlite_template)


@pytest.fixture
def redis_url() -> str:
    require("Redis", _redis_problem(REDIS_URL))
    return REDIS_URL


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory) -> Path:
    """One signing key pair for the run (generating RSA keys per test costs time, not coverage)."""
    return tmp_path_factory.mktemp("keys")


def make_settings(tmp_path: Path, database_url: str, keys_dir: Path | None = None, **overrides):
    from infra.settings import Settings

    values = dict(
        var_dir=tmp_path / "var",
        keys_dir=keys_dir,
        database_url=database_url,
        redis_url=None,
        redis_prefix=f"test-{uuid.uuid4().hex[:8]}:",
        s3_bucket=None,
        rate_limit_requests=0,
        admin_emails=[ADMIN_EMAIL],
        job_lease_s=3.0,
        job_scan_s=0.5,
        job_max_attempts=3,
        job_supervisor=False,  # only the job tests run jobs (they turn it on)
        # Accounts render without mailing links; tests/serve_apps/api/test_recovery.py turns
        # verification on and follows the mail.
        require_verified_email=False,
        # argon2id still, at a cost that keeps a hundred registrations quick on two cores.
        argon2_time_cost=1,
        argon2_memory_kib=8192,
        argon2_parallelism=1,
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path, database_url, keys_dir):
    return make_settings(tmp_path, database_url, keys_dir)


def https_browser(tmp_path: Path, database_url: str, keys_dir: Path, **overrides):
    """A client of the studio at https://testserver, as a browser reaches it (its Secure cookies
    come back), on `make_settings`' settings and `overrides`; open it in a `with` block."""
    from fastapi.testclient import TestClient

    from serve_apps.api.main import create_app

    settings = make_settings(
        tmp_path, database_url, keys_dir, public_url="https://testserver", **overrides
    )
    return TestClient(create_app(settings), base_url="https://testserver")


@pytest.fixture
def client(settings):
    from fastapi.testclient import TestClient

    from serve_apps.api.main import create_app

    with TestClient(create_app(settings)) as test_client:
        yield test_client


@dataclass
class Account:
    """A logged-in user, as a client sees it."""

    id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register(client, email: str | None = None, password: str = PASSWORD) -> Account:
    email = email or f"user-{uuid.uuid4().hex[:8]}@studio.test"
    created = client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert created.status_code == 201, created.text
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    return Account(created.json()["id"], email, body["access_token"], body["refresh_token"])


@pytest.fixture
def user(client) -> Account:
    return register(client)


@pytest.fixture
def other_user(client) -> Account:
    return register(client)


@pytest.fixture
def admin(client) -> Account:
    return register(client, ADMIN_EMAIL)


def create_project(client, account: Account, name: str = "The Lighthouse") -> dict:
    response = client.post("/api/v1/projects", json={"name": name}, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def project(client, user) -> dict:
    return create_project(client, user)


def finished_job(client, account: Account, job_id: str, timeout: float) -> dict:
    """The job once it has ended (succeeded, failed or cancelled), polled through the API;
    AssertionError with its last state past `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (job := client.get(f"/api/v1/jobs/{job_id}", headers=account.headers).json())[
        "status"
    ] not in ("succeeded", "failed", "cancelled"):
        assert time.monotonic() < deadline, job
        time.sleep(0.3)
    return job


# --- servers on loopback ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app under a real uvicorn on a loopback port, in a thread of this process."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(settings) -> Iterator[LiveServer]:
    from serve_apps.api.main import create_app

    with LiveServer(create_app(settings)) as server:
        yield server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 server on loopback: real S3 HTTP, presigned URLs included."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def s3_bucket(s3_server) -> str:
    name = f"studio-{uuid.uuid4().hex[:10]}"
    s3_client(s3_server).create_bucket(Bucket=name)
    return name


def s3_settings(s3_server: str, bucket: str) -> dict:
    return dict(
        s3_bucket=bucket,
        s3_endpoint_url=s3_server,
        s3_region="us-east-1",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
    )


# --- Ray ----------------------------------------------------------------------------------------


@pytest.fixture
def ray_jobs(ray_session):
    """Ray is up (one session for the run); job supervisors a test starts are stopped after it."""
    import ray

    before = set(_supervisors())
    yield ray
    for name, namespace in set(_supervisors()) - before:
        try:
            ray.kill(ray.get_actor(name, namespace=namespace))
        except ValueError:  # already gone
            pass


def _supervisors() -> list[tuple[str, str]]:
    import ray

    return [
        (a["name"], a["namespace"])
        for a in ray.util.list_named_actors(all_namespaces=True)
        if a["name"].startswith("job-supervisor-")
    ]
