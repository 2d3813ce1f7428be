"""Durable jobs on a real Ray: they finish, resume after their worker is killed, are charged once,
fail (and refund) when they cannot finish, stop when cancelled, and outlive their supervisor."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable

import pysubs2
import pytest
from fastapi.testclient import TestClient

from db import crud
from db.models import Job
from db.session import Database
from serve_apps.api.main import create_app
from tests.utils.media import image_bytes
from tests.utils.platform import create_project, make_settings, register
from tests.utils.probe import probe

pytestmark = pytest.mark.timeout(240)

FILM = {"script": "Dawn breaks over the sea.", "duration": 4}
# Tests that act on a job while it renders: a film long enough (~3 s of rendering here) that the
# render is still going when the test acts, however fast the machine.
LONG_FILM = {"duration": 30}


@pytest.fixture
def studio(tmp_path, render_database_url, keys_dir, ray_jobs):
    """The app with a job supervisor on the test's Ray; short leases so recovery is quick."""
    settings = make_settings(
        tmp_path, render_database_url, keys_dir, job_supervisor=True, job_max_attempts=3
    )
    with TestClient(create_app(settings)) as client:
        yield client, settings


def wait_for(
    check: Callable[[], object], timeout: float = 120, every: float = 0.2, what: str = "condition"
):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def job_row(settings, job_id: str) -> Job:
    database = Database(settings.database_url)
    try:
        with database.session(write=False) as session:
            return session.get(Job, uuid.UUID(job_id))
    finally:
        database.dispose()


def ledger_kinds(settings, job_id: str) -> list[str]:
    database = Database(settings.database_url)
    try:
        with database.session(write=False) as session:
            job = session.get(Job, uuid.UUID(job_id))
            entries, _ = crud.credits.history(session, job.owner_id, offset=0, limit=100)
            return sorted(e.kind.value for e in entries if e.job_id == job.id)
    finally:
        database.dispose()


def follow(client, account, job_id: str) -> list[dict]:
    """Every event of the job over the WebSocket, until it finishes."""
    events = []
    with client.websocket_connect(
        f"/api/v1/jobs/{job_id}/events?token={account.access_token}"
    ) as ws:
        while True:
            event = ws.receive_json()
            events.append(event)
            if event["status"] in ("succeeded", "failed", "cancelled"):
                return events


def submit(client, account, project, kind: str = "video", **body):
    response = client.post(
        f"/api/v1/generate/{kind}",
        json={"project_id": project["id"], **FILM, **body},
        headers=account.headers,
    )
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def test_script_job(studio):
    client, settings = studio
    user = register(client)
    project = create_project(client, user)
    job_id = submit(
        client,
        user,
        project,
        "script",
        script="INT. LIGHTHOUSE - NIGHT\n\nWaves.\n\nKEEPER\nHold on.\n",
    )
    events = follow(client, user, job_id)
    assert events[-1]["status"] == "succeeded"
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    job = client.get(f"/api/v1/jobs/{job_id}", headers=user.headers).json()
    plan = job["result"]["plan"]
    assert (
        plan["characters"] == ["KEEPER"]
        and plan["scenes"][0]["heading"] == "INT. LIGHTHOUSE - NIGHT"
    )
    assert ledger_kinds(settings, job_id) == ["capture", "reserve"]


def test_storyboard_job_gives_one_still_per_shot(studio):
    client, settings = studio
    user = register(client)
    project = create_project(client, user)
    job_id = submit(
        client, user, project, "storyboard", script="The sea.\n\nThe light.\n\nThe keeper."
    )
    assert follow(client, user, job_id)[-1]["status"] == "succeeded"
    job = client.get(f"/api/v1/jobs/{job_id}", headers=user.headers).json()
    assert job["outputs"] == ["shot-001", "shot-002", "shot-003"]
    still = client.get(f"/api/v1/jobs/{job_id}/outputs/shot-002", headers=user.headers)
    assert still.status_code == 200 and still.headers["content-type"] == "image/jpeg"
    assert (
        client.get(f"/api/v1/jobs/{job_id}/outputs/film", headers=user.headers).status_code == 404
    )


