"""Publishing to YouTube over HTTP: connect a channel through Google's consent redirect, publish
a finished render as a durable job against the fake YouTube (the real Google client), and the
refusals: not configured, someone else's render or channel, revoked grants, spent quota."""

from __future__ import annotations

import hashlib
import logging
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from db import crud
from db.base import utcnow
from db.models import JobKind, JobStatus, Project
from db.session import Database
from infra.storage import make_storage, object_key
from serve_apps.api.main import create_app
from serve_apps.jobs.runner import JobRun
from tests.utils.fake_youtube import FakeYouTube
from tests.utils.platform import Account, create_project, make_settings, register

FILM_BYTES = 3 * 1024 * 1024 + 12345
SRT = "1\n00:00:00,500 --> 00:00:02,000\nHold on.\n\n"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def fake():
    with FakeYouTube() as server:
        yield server


def youtube_settings(tmp_path, database_url, keys_dir, fake, **overrides):
    values = dict(
        **fake.settings(),
        youtube_redirect_url="http://testserver/api/v1/youtube/callback",
        youtube_key_path=tmp_path / "youtube.keys",
        youtube_chunk_bytes=1024 * 1024,
        youtube_retry_base_s=0.01,
        credits_publish=5,
    )
    values.update(overrides)
    return make_settings(tmp_path, database_url, keys_dir, **values)


@pytest.fixture
def studio(tmp_path, database_url, keys_dir, fake):
    settings = youtube_settings(tmp_path, database_url, keys_dir, fake)
    with TestClient(create_app(settings)) as client:
        yield client, settings


def connect(client, account: Account) -> dict:
    """The browser's trip: our connect → Google's consent (the fake approves) → our callback."""
    started = client.get("/api/v1/youtube/connect", headers=account.headers, follow_redirects=False)
    assert started.status_code == 307, started.text
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as consent:
        opener.open(started.headers["location"])
    assert consent.value.code == 302
    back = consent.value.headers["Location"]
    assert back.startswith("http://testserver/api/v1/youtube/callback?")
    channel = client.get(back.removeprefix("http://testserver"))
    assert channel.status_code == 200, channel.text
    return channel.json()


def finished_render(
    settings, account: Account, project: dict, tmp_path: Path, tracks: dict[str, str] | None = None
) -> tuple[str, bytes]:
    """A video job of `account` that finished: its film, thumbnail and SRT in storage, and an
    extra subtitle track (output `srt-<lang>`) per language of `tracks`."""
    film = os.urandom(FILM_BYTES)
    storage = make_storage(settings)
    database = Database(settings.database_url)
    try:
        with database.transaction() as session:
            owner = session.get(Project, uuid.UUID(project["id"]))
            job = crud.jobs.create(
                session,
                project=owner,
                kind=JobKind.video,
                tier="draft",
                params={"script": "…", "language": "en", "duration": 60},
                cost=0,
                max_attempts=1,
            )
            outputs = {}
            files = [
                ("film", "film.mp4", film),
                ("thumbnail", "thumbnail.jpg", b"\xff\xd8jpeg"),
                ("srt", "film.srt", SRT.encode()),
                *(
                    (f"srt-{lang}", f"film.{lang}.srt", t.encode())
                    for lang, t in (tracks or {}).items()
                ),
            ]
            for output, name, data in files:
                path = tmp_path / f"{job.id}-{name}"
                path.write_bytes(data)
                key = object_key(owner.owner_id, owner.id, "final", str(job.id), name)
                storage.put_file(key, path)
                outputs[output] = key
            job.status = JobStatus.succeeded
            job.finished_at = utcnow()
            job.result = {
                "outputs": outputs,
                "duration": 60,
                "chapters": [
                    {"start": 0.0, "title": "INT. LIGHTHOUSE - NIGHT"},
                    {"start": 21.5, "title": "EXT. CLIFF - DAWN"},
                    {"start": 44.0, "title": "INT. KITCHEN - DAY"},
                ],
            }
            job_id = str(job.id)
    finally:
        database.dispose()
    return job_id, film


def run_jobs(settings) -> None:
    """What the supervisor does, in this process: run every queued job until none is left."""
    database = Database(settings.database_url)
    try:
        for _ in range(10):
            with database.session(write=False) as session:
                queued = crud.jobs.orphans(session)
            if not queued:
                return
            for job_id in queued:
                JobRun(job_id, uuid.uuid4().hex, settings, {}).run()
    finally:
        database.dispose()


def publish(client, account, render_id, **body):
    return client.post(
        f"/api/v1/renders/{render_id}/publish",
        json={"title": "The Lighthouse", **body},
        headers=account.headers,
    )


def ledger(client, account) -> list[str]:
    entries = client.get("/api/v1/credits/ledger", headers=account.headers).json()["items"]
    return [e["kind"] for e in entries]


