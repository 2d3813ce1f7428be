"""A character's reference is kept with the project: a studio job that drew it (their first
still) saves it as an image asset of the project named in its `references` setting, and the
next render takes it back, whatever its seed. Over real HTTP, the job rendered by a Ray worker
with the tiny studio models (settings.models_dir)."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.utils.platform import (
    ADMIN_EMAIL,
    PASSWORD,
    Account,
    LiveServer,
    create_project,
    finished_job,
    make_settings,
    register,
)

pytestmark = pytest.mark.timeout(400)

SCRIPT = "INT. KITCHEN - NIGHT\n\nMARA\nIs anyone there?\n"


@pytest.fixture
def studio(tmp_path, render_database_url, keys_dir, ray_jobs, tiny_models):
    from serve_apps.api.main import create_app

    settings = make_settings(
        tmp_path, render_database_url, keys_dir, job_supervisor=True, models_dir=tiny_models
    )
    with (
        LiveServer(create_app(settings)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


def pro_user(http) -> Account:
    admin = register(http, ADMIN_EMAIL)
    user = register(http)
    promoted = http.patch(
        f"/api/v1/admin/users/{user.id}", json={"role": "pro_user"}, headers=admin.headers
    )
    assert promoted.status_code == 200, promoted.text
    tokens = http.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    body = tokens.json()  # a fresh token carries the pro tier
    return Account(user.id, user.email, body["access_token"], body["refresh_token"])


def render(http, user, body: dict, path: str = "/api/v1/generate/video") -> dict:
    submitted = http.post(path, json=body, headers=user.headers)
    assert submitted.status_code == 202, submitted.text
    job = finished_job(http, user, submitted.json()["job_id"], timeout=300)
    assert job["status"] == "succeeded", job["error"]
    return job


def test_a_drawn_reference_is_kept_with_the_project_and_taken_back(studio):
    http = studio
    user = pro_user(http)
    project = create_project(http, user)
    url = f"/api/v1/projects/{project['id']}"
    film = {
        "project_id": project["id"],
        "script": SCRIPT,
        "duration": 4,
        "tier": "studio",
        "music": "none",
        "motion": "kenburns",
    }
    first = render(http, user, film | {"seed": 1})

    # Mara had no picture: her first still is her reference, now an image of the project.
    kept = http.get(url, headers=user.headers).json()["settings"]["references"]
    assert set(kept) == {"MARA"}
    asset = http.get(f"{url}/assets/{kept['MARA']}", headers=user.headers)
    assert asset.status_code == 200, asset.text
    assert (asset.json()["kind"], asset.json()["filename"]) == ("image", "reference-MARA.png")
    content = http.get(
        f"{url}/assets/{kept['MARA']}/content", headers=user.headers, follow_redirects=True
    )
    assert content.status_code == 200
    picture = Image.open(io.BytesIO(content.content))
    assert picture.format == "PNG" and max(picture.size) <= 512
    assert asset.json()["width"] == picture.width
    assert first["result"]["references"]["MARA"]["asset_id"] == kept["MARA"]

    # The next render (another seed) takes it back as her reference: nothing new is drawn.
    second = render(http, user, film | {"seed": 2, "references": kept})
    assert second["result"]["references"] == {}
    assert http.get(url, headers=user.headers).json()["settings"]["references"] == kept
    listed = http.get(f"{url}/assets", headers=user.headers).json()
    assert [a["id"] for a in listed["items"]] == [kept["MARA"]]
    assert np.asarray(picture).std() > 0  # a drawn still, not a blank

    # A storyboard of the project does not deal her reference out as a shot's picture.
    patched = http.patch(url, json={"script": SCRIPT}, headers=user.headers)
    assert patched.status_code == 200, patched.text
    render(http, user, {}, f"{url}/storyboard")
    board = http.get(f"{url}/storyboard", headers=user.headers).json()
    assert all(shot["picture"]["kind"] != "asset" for s in board["scenes"] for shot in s["shots"])


def test_a_storyboard_keeps_the_references_it_drew_for_the_render(studio):
    http = studio
    user = pro_user(http)
    project = create_project(http, user)
    url = f"/api/v1/projects/{project['id']}"
    settings = {"duration": 4, "tier": "studio", "music": "none", "motion": "kenburns"}
    patched = http.patch(url, json={"script": SCRIPT, "settings": settings}, headers=user.headers)
    assert patched.status_code == 200, patched.text
    board = render(http, user, {}, f"{url}/storyboard")

    # The storyboard drew Mara's look: the project keeps it, as a video job's.
    kept = http.get(url, headers=user.headers).json()["settings"]["references"]
    assert set(kept) == {"MARA"}
    assert board["result"]["references"]["MARA"]["asset_id"] == kept["MARA"]
    content = http.get(
        f"{url}/assets/{kept['MARA']}/content", headers=user.headers, follow_redirects=True
    )
    assert content.status_code == 200
    assert Image.open(io.BytesIO(content.content)).format == "PNG"

    # The render of that storyboard takes her look back: nothing new is drawn.
    film = render(http, user, {"project_id": project["id"], "from": "storyboard"})
    assert film["result"]["references"] == {}
    assert http.get(url, headers=user.headers).json()["settings"]["references"] == kept
    listed = http.get(f"{url}/assets", headers=user.headers).json()
    assert [a["id"] for a in listed["items"]] == [kept["MARA"]]