def test_killed_worker_resumes_and_is_charged_once(studio, tmp_path):
    client, settings = studio
    user = register(client)
    project = create_project(client, user)
    image = upload(client, user, project, "sea.png", image_bytes()).json()
    job_id = submit(client, user, project, image_ids=[image["id"]])

    # Voices and music are done (22 %): kill the worker while the frames get going.
    first = wait_for(
        lambda: (j := job_row(settings, job_id)).progress >= 22 and j, what="the music stage"
    )
    os.kill(first.worker_pid, signal.SIGKILL)

    events = follow(client, user, job_id)
    done = job_row(settings, job_id)
    assert events[-1]["status"] == "succeeded", events[-1]
    assert done.attempts == 2 and done.worker_pid != first.worker_pid
    second_attempt = events[[e["message"] for e in events].index("attempt 2 of 3 started") :]
    assert "voices" not in {e["stage"] for e in second_attempt}  # resumed, not restarted
    assert ledger_kinds(settings, job_id) == ["capture", "reserve"]
    assert client.get("/api/v1/credits/balance", headers=user.headers).json()["balance"] == 600 - 4

    film = client.get(f"/api/v1/jobs/{job_id}/outputs/film", headers=user.headers)
    assert film.status_code == 200 and film.headers["content-type"] == "video/mp4"
    (tmp_path / "film.mp4").write_bytes(film.content)
    info = probe(tmp_path / "film.mp4")
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert info.duration == pytest.approx(4.0, abs=0.5)
    # Scratch and kept stages are cleaned up just after the success is recorded.
    wait_for(lambda: not (settings.work_dir / job_id).exists(), 30, what="the clean-up")


def test_a_job_whose_worker_keeps_dying_fails_and_refunds(
    tmp_path, render_database_url, keys_dir, ray_jobs
):
    settings = make_settings(
        tmp_path, render_database_url, keys_dir, job_supervisor=True, job_max_attempts=2
    )
    with TestClient(create_app(settings)) as client:
        user = register(client)
        project = create_project(client, user)
        job_id = submit(client, user, project)
        for attempt in (1, 2):
            row = wait_for(
                lambda n=attempt: (
                    (j := job_row(settings, job_id)).attempts == n and j.worker_pid and j
                ),
                what=f"attempt {attempt}",
            )
            os.kill(row.worker_pid, signal.SIGKILL)
        done = wait_for(
            lambda: (j := job_row(settings, job_id)).status == "failed" and j,
            what="the job to fail",
        )
        assert "gave up after 2 attempts" in done.error
        status = client.get(f"/api/v1/jobs/{job_id}/status", headers=user.headers).json()
        assert status["status"] == "failed" and status["attempts"] == 2
        assert ledger_kinds(settings, job_id) == ["release", "reserve"]
        assert client.get("/api/v1/credits/balance", headers=user.headers).json()["balance"] == 600


def test_bad_input_found_by_the_worker_fails_at_once_and_refunds(studio):
    client, settings = studio
    user = register(client)
    project = create_project(client, user)
    image = upload(client, user, project, "sea.png", image_bytes()).json()
    for path in settings.media_dir.rglob("sea.png"):  # the file vanishes from storage after upload
        path.unlink()
    job_id = submit(client, user, project, image_ids=[image["id"]])
    events = follow(client, user, job_id)
    assert events[-1]["status"] == "failed"
    job = client.get(f"/api/v1/jobs/{job_id}", headers=user.headers).json()
    assert (
        job["attempts"] == 1
        and job["error"].startswith("image_ids[0]: asset")
        and "deleted" in job["error"]
    )
    assert ledger_kinds(settings, job_id) == ["release", "reserve"]


def test_cancel_a_running_job(studio):
    client, settings = studio
    user = register(client)
    project = create_project(client, user)
    job_id = submit(client, user, project, **LONG_FILM)
    wait_for(lambda: job_row(settings, job_id).status == "running", what="the job to start")
    cancel = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=user.headers)
    assert cancel.status_code == 202 and cancel.json()["cancel_requested"] is True
    events = follow(client, user, job_id)
    assert events[-1]["status"] == "cancelled"
    assert ledger_kinds(settings, job_id) == ["release", "reserve"]
    assert client.get("/api/v1/credits/balance", headers=user.headers).json()["balance"] == 600
    assert (
        client.get(f"/api/v1/jobs/{job_id}/outputs/film", headers=user.headers).status_code == 409
    )
    assert not list(settings.media_dir.rglob("final/*"))


def test_jobs_outlive_their_supervisor(studio, ray_jobs):
    """Kill the supervisor mid-render: its render dies with it; Ray restarts the supervisor, which
    finds the orphaned job once its lease runs out and runs it to the end."""
    from serve_apps.jobs.supervisor import NAMESPACE, supervisor_name

    client, settings = studio
    user = register(client)
    project = create_project(client, user)
    job_id = submit(client, user, project, **LONG_FILM)
    wait_for(lambda: job_row(settings, job_id).status == "running", what="the job to start")
    supervisor = ray_jobs.get_actor(supervisor_name(settings), namespace=NAMESPACE)
    ray_jobs.kill(supervisor, no_restart=False)
    events = follow(client, user, job_id)
    assert events[-1]["status"] == "succeeded"
    assert job_row(settings, job_id).attempts == 2
    assert ledger_kinds(settings, job_id) == ["capture", "reserve"]


