"""The Redis-backed parts against a real Redis: rate limit, token revocation, job events.

Two app instances sharing one Redis and one database stand for two ingress replicas.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
import redis
from fastapi.testclient import TestClient

from infra.events import Event, RedisEventBus, follow
from serve_apps.api.main import create_app
from tests.utils.platform import create_project, make_settings, register


@pytest.fixture
def redis_settings(tmp_path, database_url, keys_dir, redis_url):
    settings = make_settings(
        tmp_path,
        database_url,
        keys_dir,
        redis_url=redis_url,
        rate_limit_requests=6,
        rate_limit_window_s=60,
    )
    yield settings
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{settings.redis_prefix}*"):
        client.delete(key)


def test_rate_limit_is_shared_by_replicas(redis_settings):
    with (
        TestClient(create_app(redis_settings)) as one,
        TestClient(create_app(redis_settings)) as two,
    ):
        for client in (one, two, one, two, one, two):
            assert client.get("/api/v1/projects").status_code == 401  # counted, then refused
        limited = two.get("/api/v1/projects")
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert one.get("/health").status_code == 200  # health checks are not limited


def test_rate_limit_without_redis(tmp_path, database_url, keys_dir):
    settings = make_settings(
        tmp_path, database_url, keys_dir, rate_limit_requests=3, rate_limit_window_s=300
    )
    with TestClient(create_app(settings)) as client:
        codes = [client.get("/api/v1/credits/balance").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        assert 290 <= int(client.get("/api/v1/users/me").headers["Retry-After"]) <= 300


def test_logout_revokes_access_tokens_on_every_replica(redis_settings):
    settings = redis_settings.model_copy(update={"rate_limit_requests": 0})
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        user = register(one)
        assert two.get("/api/v1/users/me", headers=user.headers).status_code == 200
        assert (
            one.post("/api/v1/auth/logout", json={"refresh_token": user.refresh_token}).status_code
            == 204
        )
        assert two.get("/api/v1/users/me", headers=user.headers).status_code == 401
        keys = list(
            redis.Redis.from_url(settings.redis_url).scan_iter(
                f"{settings.redis_prefix}revoked-family:*"
            )
        )
        assert len(keys) == 1
        ttl = redis.Redis.from_url(settings.redis_url).ttl(keys[0])
        assert 7 * 86400 - 60 < ttl <= 7 * 86400


def test_events_wake_followers_through_pubsub(redis_url):
    """A follower sleeping on a 30 s recheck still sees a new event at once: pub/sub woke it."""
    bus = RedisEventBus(redis_url, prefix=f"test-{time.monotonic_ns()}:")
    table: list[Event] = []

    async def read_after(cursor: int) -> list[Event]:
        return [e for e in table if e.id > cursor]

    def event(i: int, status: str) -> Event:
        return Event(id=i, job_id="job-1", status=status, progress=i * 10.0, at=datetime.now(UTC))

    async def scenario() -> tuple[list[Event], float]:
        received: list[Event] = []

        async def follower() -> None:
            async for e in follow(bus, "job-1", read_after, recheck_s=30):
                received.append(e)

        task = asyncio.create_task(follower())
        await asyncio.sleep(0.3)  # subscribed, waiting
        started = time.monotonic()
        for i, status in enumerate(["running", "running", "succeeded"], start=1):
            table.append(event(i, status))
            bus.publish(table[-1])
            await asyncio.sleep(0.05)
        await asyncio.wait_for(task, timeout=5)
        return received, time.monotonic() - started

    received, took = asyncio.run(scenario())
    bus.close()
    assert [e.id for e in received] == [1, 2, 3] and received[-1].finished
    assert took < 2


@pytest.mark.timeout(120)
def test_job_events_over_redis(tmp_path, render_database_url, keys_dir, redis_url, ray_jobs):
    settings = make_settings(
        tmp_path, render_database_url, keys_dir, redis_url=redis_url, job_supervisor=True
    )
    with TestClient(create_app(settings)) as client:
        user = register(client)
        project = create_project(client, user)
        job = client.post(
            "/api/v1/generate/script",
            json={"project_id": project["id"], "script": "Hello, sea."},
            headers=user.headers,
        ).json()
        events = []
        with client.websocket_connect(
            f"/api/v1/jobs/{job['job_id']}/events?token={user.access_token}"
        ) as ws:
            while not events or events[-1]["status"] not in ("succeeded", "failed"):
                events.append(ws.receive_json())
    assert events[-1]["status"] == "succeeded"
    assert [e["status"] for e in events][:2] == ["queued", "running"]
