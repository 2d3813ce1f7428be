"""The web app's static export served beside the API, and the API's readable operation ids."""

from __future__ import annotations

import pytest


@pytest.fixture
def site(settings, tmp_path):
    from fastapi.testclient import TestClient

    from serve_apps.api.main import create_app

    out = tmp_path / "out"
    (out / "projects" / "view").mkdir(parents=True)
    (out / "index.html").write_text("<html>home</html>")
    (out / "404.html").write_text("<html>the app's 404</html>")
    (out / "projects" / "index.html").write_text("<html>projects</html>")
    (out / "projects" / "view" / "index.html").write_text("<html>project</html>")
    with TestClient(create_app(settings, web_dir=out)) as client:
        yield client


def test_pages_are_served_at_the_root(site):
    assert site.get("/").text == "<html>home</html>"
    assert site.get("/projects/view/?id=42").text == "<html>project</html>"
    moved = site.get("/projects", follow_redirects=False)
    assert moved.status_code in (307, 308) and moved.headers["location"].endswith("/projects/")


def test_unknown_paths_get_the_apps_404(site):
    response = site.get("/no/such/page/", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.text == "<html>the app's 404</html>"


def test_api_routes_win(site, user):
    assert site.get("/health").status_code == 200
    me = site.get("/api/v1/users/me", headers=user.headers)
    assert me.status_code == 200 and me.json()["email"] == user.email
    missing = site.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/json")


def test_operation_ids_are_tag_and_verb():
    from serve_apps.api.openapi import document

    ids = {
        (method, path): op["operationId"]
        for path, ops in document()["paths"].items()
        for method, op in ops.items()
    }
    assert ids["get", "/api/v1/projects"] == "projects_list"
    assert ids["get", "/api/v1/jobs/{job_id}"] == "jobs_get"
    assert ids["post", "/api/v1/auth/login"] == "auth_login"
    assert len(set(ids.values())) == len(ids)
