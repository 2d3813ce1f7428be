"""The platform's publish job whose worker dies mid-upload: the next attempt, started by the
supervisor once the lease runs out, resumes from the offset stored in the publication row —
one upload session, no byte sent twice, the exact film at YouTube."""

from __future__ import annotations

import hashlib
import time

from fastapi.testclient import TestClient

from db.crud import youtube as publications
from serve_apps.api.main import create_app
from tests.serve_apps.api.test_youtube import (
    FILM_BYTES,
    connect,
    finished_render,
    publish,
    run_jobs,
    youtube_settings,
)
from tests.utils.platform import create_project, register


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the worker handles it, the job row stays `running`."""


def test_a_publish_job_killed_mid_upload_resumes_from_the_stored_offset(
    tmp_path, database_url, keys_dir, fake, monkeypatch
):
    chunk = 1024 * 1024
    settings = youtube_settings(tmp_path, database_url, keys_dir, fake, youtube_chunk_bytes=chunk)
    with TestClient(create_app(settings)) as client:
        user = register(client)
        channel = connect(client, user)
        render_id, film = finished_render(settings, user, create_project(client, user), tmp_path)
        accepted = publish(client, user, render_id, channel_id=channel["id"])
        assert accepted.status_code == 202, accepted.text

        save_state = publications.save_state

        def save_then_die(session, job_id, state):
            save_state(session, job_id, state)
            if state.get("bytes_acknowledged", 0) >= 2 * chunk and not state.get("video_id"):
                session.commit()
                raise WorkerKilled

        monkeypatch.setattr(publications, "save_state", save_then_die)
        try:
            run_jobs(settings)
        except WorkerKilled:
            pass
        monkeypatch.setattr(publications, "save_state", save_state)
        assert fake.bytes_received == 2 * chunk and not fake.videos

        time.sleep(settings.job_lease_s + 0.5)  # the dead worker's lease runs out
        run_jobs(settings)
        job = client.get(f"/api/v1/jobs/{accepted.json()['job_id']}", headers=user.headers).json()
        assert job["status"] == "succeeded", job["error"]
        video_id = job["result"]["video_id"]
        assert hashlib.sha256(fake.video_bytes(video_id)).digest() == hashlib.sha256(film).digest()
        assert len(fake.sessions) == 1 and fake.uploads == 1
        assert fake.bytes_received == FILM_BYTES  # resumed at the stored offset