def test_not_configured_answers_503(tmp_path, database_url, keys_dir):
    settings = make_settings(tmp_path, database_url, keys_dir)
    with TestClient(create_app(settings)) as client:
        user = register(client)
        for response in (
            client.get("/api/v1/youtube/connect", headers=user.headers, follow_redirects=False),
            client.get("/api/v1/youtube/channels", headers=user.headers),
            publish(client, user, uuid.uuid4(), channel_id=str(uuid.uuid4())),
        ):
            assert response.status_code == 503
            assert response.json()["detail"] == "YouTube is not configured on this server"


def test_connect_list_and_disconnect_revokes_at_google(studio, fake):
    client, _ = studio
    user = register(client)
    channel = connect(client, user)
    assert channel["channel_id"] == "UCfakechannel0000000001" and channel["status"] == "connected"
    listed = client.get("/api/v1/youtube/channels", headers=user.headers)
    assert [c["id"] for c in listed.json()] == [channel["id"]]
    assert client.get("/api/v1/youtube/channels", headers=register(client).headers).json() == []

    gone = client.delete(f"/api/v1/youtube/channels/{channel['id']}", headers=user.headers)
    assert gone.status_code == 204
    assert fake.revoked and not fake.refresh_tokens
    assert client.get("/api/v1/youtube/channels", headers=user.headers).json() == []


