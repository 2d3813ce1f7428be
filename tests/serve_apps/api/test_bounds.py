"""Bounds: every parameter has a documented limit, and past it the answer is a 422 naming it."""

from __future__ import annotations

import pytest

from tests.utils.platform import create_project

HUGE = 2**63  # one past the databases' 64-bit integers: this answered 500 before
LARGEST_OFFSET = 2**31 - 1


def _schemas(schema: dict) -> list[dict]:
    """A parameter's schema and its alternatives (an optional one is anyOf [type, null])."""
    return [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]


def test_every_parameter_documents_its_bounds(client):
    spec = client.get("/openapi.json").json()
    unbounded = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
                for schema in _schemas(parameter["schema"]):
                    kind = schema.get("type")
                    if kind == "integer" and not {"minimum", "maximum"} <= schema.keys():
                        unbounded.append(where)
                    if kind == "string" and not (
                        "maxLength" in schema or "enum" in schema or "format" in schema
                    ):
                        unbounded.append(where)
                    if kind == "array" and "maxItems" not in schema:
                        unbounded.append(where)
    assert unbounded == []


def _lists(client, user, admin) -> list[tuple[str, dict]]:
    project = create_project(client, user)
    return [
        ("/api/v1/projects", user.headers),
        ("/api/v1/jobs", user.headers),
        ("/api/v1/credits/ledger", user.headers),
        (f"/api/v1/projects/{project['id']}/assets", user.headers),
        ("/api/v1/admin/users", admin.headers),
        ("/api/v1/admin/jobs", admin.headers),
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("offset", HUGE),
        ("offset", LARGEST_OFFSET + 1),
        ("offset", -1),
        ("offset", "many"),
        ("limit", 0),
        ("limit", 101),
        ("limit", HUGE),
    ],
)
def test_paging_out_of_bounds_is_refused_by_name(client, user, admin, name, value):
    for url, headers in _lists(client, user, admin):
        response = client.get(url, params={name: value}, headers=headers)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["detail"][0]["loc"] == ["query", name], url


def test_the_largest_offset_is_an_empty_page(client, user, admin):
    for url, headers in _lists(client, user, admin):
        response = client.get(url, params={"offset": LARGEST_OFFSET}, headers=headers)
        assert response.status_code == 200, (url, response.text)
        page = response.json()
        assert page["items"] == [] and page["offset"] == LARGEST_OFFSET


def test_output_names_and_event_cursors_are_bounded(client, user):
    job = "00000000-0000-0000-0000-000000000000"
    long_name = client.get(f"/api/v1/jobs/{job}/outputs/{'x' * 65}", headers=user.headers)
    assert long_name.status_code == 422
    assert long_name.json()["detail"][0]["loc"] == ["path", "name"]
    upload = client.post(
        f"/api/v1/projects/{create_project(client, user)['id']}/assets/uploads",
        json={"filename": "a.png", "size_bytes": HUGE},
        headers=user.headers,
    )
    assert upload.status_code == 422
    assert upload.json()["detail"][0]["loc"] == ["body", "size_bytes"]