def test_jobs_queued_while_no_supervisor_ran_are_run_when_one_starts(
    tmp_path, render_database_url, keys_dir, ray_jobs
):
    """An API that only queues (or an ingress that died before handing a job over): the job waits
    in the database, and the first supervisor to start runs it."""
    queue_only = make_settings(tmp_path, render_database_url, keys_dir, job_supervisor=False)
    with TestClient(create_app(queue_only)) as client:
        user = register(client)
        job_id = submit(client, user, create_project(client, user), "script", script="Hello, sea.")
    time.sleep(1)
    assert job_row(queue_only, job_id).status == "queued"
    with TestClient(create_app(queue_only.model_copy(update={"job_supervisor": True}))) as client:
        assert follow(client, user, job_id)[-1]["status"] == "succeeded"


def test_s3_storyboard_and_stage_outputs(
    tmp_path, render_database_url, keys_dir, ray_jobs, s3_server, s3_bucket
):
    """With S3 storage the stills land in the bucket, downloads are presigned redirects, and a
    film's kept stage outputs come back from the bucket into an empty work dir (another node)."""
    import httpx

    from infra.storage import make_storage
    from serve_apps.jobs.work import StageOutputs
    from tests.utils.platform import s3_settings

    settings = make_settings(
        tmp_path,
        render_database_url,
        keys_dir,
        job_supervisor=True,
        **s3_settings(s3_server, s3_bucket),
    )
    with TestClient(create_app(settings)) as client:
        user = register(client)
        job_id = submit(
            client,
            user,
            create_project(client, user),
            "storyboard",
            script="The sea.\n\nThe light.",
        )
        assert follow(client, user, job_id)[-1]["status"] == "succeeded"
        redirect = client.get(
            f"/api/v1/jobs/{job_id}/outputs/shot-001", headers=user.headers, follow_redirects=False
        )
        assert redirect.status_code == 307
        assert httpx.get(redirect.headers["location"]).content[:3] == b"\xff\xd8\xff"  # a JPEG

    storage = make_storage(settings)
    here = tmp_path / "node-a"
    (here / "key").mkdir(parents=True)
    (here / "key" / "speech.pkl").write_bytes(b"speech")
    kept = StageOutputs(storage, here, "users/u/projects/p/generated/j/work/")
    kept.save()
    elsewhere = StageOutputs(storage, tmp_path / "node-b", "users/u/projects/p/generated/j/work/")
    elsewhere.restore()
    assert (tmp_path / "node-b" / "key" / "speech.pkl").read_bytes() == b"speech"


def test_other_users_jobs_are_404(studio):
    client, _ = studio
    owner, stranger = register(client), register(client)
    job_id = submit(client, owner, create_project(client, owner), "script", script="Hello.")
    for path in ("", "/status", "/outputs/film"):
        assert (
            client.get(f"/api/v1/jobs/{job_id}{path}", headers=stranger.headers).status_code == 404
        )
    assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=stranger.headers).status_code == 404
    from starlette.testclient import WebSocketDenialResponse

    with pytest.raises(WebSocketDenialResponse) as refused:
        with client.websocket_connect(
            f"/api/v1/jobs/{job_id}/events?token={stranger.access_token}"
        ):
            pass
    assert refused.value.status_code == 404
    with pytest.raises(WebSocketDenialResponse) as anonymous:
        with client.websocket_connect(f"/api/v1/jobs/{job_id}/events"):
            pass
    assert anonymous.value.status_code == 401


def test_a_film_with_a_spanish_track_offers_it_as_outputs(studio):
    from pipelines.translate.apertium import Apertium

    if reason := Apertium().unavailable("en", "es"):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI installs apertium-eng-spa (.ci/run): {reason}")
        pytest.skip(f"Apertium English→Spanish: {reason}")
    client, _ = studio
    user = register(client)
    project = create_project(client, user)
    job_id = submit(client, user, project, subtitles="es")
    assert follow(client, user, job_id)[-1]["status"] == "succeeded"
    job = client.get(f"/api/v1/jobs/{job_id}", headers=user.headers).json()
    assert {"srt", "vtt", "srt-es", "vtt-es"} <= set(job["outputs"])
    track = client.get(f"/api/v1/jobs/{job_id}/outputs/vtt-es", headers=user.headers)
    assert track.status_code == 200 and track.headers["content-type"].startswith("text/vtt")
    assert track.text.startswith("WEBVTT") and "mar" in track.text  # "… sobre el mar."


SEA = {"script": "The sea.\n\nThe boats.\n\nThe gulls.", "duration": 9}
SPANISH = ["El mar.", "Las barcas.", "Gaviotas."]  # each within 17 characters a second


def cue_times(srt: str) -> list[tuple[int, int]]:
    return [(cue.start, cue.end) for cue in pysubs2.SSAFile.from_string(srt, format_="srt")]


