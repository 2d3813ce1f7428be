"""The whole flow through Ray Serve over real HTTP and a real WebSocket:

register → login → project → upload images and music → submit a short film → restart the ingress (the job
goes on) → follow progress on the WebSocket → download an MP4 that FFmpeg's libraries accept.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from ray import serve
from websockets.sync.client import connect

from tests.utils.media import image_bytes, wav_bytes
from tests.utils.platform import PASSWORD, free_port, make_settings
from tests.utils.probe import probe

pytestmark = pytest.mark.timeout(300)

APP = "platform-test"


@pytest.fixture
def served(tmp_path, render_database_url, keys_dir, ray_jobs):
    """The Serve application of serve_apps/app.py on a loopback port; (base URL, deploy())."""
    from ray.serve.context import _get_global_client

    from serve_apps.app import build_app

    settings = make_settings(tmp_path, render_database_url, keys_dir, job_supervisor=True)
    serve.start(http_options={"host": "127.0.0.1", "port": free_port()})
    port = _get_global_client().http_config.port  # Serve may already be up in this Ray session

    def deploy() -> None:
        serve.run(build_app(settings.model_dump()), name=APP, route_prefix="/")

    deploy()
    yield f"http://127.0.0.1:{port}", deploy, settings
    serve.delete(APP)


def test_film_through_serve(served, tmp_path: Path):
    base, deploy, settings = served
    http = httpx.Client(base_url=base, timeout=60)
    assert http.get("/health").json()["status"] == "ok"
    assert http.get("/api/v1/projects").status_code == 401

    email = "director@studio.test"
    assert (
        http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code
        == 201
    )
    tokens = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    project = http.post("/api/v1/projects", json={"name": "Dawn"}, headers=auth).json()
    images = [
        http.post(
            f"/api/v1/projects/{project['id']}/assets",
            files={"file": (f"shot-{i}.jpg", image_bytes("JPEG", (1280, 720), color))},
            headers=auth,
        ).json()["id"]
        for i, color in enumerate([(30, 60, 120), (220, 150, 60)])
    ]
    track = http.post(
        f"/api/v1/projects/{project['id']}/assets",
        files={"file": ("theme.wav", wav_bytes(3.0))},
        headers=auth,
    ).json()
    assert track["kind"] == "audio"
    submitted = http.post(
        "/api/v1/generate/video",
        json={
            "project_id": project["id"],
            "script": "Night falls on the sea.\n\nDawn breaks.",
            "image_ids": images,
            "music": track["id"],
            "duration": 8,
        },
        headers={**auth, "Idempotency-Key": "dawn-1"},
    )
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["job_id"]

    # Restart the ingress: its replica dies, a new one starts. The job is in the database and
    # its render belongs to the supervisor, so it goes on.
    serve.delete(APP)
    deploy()

    ws_url = (
        base.replace("http", "ws") + f"/api/v1/jobs/{job_id}/events?token={tokens['access_token']}"
    )
    events = []
    with connect(ws_url, open_timeout=30) as ws:
        for message in ws:
            events.append(json.loads(message))
            if events[-1]["status"] in ("succeeded", "failed", "cancelled"):
                break
    assert events[-1]["status"] == "succeeded", http.get(
        f"/api/v1/jobs/{job_id}", headers=auth
    ).json()["error"]
    stages = [e["stage"] for e in events if e["stage"]]
    assert stages.index("voices") < stages.index("frames") < stages.index("mux")
    assert [e["progress"] for e in events if e["status"] == "running"] == sorted(
        e["progress"] for e in events if e["status"] == "running"
    )

    film = http.get(f"/api/v1/jobs/{job_id}/outputs/film", headers=auth)
    assert film.status_code == 200 and film.headers["content-type"] == "video/mp4"
    path = tmp_path / "film.mp4"
    path.write_bytes(film.content)
    info = probe(path)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert (info.width, info.height) == (1280, 720)
    assert info.duration == pytest.approx(8.0, abs=0.5)
    for name, kind in (
        ("srt", "application/x-subrip"),
        ("vtt", "text/vtt"),
        ("thumbnail", "image/jpeg"),
    ):
        response = http.get(f"/api/v1/jobs/{job_id}/outputs/{name}", headers=auth)
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
    assert "Dawn breaks" in http.get(f"/api/v1/jobs/{job_id}/outputs/vtt", headers=auth).text

    ledger = http.get("/api/v1/credits/ledger", headers=auth).json()["items"]
    assert sorted(e["kind"] for e in ledger if e["job_id"] == job_id) == ["capture", "reserve"]
    assert http.get("/api/v1/credits/balance", headers=auth).json()["balance"] == 600 - 8
