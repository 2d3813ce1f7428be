"""A look per character through the API, over real HTTP: character sheets and portraits are
uploaded assets, chosen per character in the project's `cast` (or a film request's), refused
naming the field, and rendered into the film."""

from __future__ import annotations

import io
import uuid

import av
import httpx
import numpy as np
import pytest
from PIL import Image

from tests.utils.characters import SHEET_COLOUR, make_sheet, photo
from tests.utils.platform import LiveServer, create_project, finished_job, make_settings, register
from tests.utils.probe import probe

pytestmark = pytest.mark.timeout(240)

SCRIPT = "INT. PIER - DAY\n\nIRIS\nBob met Pam by the map.\n\nTEO\nMaybe, maybe not.\n"
STRIPES = ((240, 210, 40), (30, 60, 200))  # the portrait's colours (tests.utils.characters)


@pytest.fixture
def http(settings):
    from serve_apps.api.main import create_app

    with (
        LiveServer(create_app(settings)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


def upload(http, account, project, name: str, content: bytes):
    return http.post(
        f"/api/v1/projects/{project['id']}/assets",
        files={"file": (name, content)},
        headers=account.headers,
    )


def sheet_bytes(tmp_path, **kwargs) -> bytes:
    return make_sheet(tmp_path / f"{uuid.uuid4().hex}.zip", **kwargs).read_bytes()


def photo_bytes(tmp_path) -> bytes:
    return photo(tmp_path / f"{uuid.uuid4().hex}.png").read_bytes()


def problem(answer) -> tuple[list, str]:
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"][0]
    return detail["loc"], detail["msg"]


def test_sheets_are_uploaded_assets_checked_as_character_sheets(http, tmp_path):
    user = register(http)
    project = create_project(http, user)
    sheet = upload(http, user, project, "iris.zip", sheet_bytes(tmp_path))
    assert sheet.status_code == 201, sheet.text
    assert sheet.json()["kind"] == "sheet" and sheet.json()["filename"] == "iris.zip"
    # its character picture, the one the mouth point is given on
    url = f"/api/v1/projects/{project['id']}/assets/{sheet.json()['id']}/picture"
    picture = http.get(url, headers=user.headers)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(picture.content)).size == (200, 300)

    loc, msg = problem(upload(http, user, project, "g.zip", sheet_bytes(tmp_path, leave_out="G")))
    assert loc == ["body", "file"] and "mouth shape G missing" in msg
    loc, msg = problem(upload(http, user, project, "d.zip", sheet_bytes(tmp_path, broken="D")))
    assert loc == ["body", "file"] and "D.png: does not decode as an image" in msg
    listed = http.get(f"/api/v1/projects/{project['id']}/assets", headers=user.headers).json()
    assert [a["filename"] for a in listed["items"]] == ["iris.zip"]  # nothing half-written


def test_a_cast_names_ready_assets_of_the_project_of_its_looks_kind(http, tmp_path):
    user, other = register(http), register(http)
    project = create_project(http, user)
    url = f"/api/v1/projects/{project['id']}"
    http.patch(url, json={"script": SCRIPT}, headers=user.headers)
    sheet = upload(http, user, project, "iris.zip", sheet_bytes(tmp_path)).json()
    portrait = upload(http, user, project, "teo.png", photo_bytes(tmp_path)).json()
    theirs = upload(http, other, create_project(http, other), "x.zip", sheet_bytes(tmp_path))

    cases = [
        ({"IRIS": {"look": "sheet", "asset": str(uuid.uuid4())}}, "not a ready character sheet"),
        ({"IRIS": {"look": "sheet", "asset": theirs.json()["id"]}}, "not a ready character sheet"),
        ({"IRIS": {"look": "sheet", "asset": portrait["id"]}}, "not a ready character sheet"),
        ({"IRIS": {"look": "portrait", "asset": sheet["id"]}}, "not a ready image"),
    ]
    for cast, words in cases:
        loc, msg = problem(http.patch(url, json={"settings": {"cast": cast}}, headers=user.headers))
        assert loc == ["body", "settings", "cast", "IRIS", "asset"] and words in msg, (cast, msg)
    answer = http.patch(
        url, json={"settings": {"cast": {"IRIS": {"look": "sheet"}}}}, headers=user.headers
    )
    loc, msg = problem(answer)
    assert loc[:4] == ["body", "settings", "cast", "IRIS"] and "needs its asset" in msg

    # the same words for a film request's cast, and a character the script lacks
    film = {"project_id": project["id"], "script": SCRIPT, "duration": 4}
    bad = {"IRIS": {"look": "sheet", "asset": theirs.json()["id"]}}
    loc, _ = problem(
        http.post("/api/v1/generate/video", json=film | {"cast": bad}, headers=user.headers)
    )
    assert loc == ["body", "cast", "IRIS", "asset"]
    mara = {"MARA": {"look": "sheet", "asset": sheet["id"], "mouth": [100, 200]}}
    loc, msg = problem(
        http.post("/api/v1/generate/video", json=film | {"cast": mara}, headers=user.headers)
    )
    assert loc == ["body", "cast", "MARA"] and "no character 'MARA' in the script" in msg

    # a good cast is kept, and the script's characters are listed with their looks
    cast = {
        "IRIS": {"look": "sheet", "asset": sheet["id"], "mouth": [100, 200]},
        "TEO": {"look": "portrait", "asset": portrait["id"], "mouth": [120, 230]},
    }
    kept = http.patch(url, json={"settings": {"cast": cast}}, headers=user.headers)
    assert kept.status_code == 200, kept.text
    listed = http.get(f"{url}/characters", headers=user.headers)
    assert listed.status_code == 200, listed.text
    assert listed.json()["characters"] == [
        {"name": "IRIS", "look": {"look": "sheet", "asset": sheet["id"], "mouth": [100, 200]}},
        {"name": "TEO", "look": {"look": "portrait", "asset": portrait["id"], "mouth": [120, 230]}},
    ]
    assert http.get(f"{url}/characters", headers=other.headers).status_code == 404


def gradient_bytes(size=(320, 240)) -> bytes:
    """A picture with no face in it: a plain grey ramp."""
    ramp = np.tile(np.linspace(0, 255, size[0], dtype=np.uint8), (size[1], 1))
    out = io.BytesIO()
    Image.fromarray(ramp).convert("RGB").save(out, "PNG")
    return out.getvalue()


def test_a_look_the_job_could_not_place_a_mouth_on_is_refused_at_submit(http, tmp_path):
    user = register(http)
    project = create_project(http, user)
    url = f"/api/v1/projects/{project['id']}"
    http.patch(url, json={"script": SCRIPT}, headers=user.headers)
    plain = upload(http, user, project, "teo.png", gradient_bytes()).json()
    sheet = upload(http, user, project, "iris.zip", sheet_bytes(tmp_path)).json()
    balance = http.get("/api/v1/credits/balance", headers=user.headers).json()["balance"]
    film = {"project_id": project["id"], "script": SCRIPT, "duration": 4, "music": "none"}

    def teo(mouth=None, look="portrait", asset=plain["id"]):
        return {"TEO": {"look": look, "asset": asset} | ({"mouth": mouth} if mouth else {})}

    # no face on the picture and no mouth point: refused for a render, a storyboard, a setting
    for route in ("video", "storyboard"):
        answer = http.post(
            f"/api/v1/generate/{route}", json=film | {"cast": teo()}, headers=user.headers
        )
        loc, msg = problem(answer)
        assert loc == ["body", "cast", "TEO", "mouth"], (route, loc)
        assert "no face found" in msg and "[x, y] in the picture's pixels" in msg
    loc, msg = problem(http.patch(url, json={"settings": {"cast": teo()}}, headers=user.headers))
    assert loc == ["body", "settings", "cast", "TEO", "mouth"] and "no face found" in msg
    loc, msg = problem(
        http.patch(
            url,
            json={"settings": {"cast": teo(look="sheet", asset=sheet["id"])}},
            headers=user.headers,
        )
    )
    assert loc == ["body", "settings", "cast", "TEO", "mouth"] and "no face found" in msg

    # a mouth point outside the picture (the portrait, or the sheet's character picture)
    answer = http.post(
        "/api/v1/generate/video", json=film | {"cast": teo([400, 10])}, headers=user.headers
    )
    loc, msg = problem(answer)
    assert loc == ["body", "cast", "TEO", "mouth"] and "outside the 320x240 picture" in msg
    outside = teo([100, 300], look="sheet", asset=sheet["id"])
    loc, msg = problem(http.patch(url, json={"settings": {"cast": outside}}, headers=user.headers))
    assert loc == ["body", "settings", "cast", "TEO", "mouth"] and "outside the 200x300" in msg

    # nothing was written: no job, no hold, the settings as they were
    assert http.get("/api/v1/credits/balance", headers=user.headers).json()["balance"] == balance
    assert http.get("/api/v1/jobs", headers=user.headers).json()["total"] == 0
    assert http.get(url, headers=user.headers).json()["settings"].get("cast", {}) == {}

    # with the mouth point on the picture, the cast is kept and the film accepted
    kept = http.patch(url, json={"settings": {"cast": teo([160, 120])}}, headers=user.headers)
    assert kept.status_code == 200, kept.text
    submitted = http.post(
        "/api/v1/generate/video", json=film | {"cast": teo([160, 120])}, headers=user.headers
    )
    assert submitted.status_code == 202, submitted.text


@pytest.fixture
def studio(tmp_path, render_database_url, keys_dir, ray_jobs):
    from serve_apps.api.main import create_app

    settings = make_settings(tmp_path, render_database_url, keys_dir, job_supervisor=True)
    with (
        LiveServer(create_app(settings)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


def test_a_film_shows_the_sheet_and_the_portrait_of_their_characters(studio, tmp_path):
    http = studio
    user = register(http)
    project = create_project(http, user)
    sheet = upload(http, user, project, "iris.zip", sheet_bytes(tmp_path)).json()
    portrait = upload(http, user, project, "teo.png", photo_bytes(tmp_path)).json()
    cast = {
        "IRIS": {"look": "sheet", "asset": sheet["id"], "mouth": [100, 200]},
        "TEO": {"look": "portrait", "asset": portrait["id"], "mouth": [120, 230]},
    }
    body = {"project_id": project["id"], "script": SCRIPT, "duration": 6, "music": "none"}
    submitted = http.post(
        "/api/v1/generate/video", json=body | {"cast": cast}, headers=user.headers
    )
    assert submitted.status_code == 202, submitted.text
    job_url = f"/api/v1/jobs/{submitted.json()['job_id']}"
    job = finished_job(http, user, submitted.json()["job_id"], timeout=180)
    assert job["status"] == "succeeded", job["error"]
    film = http.get(f"{job_url}/outputs/film", headers=user.headers, follow_redirects=True)
    path = tmp_path / "film.mp4"
    path.write_bytes(film.content)
    assert abs(probe(path).duration - 6) < 0.2 and probe(path).video_codec == "h264"
    cues = http.get(f"{job_url}/outputs/srt", headers=user.headers).text
    import pysubs2

    lines = pysubs2.SSAFile.from_string(cues)
    with av.open(io.BytesIO(film.content)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]

    def share(colour, cue) -> float:
        """The share of the cue's middle frame in `colour`."""
        frame = frames[round((cue.start + cue.end) / 2000 * 24)].astype(int)
        return float((np.abs(frame - colour).max(axis=2) < 20).mean())

    assert share(SHEET_COLOUR, lines[0]) > 0.03  # IRIS's sheet while she speaks
    assert all(share(c, lines[1]) > 0.01 for c in STRIPES)  # TEO's portrait while he does
