"""A studio-tier film through the API: the studio profile's app (serve_apps.studio:
build_studio_app: the platform ingress with every engine deployment bound in), a pro user's
job rendered through the deployments' handles.

The server has no model directory of its own (settings.models_dir is None), so the job can only
succeed by reaching the engines through their deployments."""

from __future__ import annotations

import time

import httpx
import pytest

from pipelines.engines import ENGINES
from serve_apps.studio import build_studio_app
from tests.utils.film import SCRIPT
from tests.utils.media import image_bytes
from tests.utils.platform import ADMIN_EMAIL, PASSWORD, make_settings
from tests.utils.probe import probe

pytestmark = pytest.mark.timeout(400)

APP = "studio-api"


def login(http: httpx.Client, email: str) -> dict[str, str]:
    tokens = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_studio_job_renders_through_the_engine_deployments(
    serve_session, ray_jobs, tiny_models, tmp_path
):
    from ray.serve.context import _get_global_client

    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'studio.db'}", tmp_path / "keys", job_supervisor=True
    )
    assert settings.models_dir is None
    no_cpu = {"ray_actor_options": {"num_cpus": 0}}  # 2 cores: replicas must not reserve one each
    app = build_studio_app(
        {
            "models_dir": str(tiny_models),
            "options": {name: no_cpu for name in ENGINES},
            "settings": settings.model_dump(),
        }
    )
    serve_session.run(app, name=APP, route_prefix="/")
    try:
        http = httpx.Client(
            base_url=f"http://127.0.0.1:{_get_global_client().http_config.port}", timeout=60
        )
        for email in (ADMIN_EMAIL, "pro@studio.test"):
            assert (
                http.post(
                    "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
                ).status_code
                == 201
            )
        admin = login(http, ADMIN_EMAIL)
        me = http.get("/api/v1/users/me", headers=login(http, "pro@studio.test")).json()
        promoted = http.patch(
            f"/api/v1/admin/users/{me['id']}", json={"role": "pro_user"}, headers=admin
        )
        assert promoted.status_code == 200, promoted.text
        auth = login(http, "pro@studio.test")  # a fresh token carries the pro tier
        project = http.post("/api/v1/projects", json={"name": "Kettle"}, headers=auth).json()
        # Mara's reference picture: the job downloads it and the SDXL replica takes her look.
        mara = http.post(
            f"/api/v1/projects/{project['id']}/assets",
            files={"file": ("mara.png", image_bytes(color=(200, 30, 40)))},
            headers=auth,
        )
        assert mara.status_code == 201, mara.text

        submitted = http.post(
            "/api/v1/generate/video",
            json={
                "project_id": project["id"],
                "script": SCRIPT,
                "duration": 6,
                "tier": "studio",
                "references": {"MARA": mara.json()["id"]},
            },
            headers=auth,
        )
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["job_id"]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status = http.get(f"/api/v1/jobs/{job_id}/status", headers=auth).json()
            if status["status"] in ("succeeded", "failed", "cancelled"):
                break
            time.sleep(1)
        job = http.get(f"/api/v1/jobs/{job_id}", headers=auth).json()
        assert job["status"] == "succeeded", job.get("error")

        film = http.get(f"/api/v1/jobs/{job_id}/outputs/film", headers=auth)
        assert film.status_code == 200
        (tmp_path / "film.mp4").write_bytes(film.content)
        info = probe(tmp_path / "film.mp4")
        assert (info.video_codec, info.audio_codec) == ("h264", "aac")
        assert info.duration == pytest.approx(6.0, abs=0.5)
    finally:
        serve_session.delete(APP)
