"""Projects are documents: their script and film settings over GET/PUT/PATCH, refused in the
film request's own words; the design document's flat asset paths."""

from __future__ import annotations

import uuid

from tests.utils.media import image_bytes
from tests.utils.platform import create_project

PROJECTS = "/api/v1/projects"
SCRIPT = "EXT. SEA - DAY\n\nWaves.\n\nTEO\nHello?\n"


def test_a_project_holds_its_script_and_settings(client, user, project):
    url = f"{PROJECTS}/{project['id']}"
    fresh = client.get(url, headers=user.headers).json()
    assert fresh["script"] == "" and fresh["settings"]["duration"] == 60
    assert fresh["settings"]["music"] == "generated" and fresh["has_storyboard"] is False

    put = client.put(
        url,
        json={
            "name": "Sea",
            "script": SCRIPT,
            "settings": {"duration": 30, "voices": {"TEO": "en/m3"}},
        },
        headers=user.headers,
    )
    assert put.status_code == 200, put.text
    assert put.json()["script"] == SCRIPT and put.json()["settings"]["duration"] == 30

    patched = client.patch(url, json={"settings": {"fps": 25}}, headers=user.headers)
    assert patched.status_code == 200, patched.text
    settings = client.get(url, headers=user.headers).json()["settings"]
    assert (settings["fps"], settings["duration"], settings["voices"]) == (25, 30, {"TEO": "en/m3"})

    # PUT replaces: what is left out takes its default
    client.put(url, json={"name": "Sea", "script": SCRIPT}, headers=user.headers)
    assert client.get(url, headers=user.headers).json()["settings"]["duration"] == 60
    # the list stays light: no scripts in it
    assert "script" not in client.get(PROJECTS, headers=user.headers).json()["items"][0]


def test_settings_are_refused_in_the_film_requests_words_and_nothing_is_written(
    client, user, project
):
    url = f"{PROJECTS}/{project['id']}"
    client.patch(url, json={"script": SCRIPT, "settings": {"duration": 30}}, headers=user.headers)
    cases = [
        ({"duration": 9999}, ["body", "settings", "duration"], "outside"),
        ({"size": "640x480"}, ["body", "settings", "size"], "is not one of"),
        ({"fps": 23}, ["body", "settings", "fps"], "is not one of"),
        ({"music": str(uuid.uuid4())}, ["body", "settings", "music"], "not a ready audio track"),
        ({"tier": "cinema"}, ["body", "settings", "tier"], ""),
    ]
    for bad, loc, words in cases:
        for method in (client.patch, client.put):
            answer = method(url, json={"name": "x", "settings": bad}, headers=user.headers)
            assert answer.status_code == 422, (bad, answer.text)
            detail = answer.json()["detail"][0]
            assert detail["loc"] == loc and words in detail["msg"], detail
    kept = client.get(url, headers=user.headers).json()
    assert kept["settings"]["duration"] == 30 and kept["name"] == project["name"]


def test_no_storyboard_yet(client, user, project):
    url = f"{PROJECTS}/{project['id']}/storyboard"
    assert client.get(url, headers=user.headers).status_code == 404
    edit = client.put(
        url, json={"title": "t", "scenes": []}, headers=user.headers | {"If-Match": '"1"'}
    )
    assert edit.status_code == 404
    render = client.post(
        "/api/v1/generate/video",
        json={"project_id": project["id"], "from": "storyboard"},
        headers=user.headers,
    )
    assert render.status_code == 409 and render.json()["detail"][0]["loc"] == ["body", "from"]
    # a storyboard needs a script
    made = client.post(url, headers=user.headers)
    assert made.status_code == 422 and made.json()["detail"][0]["loc"] == ["body", "script"]
    assert (
        client.get(f"{PROJECTS}/{project['id']}/renders", headers=user.headers).json()["total"] == 0
    )


def test_the_flat_asset_paths(client, user, other_user):
    first, second = create_project(client, user, "One"), create_project(client, user, "Two")
    for project, name in ((first, "sea.png"), (second, "port.png")):
        up = client.post(
            "/api/v1/assets/upload",
            data={"project_id": project["id"]},
            files={"file": (name, image_bytes())},
            headers=user.headers,
        )
        assert up.status_code == 201, up.text
        assert up.json()["project_id"] == project["id"] and up.json()["filename"] == name
    mine = client.get("/api/v1/assets", headers=user.headers).json()
    assert [a["filename"] for a in mine["items"]] == ["sea.png", "port.png"]
    only = client.get("/api/v1/assets", params={"project_id": second["id"]}, headers=user.headers)
    assert [a["filename"] for a in only.json()["items"]] == ["port.png"]
    assert client.get("/api/v1/assets", headers=other_user.headers).json()["total"] == 0

    # another user can neither upload into the project nor delete its asset
    theirs = client.post(
        "/api/v1/assets/upload",
        data={"project_id": first["id"]},
        files={"file": ("x.png", image_bytes())},
        headers=other_user.headers,
    )
    assert theirs.status_code == 404
    asset_id = mine["items"][0]["id"]
    assert (
        client.delete(f"/api/v1/assets/{asset_id}", headers=other_user.headers).status_code == 404
    )
    assert client.delete(f"/api/v1/assets/{asset_id}", headers=user.headers).status_code == 204
    assert client.get("/api/v1/assets", headers=user.headers).json()["total"] == 1
    missing = client.post(
        "/api/v1/assets/upload", files={"file": ("x.png", image_bytes())}, headers=user.headers
    )
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == [
        "body",
        "project_id",
    ]


def test_a_character_reference_is_an_image_of_the_project(client, user, project):
    """`settings.references`: CHARACTER → an image asset of the project; the job's parameters
    carry its ref, so the worker downloads the picture like the project's images."""
    url = f"{PROJECTS}/{project['id']}"
    up = client.post(
        f"{url}/assets", files={"file": ("teo.png", image_bytes())}, headers=user.headers
    )
    assert up.status_code == 201, up.text
    teo = up.json()["id"]
    patched = client.patch(
        url, json={"script": SCRIPT, "settings": {"references": {"TEO": teo}}}, headers=user.headers
    )
    assert patched.status_code == 200, patched.text
    assert client.get(url, headers=user.headers).json()["settings"]["references"] == {"TEO": teo}

    missing = str(uuid.uuid4())
    refused = client.patch(
        url, json={"settings": {"references": {"TEO": missing}}}, headers=user.headers
    )
    assert refused.status_code == 422
    detail = refused.json()["detail"][0]
    assert detail["loc"] == ["body", "settings", "references", "TEO"]
    assert f"{missing} is not a ready image of this project" in detail["msg"]
    not_an_id = client.patch(
        url, json={"settings": {"references": {"TEO": "teo.png"}}}, headers=user.headers
    )
    assert not_an_id.status_code == 422
    assert client.get(url, headers=user.headers).json()["settings"]["references"] == {"TEO": teo}
