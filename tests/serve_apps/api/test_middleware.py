"""What every response carries and every request is held to: security headers, CORS only when
configured, body caps per route (413 naming the limit), and 504 for a handler too slow."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from serve_apps.api.main import create_app
from tests.utils.platform import LiveServer, create_project, make_settings, register

PROJECTS = "/api/v1/projects"


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template):
    import shutil

    shutil.copyfile(sqlite_template, tmp_path / "studio.db")
    return f"sqlite:///{tmp_path / 'studio.db'}"


def app_client(tmp_path, url, keys_dir, base_url="http://testserver", **overrides):
    settings = make_settings(tmp_path, url, keys_dir, **overrides)
    return TestClient(create_app(settings), base_url=base_url)


def test_every_answer_carries_the_security_headers(client, user):
    for response in (
        client.get("/health"),
        client.get(PROJECTS, headers=user.headers),
        client.get(PROJECTS),  # 401
        client.get("/api/v1/nowhere"),  # 404
        client.post(PROJECTS, json={"name": ""}, headers=user.headers),  # 422
    ):
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert "media-src 'self' blob: data:" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in response.headers  # plain HTTP: no HSTS
        assert "access-control-allow-origin" not in response.headers


def test_docs_page_may_load_its_cdn(client):
    policy = client.get("/docs").headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in policy and "frame-ancestors 'none'" in policy


def test_hsts_over_tls_or_from_a_trusted_proxy(tmp_path, sqlite_url, keys_dir):
    with app_client(tmp_path, sqlite_url, keys_dir, base_url="https://testserver") as client:
        hsts = client.get("/health").headers["strict-transport-security"]
        assert hsts.startswith("max-age=63072000")
    # TestClient's peer is "testclient": trusted as a proxy here, and then not.
    forwarded = {"X-Forwarded-Proto": "https"}
    with app_client(tmp_path, sqlite_url, keys_dir, forwarded_allow_ips=["testclient"]) as client:
        assert "strict-transport-security" in client.get("/health", headers=forwarded).headers
        assert "strict-transport-security" not in client.get("/health").headers
    with app_client(tmp_path, sqlite_url, keys_dir) as client:
        assert "strict-transport-security" not in client.get("/health", headers=forwarded).headers


def test_cors_only_for_the_configured_origins(tmp_path, sqlite_url, keys_dir, client):
    preflight = {
        "Origin": "https://studio.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    # Off by default: no CORS headers, so browsers refuse cross-origin reads.
    off = client.options(PROJECTS, headers=preflight)
    assert "access-control-allow-origin" not in off.headers
    with app_client(
        tmp_path, sqlite_url, keys_dir, cors_origins=["https://studio.example"]
    ) as client:
        allowed = client.options(PROJECTS, headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://studio.example"
        assert allowed.headers["content-security-policy"]  # headers on preflights too
        other = client.options(PROJECTS, headers={**preflight, "Origin": "https://evil.example"})
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers
        simple = client.get("/health", headers={"Origin": "https://studio.example"})
        assert simple.headers["access-control-allow-origin"] == "https://studio.example"


def test_body_caps_per_route(tmp_path, sqlite_url, keys_dir):
    with app_client(
        tmp_path, sqlite_url, keys_dir, max_body_bytes=4096, max_script_body_bytes=65536
    ) as client:
        user = register(client)
        project = create_project(client, user)
        uploads = f"{PROJECTS}/{project['id']}/assets/uploads"  # a plain JSON route
        big_name = {"filename": "x" * 5000, "size_bytes": 1}
        refused = client.post(uploads, json=big_name, headers=user.headers)
        assert refused.status_code == 413
        assert refused.json()["detail"] == (
            "request body is larger than 4096 bytes, the limit for this route"
        )
        # A chunked body (no Content-Length) is counted as it arrives.
        chunked = client.post(
            uploads,
            content=iter([b'{"filename": "', b"y" * 5000, b'", "size_bytes": 1}']),
            headers={**user.headers, "Content-Type": "application/json"},
        )
        assert chunked.status_code == 413 and "4096 bytes" in chunked.json()["detail"]
        # A script may be far longer than other bodies; it still has its own cap.
        script = {"project_id": project["id"], "script": "The sea. " * 1000, "duration": 4}
        accepted = client.post("/api/v1/generate/script", json=script, headers=user.headers)
        assert accepted.status_code == 202, accepted.text
        script["script"] = "The sea. " * 8000
        too_long = client.post("/api/v1/generate/script", json=script, headers=user.headers)
        assert too_long.status_code == 413 and "65536 bytes" in too_long.json()["detail"]
        # A project holds its script: its document routes take the script's cap too.
        patched = client.patch(
            f"{PROJECTS}/{project['id']}", json={"script": "The sea. " * 1000}, headers=user.headers
        )
        assert patched.status_code == 200, patched.text
        # Nothing was created by the refused requests.
        listed = client.get(PROJECTS, headers=user.headers).json()
        assert listed["total"] == 1


def test_slow_handler_answers_504_and_others_are_not_held(tmp_path, sqlite_url, keys_dir):
    app = create_app(make_settings(tmp_path, sqlite_url, keys_dir, request_timeout_s=0.5))

    async def slow() -> dict:
        await asyncio.sleep(5)
        return {"done": True}

    def slow_sync() -> dict:
        time.sleep(2)
        return {"done": True}

    app.add_api_route("/slow", slow)
    app.add_api_route("/slow-sync", slow_sync)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        began = time.monotonic()
        response = http.get("/slow")
        assert response.status_code == 504
        assert response.json()["detail"] == "the request took longer than 0.5 s, the limit"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert time.monotonic() - began < 3
        began = time.monotonic()
        assert http.get("/slow-sync").status_code == 504
        assert time.monotonic() - began < 1.8  # answered at the limit, not when the thread ends
        assert http.get("/health").status_code == 200