def upload(client, account, project, name: str, data: bytes):
    """POST a file to the project's assets; the answer."""
    return client.post(
        f"/api/v1/projects/{project['id']}/assets",
        files={"file": (name, data)},
        headers=account.headers,
    )


def upload_srt(client, account, project, name: str, cues: list[tuple[int, int, str]]) -> dict:
    subs = pysubs2.SSAFile()
    subs.events = [pysubs2.SSAEvent(start=s, end=e, text=text) for s, e, text in cues]
    answer = upload(client, account, project, name, subs.to_string("srt").encode())
    assert answer.status_code == 201, answer.text
    assert answer.json()["kind"] == "subtitles" and answer.json()["filename"].endswith(".srt")
    return answer.json()


def test_the_users_own_spanish_srt_is_the_films_spanish_track(studio):
    client, _ = studio
    user = register(client)
    project = create_project(client, user)
    first = submit(client, user, project, **SEA)
    assert follow(client, user, first)[-1]["status"] == "succeeded"
    source = client.get(f"/api/v1/jobs/{first}/outputs/srt", headers=user.headers).text
    times = cue_times(source)
    assert len(times) == len(SPANISH)
    spanish = upload_srt(
        client, user, project, "mar.es.srt", [(*t, text) for t, text in zip(times, SPANISH)]
    )

    job_id = submit(
        client, user, project, **SEA, subtitles="es", translations={"es": spanish["id"]}
    )
    assert follow(client, user, job_id)[-1]["status"] == "succeeded"
    track = client.get(f"/api/v1/jobs/{job_id}/outputs/srt-es", headers=user.headers).text
    assert cue_times(track) == times
    assert [" ".join(c.plaintext.split()) for c in pysubs2.SSAFile.from_string(track)] == SPANISH

    short = upload_srt(client, user, project, "short.es.srt", [(*times[0], SPANISH[0])])
    job_id = submit(client, user, project, **SEA, subtitles="es", translations={"es": short["id"]})
    assert follow(client, user, job_id)[-1]["status"] == "failed"
    error = client.get(f"/api/v1/jobs/{job_id}", headers=user.headers).json()["error"]
    assert error.startswith("translations[es]: line 2 'The boats.'"), error


def test_the_users_own_spanish_script_is_the_films_spanish_track(studio):
    client, _ = studio
    user = register(client)
    project = create_project(client, user)
    text = upload(client, user, project, "mar.es.txt", ("\n".join(SPANISH) + "\n").encode())
    assert text.status_code == 201, text.text
    assert text.json() | {"kind": "text", "content_type": "text/plain"} == text.json()

    job_id = submit(
        client, user, project, **SEA, subtitles="es", translations={"es": text.json()["id"]}
    )
    assert follow(client, user, job_id)[-1]["status"] == "succeeded"
    source = client.get(f"/api/v1/jobs/{job_id}/outputs/srt", headers=user.headers).text
    track = client.get(f"/api/v1/jobs/{job_id}/outputs/srt-es", headers=user.headers).text
    assert len(cue_times(source)) == len(SPANISH) and cue_times(track) == cue_times(source)
    assert [" ".join(c.plaintext.split()) for c in pysubs2.SSAFile.from_string(track)] == SPANISH

    short = upload(client, user, project, "short.es.txt", SPANISH[0].encode()).json()
    job_id = submit(client, user, project, **SEA, subtitles="es", translations={"es": short["id"]})
    assert follow(client, user, job_id)[-1]["status"] == "failed"
    error = client.get(f"/api/v1/jobs/{job_id}", headers=user.headers).json()["error"]
    assert error.startswith("translations[es]: line 2 'The boats.'"), error


def test_translations_must_be_subtitles_or_text_assets_of_the_project(studio):
    client, _ = studio
    user, other = register(client), register(client)
    project, theirs = create_project(client, user), create_project(client, other)
    image = upload(client, user, project, "sea.png", image_bytes()).json()
    foreign = upload_srt(client, other, theirs, "theirs.srt", [(0, 1000, "Hola.")])
    for asset_id in (str(uuid.uuid4()), image["id"], foreign["id"]):
        refused = client.post(
            "/api/v1/generate/video",
            json={"project_id": project["id"], **FILM, "translations": {"es": asset_id}},
            headers=user.headers,
        )
        assert refused.status_code == 422, refused.text
        detail = refused.json()["detail"][0]
        assert detail["loc"][-2:] == ["translations", "es"] and asset_id in detail["msg"]
        assert "subtitles (SRT/WebVTT) or text asset" in detail["msg"]
    settings = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"settings": {"translations": {"es": image["id"]}}},
        headers=user.headers,
    )
    assert settings.status_code == 422 and "translations" in settings.json()["detail"][0]["loc"]
