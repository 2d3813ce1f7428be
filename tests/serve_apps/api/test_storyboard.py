"""The storyboard over HTTP, on a real Ray: made from the project's script, settings and images,
edited at a version, a still redrawn, and rendered exactly as edited — the edited line spoken
and subtitled, the chosen picture on its shot — then listed among the project's renders."""

from __future__ import annotations

import numpy as np
import pytest
import srt
from fastapi.testclient import TestClient
from PIL import Image

from serve_apps.api.main import create_app
from tests.serve_apps.api.test_jobs import follow
from tests.utils.media import image_bytes
from tests.utils.platform import create_project, make_settings, register
from tests.utils.probe import decode_frames

pytestmark = pytest.mark.timeout(300)

SCRIPT = """EXT. SEA - DAY

Waves roll.

TEO
Hello?

INT. LAMP ROOM - NIGHT

The lamp turns.

IRIS
Not tonight.
"""
# A line many times longer than the one it replaces: its speech (and cue) must be too.
EDITED = "Hello out there, is anyone still keeping the light on the rocks tonight?"
RED, BLUE = (220, 30, 30), (30, 30, 220)


@pytest.fixture
def studio(tmp_path, render_database_url, keys_dir, ray_jobs):
    settings = make_settings(tmp_path, render_database_url, keys_dir, job_supervisor=True)
    with TestClient(create_app(settings)) as client:
        yield client