def test_publish_uploads_sets_everything_and_creates_the_playlist_once(
    studio, fake, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    client, settings = studio
    user = register(client)
    project = create_project(client, user)
    channel = connect(client, user)
    render_id, film = finished_render(settings, user, project, tmp_path)
    fake.drop_after = [300_000]  # one dropped connection on the way
    answers = []

    accepted = publish(
        client,
        user,
        render_id,
        channel_id=channel["id"],
        description="A keeper holds the light.",
        tags=["ai film", "lighthouse"],
        made_for_kids=True,
        playlist_name="Studio films",
    )
    answers.append(accepted)
    assert accepted.status_code == 202, accepted.text
    run_jobs(settings)
    job = client.get(f"/api/v1/jobs/{accepted.json()['job_id']}", headers=user.headers)
    answers.append(job)
    assert job.json()["status"] == "succeeded", job.json()["error"]
    result = job.json()["result"]
    video_id = result["video_id"]
    assert result["url"] == f"https://www.youtube.com/watch?v={video_id}"

    video = fake.videos[video_id]
    assert hashlib.sha256(fake.video_bytes(video_id)).digest() == hashlib.sha256(film).digest()
    assert video["status"]["containsSyntheticMedia"] is True
    assert video["status"]["selfDeclaredMadeForKids"] is True
    assert video["status"]["privacyStatus"] == "private"
    assert video["snippet"]["description"].endswith(
        "0:00 INT. LIGHTHOUSE - NIGHT\n0:21 EXT. CLIFF - DAWN\n0:44 INT. KITCHEN - DAY"
    )
    assert video["snippet"]["tags"] == ["ai film", "lighthouse"]
    assert fake.thumbnails[video_id] == b"\xff\xd8jpeg"
    assert fake.captions[video_id] == {"en": SRT}
    assert result["steps"]["thumbnail"]["ok"] and result["steps"]["captions"]["en"]["ok"]

    again = publish(client, user, render_id, channel_id=channel["id"], playlist_name="Studio films")
    answers.append(again)
    run_jobs(settings)
    second = client.get(f"/api/v1/jobs/{again.json()['job_id']}", headers=user.headers).json()
    assert second["status"] == "succeeded"
    assert len(fake.playlists) == 1
    (playlist,) = fake.playlists.values()
    assert playlist["title"] == "Studio films"
    assert playlist["items"] == [video_id, second["result"]["video_id"]]
    assert fake.calls.count("playlists.insert") == 1

    render = client.get(f"/api/v1/jobs/{render_id}", headers=user.headers)
    answers.append(render)
    assert [p["video_id"] for p in render.json()["result"]["youtube"]] == [
        video_id,
        second["result"]["video_id"],
    ]
    assert ledger(client, user).count("capture") == 2
    answers.append(client.get("/api/v1/youtube/channels", headers=user.headers))

    secrets = fake.refresh_tokens | fake.access_tokens | set(fake.revoked)
    assert secrets
    seen = "\n".join(a.text for a in answers) + "\n".join(r.getMessage() for r in caplog.records)
    assert not [s for s in secrets if s in seen]


def test_revoked_grant_marks_the_channel_and_releases_the_credits(studio, fake, tmp_path):
    client, settings = studio
    user = register(client)
    project = create_project(client, user)
    channel = connect(client, user)
    render_id, _ = finished_render(settings, user, project, tmp_path)
    balance = client.get("/api/v1/credits/balance", headers=user.headers).json()["balance"]
    fake.revoke_all()  # the user removed the app's access in their Google account

    accepted = publish(client, user, render_id, channel_id=channel["id"])
    assert accepted.status_code == 202
    run_jobs(settings)
    job = client.get(f"/api/v1/jobs/{accepted.json()['job_id']}", headers=user.headers).json()
    assert job["status"] == "failed"
    assert "reconnect" in job["error"]
    listed = client.get("/api/v1/youtube/channels", headers=user.headers).json()
    assert listed[0]["status"] == "needs_reconnect"
    assert client.get("/api/v1/credits/balance", headers=user.headers).json()["balance"] == balance
    assert ledger(client, user)[:2] == ["release", "reserve"]
    assert not fake.sessions  # nothing was uploaded
    refused = publish(client, user, render_id, channel_id=channel["id"])
    assert refused.status_code == 409


def test_spent_quota_is_refused_before_the_upload_with_the_reset_time(
    tmp_path, database_url, keys_dir, fake
):
    settings = youtube_settings(tmp_path, database_url, keys_dir, fake, youtube_daily_units=300)
    with TestClient(create_app(settings)) as client:
        user = register(client)
        project = create_project(client, user)
        channel = connect(client, user)
        render_id, _ = finished_render(settings, user, project, tmp_path)
        refused = publish(client, user, render_id, channel_id=channel["id"])  # captions: 400
        assert refused.status_code == 429
        detail = refused.json()["detail"]
        assert detail["reason"] == "quotaExceeded" and detail["reset_at"] > utcnow().isoformat()
        assert int(refused.headers["retry-after"]) > 0
        assert not fake.sessions

        fits = publish(client, user, render_id, channel_id=channel["id"], captions=False)
        assert fits.status_code == 202


SRT_ES = "1\n00:00:00,500 --> 00:00:02,000\nAguanta.\n\n"
SRT_HI = "1\n00:00:00,500 --> 00:00:02,000\nडटे रहो।\n\n"


def test_every_subtitle_track_of_the_render_becomes_a_caption(
    tmp_path, database_url, keys_dir, fake
):
    # the upload and three captions (1,200 units) fit; the quota counts each captions.insert
    settings = youtube_settings(tmp_path, database_url, keys_dir, fake, youtube_daily_units=1300)
    with TestClient(create_app(settings)) as client:
        user = register(client)
        project = create_project(client, user)
        channel = connect(client, user)
        render_id, _ = finished_render(
            settings, user, project, tmp_path, tracks={"es": SRT_ES, "hi": SRT_HI, "en": SRT}
        )
        accepted = publish(client, user, render_id, channel_id=channel["id"], thumbnail=False)
        assert accepted.status_code == 202, accepted.text
        run_jobs(settings)
        job = client.get(f"/api/v1/jobs/{accepted.json()['job_id']}", headers=user.headers).json()
        assert job["status"] == "succeeded", job["error"]
        video_id = job["result"]["video_id"]
        assert fake.captions[video_id] == {"en": SRT, "es": SRT_ES, "hi": SRT_HI}
        # each track named in words on the watch page
        assert fake.caption_names[video_id] == {"en": "English", "es": "Spanish", "hi": "Hindi"}
        assert fake.calls.count("captions.insert") == 3  # the track in the speech's language once

        again = publish(client, user, render_id, channel_id=channel["id"], thumbnail=False)
        assert again.status_code == 429  # 1,200 units spent: three more captions do not fit
        assert again.json()["detail"]["reason"] == "quotaExceeded"


def test_google_quota_answer_ends_the_job_with_its_reason(studio, fake, tmp_path):
    client, settings = studio
    user = register(client)
    project = create_project(client, user)
    channel = connect(client, user)
    render_id, _ = finished_render(settings, user, project, tmp_path)
    fake.quota_reason = "uploadLimitExceeded"
    accepted = publish(client, user, render_id, channel_id=channel["id"])
    run_jobs(settings)
    job = client.get(f"/api/v1/jobs/{accepted.json()['job_id']}", headers=user.headers).json()
    assert job["status"] == "failed" and job["attempts"] == 1
    assert "uploadLimitExceeded" in job["error"] and "until" in job["error"]
    assert ledger(client, user)[0] == "release"


def test_only_your_own_renders_to_your_own_channels(studio, tmp_path):
    client, settings = studio
    owner, stranger = register(client), register(client)
    render_id, _ = finished_render(settings, owner, create_project(client, owner), tmp_path)
    mine = connect(client, owner)
    theirs = connect(client, stranger)

    assert publish(client, stranger, render_id, channel_id=theirs["id"]).status_code == 404
    assert publish(client, owner, render_id, channel_id=theirs["id"]).status_code == 404
    assert publish(client, owner, uuid.uuid4(), channel_id=mine["id"]).status_code == 404
    gone = client.delete(f"/api/v1/youtube/channels/{mine['id']}", headers=stranger.headers)
    assert gone.status_code == 404
    bad = publish(client, owner, render_id, channel_id=mine["id"], title="<b>Lighthouse</b>")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "title"]
