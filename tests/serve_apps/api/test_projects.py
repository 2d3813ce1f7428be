"""Projects: CRUD, pagination, owner-only access (admins see all), idempotent creation."""

from __future__ import annotations

import uuid

import pytest

from tests.utils.platform import create_project

PROJECTS = "/api/v1/projects"


def test_crud(client, user):
    created = create_project(client, user, "Storm")
    assert created["owner_id"] == user.id
    url = f"{PROJECTS}/{created['id']}"
    assert client.get(url, headers=user.headers).json()["name"] == "Storm"
    updated = client.patch(url, json={"description": "a keeper and a storm"}, headers=user.headers)
    assert updated.status_code == 200
    assert (
        updated.json()["name"] == "Storm"
        and updated.json()["description"] == "a keeper and a storm"
    )
    assert client.delete(url, headers=user.headers).status_code == 204
    assert client.get(url, headers=user.headers).status_code == 404


def test_pagination(client, user):
    for i in range(5):
        create_project(client, user, f"Film {i}")
    first = client.get(PROJECTS, params={"limit": 2}, headers=user.headers).json()
    rest = client.get(PROJECTS, params={"offset": 2, "limit": 10}, headers=user.headers).json()
    assert first["total"] == rest["total"] == 5
    assert len(first["items"]) == 2 and len(rest["items"]) == 3
    names = {p["name"] for p in first["items"] + rest["items"]}
    assert names == {f"Film {i}" for i in range(5)}
    too_big = client.get(PROJECTS, params={"limit": 1000}, headers=user.headers)
    assert too_big.status_code == 422 and too_big.json()["detail"][0]["loc"] == ["query", "limit"]


def test_only_the_owner_sees_a_project(client, user, other_user, project):
    url = f"{PROJECTS}/{project['id']}"
    assert client.get(url, headers=other_user.headers).status_code == 404
    assert (
        client.patch(url, json={"name": "mine now"}, headers=other_user.headers).status_code == 404
    )
    assert client.delete(url, headers=other_user.headers).status_code == 404
    assert client.get(f"{url}/assets", headers=other_user.headers).status_code == 404
    assert client.get(PROJECTS, headers=other_user.headers).json()["total"] == 0
    assert client.get(url, headers=user.headers).status_code == 200


def test_admin_sees_every_project(client, user, admin, project):
    assert client.get(f"{PROJECTS}/{project['id']}", headers=admin.headers).status_code == 200
    mine = client.get(PROJECTS, headers=admin.headers).json()
    everyone = client.get(PROJECTS, params={"all_users": True}, headers=admin.headers).json()
    assert mine["total"] == 0 and everyone["total"] == 1
    # A normal user asking for all users' projects still sees only their own.
    assert (
        client.get(PROJECTS, params={"all_users": True}, headers=user.headers).json()["total"] == 1
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", PROJECTS),
        ("POST", PROJECTS),
        ("GET", f"{PROJECTS}/{uuid.uuid4()}"),
        ("PATCH", f"{PROJECTS}/{uuid.uuid4()}"),
        ("DELETE", f"{PROJECTS}/{uuid.uuid4()}"),
        ("GET", f"{PROJECTS}/{uuid.uuid4()}/assets"),
        ("POST", f"{PROJECTS}/{uuid.uuid4()}/assets"),
        ("GET", "/api/v1/jobs"),
        ("GET", f"/api/v1/jobs/{uuid.uuid4()}/status"),
        ("POST", f"/api/v1/jobs/{uuid.uuid4()}/cancel"),
        ("POST", "/api/v1/generate/video"),
        ("GET", "/api/v1/credits/balance"),
        ("GET", "/api/v1/credits/ledger"),
        ("GET", "/api/v1/admin/users"),
    ],
)
def test_every_endpoint_needs_a_token(client, method, path):
    assert client.request(method, path).status_code == 401


def test_bad_input_names_the_field(client, user, project):
    empty = client.post(PROJECTS, json={"name": ""}, headers=user.headers)
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "name"]
    long = client.patch(
        f"{PROJECTS}/{project['id']}", json={"description": "x" * 6000}, headers=user.headers
    )
    assert long.status_code == 422 and long.json()["detail"][0]["loc"] == ["body", "description"]
    not_an_id = client.get(f"{PROJECTS}/not-a-uuid", headers=user.headers)
    assert not_an_id.status_code == 422 and not_an_id.json()["detail"][0]["loc"] == [
        "path",
        "project_id",
    ]


def test_idempotent_create(client, user):
    headers = {**user.headers, "Idempotency-Key": "project-1"}
    first = client.post(PROJECTS, json={"name": "Once"}, headers=headers)
    again = client.post(PROJECTS, json={"name": "Once"}, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert client.get(PROJECTS, headers=user.headers).json()["total"] == 1
    different = client.post(PROJECTS, json={"name": "Twice"}, headers=headers)
    assert different.status_code == 422 and different.json()["detail"][0]["loc"] == [
        "header",
        "Idempotency-Key",
    ]


def test_keys_are_per_user(client, user, other_user):
    """The same key from two users creates two projects: keys are scoped to their user."""
    for account in (user, other_user):
        response = client.post(
            PROJECTS, json={"name": "Same"}, headers={**account.headers, "Idempotency-Key": "k"}
        )
        assert response.status_code == 201 and response.json()["owner_id"] == account.id


def test_openapi_and_health(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/auth/login", "/api/v1/generate/video", "/api/v1/jobs/{job_id}/status"} <= set(
        spec["paths"]
    )
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["database"].startswith("ok")