def upload(client, user, project, name, colour) -> str:
    answer = client.post(
        f"/api/v1/projects/{project['id']}/assets",
        files={"file": (name, image_bytes(color=colour))},
        headers=user.headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def finished(client, user, answer) -> dict:
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    events = follow(client, user, job_id)
    assert events[-1]["status"] == "succeeded", events[-1]
    return client.get(f"/api/v1/jobs/{job_id}", headers=user.headers).json()


def colour_of(jpeg_or_frame) -> np.ndarray:
    return np.asarray(jpeg_or_frame, np.float32).reshape(-1, 3).mean(0)


def test_an_edited_storyboard_is_rendered_exactly(studio, tmp_path):
    client = studio
    user, other = register(client), register(client)
    project = create_project(client, user, "Lamp")
    url = f"/api/v1/projects/{project['id']}"
    settings = {"duration": 14, "music": "none", "size": "1280x720"}
    client.patch(url, json={"script": SCRIPT, "settings": settings}, headers=user.headers)
    red, blue = (
        upload(client, user, project, "red.png", RED),
        upload(client, user, project, "blue.png", BLUE),
    )
    foreign = upload(client, other, create_project(client, other), "x.png", RED)

    # 1. The storyboard: one shot per scene, the images dealt by scene, a still per shot.
    finished(client, user, client.post(f"{url}/storyboard", headers=user.headers))
    got = client.get(f"{url}/storyboard", headers=user.headers)
    assert got.status_code == 200 and got.headers["ETag"] == '"1"'
    board = got.json()
    shots = [shot for scene in board["scenes"] for shot in scene["shots"]]
    assert [s["picture"] for s in shots] == [
        {"kind": "asset", "asset_id": red},
        {"kind": "asset", "asset_id": blue},
    ]
    assert shots[0]["lines"][1] == {
        "speaker": "TEO",
        "text": "Hello?",
        "parenthetical": None,
        "extension": None,
        "dual": False,
    }
    assert board["characters"] == ["TEO", "IRIS"] and board["estimate_s"] > 5
    still = client.get(shots[0]["still_url"], headers=user.headers)
    assert still.status_code == 200 and still.headers["content-type"] == "image/jpeg"
    assert np.argmax(colour_of(Image.open(_save(tmp_path / "s1.jpg", still.content)))) == 0  # red

    # 2. Edits: Teo's line, shot 1's picture. Refused edits write nothing.
    shots[0]["lines"][1]["text"] = EDITED
    shots[0]["asset_id"] = blue
    edit = {"title": board["title"], "scenes": board["scenes"]}
    put = lambda body, tag='"1"': client.put(  # noqa: E731
        f"{url}/storyboard", json=body, headers=user.headers | ({"If-Match": tag} if tag else {})
    )
    assert put(edit, None).status_code == 428
    bad = [
        ("lines.1.text", {"lines": [shots[0]["lines"][0], {"speaker": "TEO", "text": " "}]}),
        ("asset_id", {"asset_id": foreign}),
        ("id", {"id": "nosuchshot"}),
    ]
    for field, change in bad:
        body = {"title": "t", "scenes": [{"shots": [shots[0] | change]}, board["scenes"][1]]}
        answer = put(body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"] == [
            "body",
            "scenes",
            "0",
            "shots",
            "0",
            *field.split("."),
        ]
    empty = put({"title": "t", "scenes": [{"shots": []}, board["scenes"][1]]})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"][-1] == "shots"
    assert client.get(f"{url}/storyboard", headers=user.headers).headers["ETag"] == '"1"'

    edited = put(edit)
    assert edited.status_code == 200 and edited.headers["ETag"] == '"2"', edited.text
    assert put(edit).status_code == 412  # a second tab still on version 1
    shot = edited.json()["scenes"][0]["shots"][0]
    assert shot["still_url"] is None and shot["lines"][1]["text"] == EDITED  # picture changed

    # 3. Redraw shot 1's still: now the chosen (blue) picture.
    assert client.post(f"{url}/storyboard/shots/9/still", headers=user.headers).status_code == 404
    finished(client, user, client.post(f"{url}/storyboard/shots/1/still", headers=user.headers))
    redrawn = client.get(f"{url}/storyboard", headers=user.headers).json()
    assert redrawn["version"] == 3
    still = client.get(redrawn["scenes"][0]["shots"][0]["still_url"], headers=user.headers)
    assert np.argmax(colour_of(Image.open(_save(tmp_path / "s2.jpg", still.content)))) == 2  # blue

    # 4. Render from the storyboard (a stale If-Match is refused first).
    render = {"project_id": project["id"], "from": "storyboard"}
    stale = client.post(
        "/api/v1/generate/video", json=render, headers=user.headers | {"If-Match": '"2"'}
    )
    assert stale.status_code == 412
    job = finished(
        client,
        user,
        client.post(
            "/api/v1/generate/video", json=render, headers=user.headers | {"If-Match": '"3"'}
        ),
    )
    cues = list(srt.parse(_get(client, user, job, "srt").decode()))
    texts = " ".join(cue.content.replace("\n", " ") for cue in cues)
    assert "Hello out there" in texts and "Hello?" not in texts
    spoken = [c for c in cues if c.content.replace("\n", " ").startswith("Hello out there")]
    # the edited line's voice: ~13 words, several seconds (the original "Hello?" is well under 1 s)
    assert sum((c.end - c.start).total_seconds() for c in spoken) > 2.5
    film = _save(tmp_path / "film.mp4", _get(client, user, job, "film"))
    first_shot = decode_frames(film, [1.0])[0]
    assert np.argmax(colour_of(first_shot)) == 2  # the chosen picture (blue), not the dealt red

    # 5. The render is the project's, with what it was made from.
    renders = client.get(f"{url}/renders", headers=user.headers).json()
    assert renders["total"] == 1
    made = renders["items"][0]
    assert made["source"] == "storyboard" and made["storyboard_version"] == 3
    assert made["settings"]["duration"] == 14 and set(made["outputs"]) >= {"film", "srt"}
    plan_lines = [
        line["text"] for sc in made["plan"]["scenes"] for s in sc["shots"] for line in s["lines"]
    ]
    assert EDITED in plan_lines


def _get(client, user, job, name) -> bytes:
    answer = client.get(f"/api/v1/jobs/{job['id']}/outputs/{name}", headers=user.headers)
    assert answer.status_code == 200, answer.text
    return answer.content


def _save(path, content: bytes):
    path.write_bytes(content)
    return path
