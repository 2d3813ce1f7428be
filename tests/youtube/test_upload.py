"""The resumable upload through the real Google client: dropped connections, 503s, worker
deaths and expired tokens cost at most the chunk in flight, and YouTube holds the exact bytes."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from youtube.errors import QuotaExceeded
from youtube.metadata import VideoMetadata, video_body
from youtube.upload import CHUNK_BYTES, ResumableUpload

MB = 1000 * 1000


@pytest.fixture
def film(tmp_path):
    path = tmp_path / "film.mp4"
    path.write_bytes(os.urandom(20 * MB))
    return path


def body() -> dict:
    return video_body(VideoMetadata(title="The Lighthouse"))


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_upload_survives_two_dropped_connections(fake, service, film):
    fake.drop_after = [3 * MB, 5 * MB]  # the first two chunk PUTs die part way
    stored = []
    upload = ResumableUpload(
        service, film, body(), on_progress=lambda uri, n: stored.append(n), sleep=lambda s: None
    )
    video = upload.run()
    assert hashlib.sha256(fake.video_bytes(video["id"])).hexdigest() == sha256(film)
    resent = fake.bytes_received - film.stat().st_size
    assert len(fake.failures) == 2
    assert resent <= 2 * CHUNK_BYTES and all(f["read"] <= CHUNK_BYTES for f in fake.failures)
    assert stored[-1] == film.stat().st_size or stored == sorted(stored)


def test_upload_retries_503(fake, service, film):
    fake.fail_503 = 2
    video = ResumableUpload(service, film, body(), sleep=lambda s: None).run()
    assert hashlib.sha256(fake.video_bytes(video["id"])).hexdigest() == sha256(film)


def test_new_uploader_resumes_from_the_stored_offset(fake, service, film):
    """A worker dies after two chunks; a new one, from the stored session, sends the rest."""
    stored: dict = {}

    class WorkerDied(Exception):
        pass

    def keep(uri, acknowledged):
        stored.update(uri=uri, acknowledged=acknowledged)
        if acknowledged >= 2 * CHUNK_BYTES:
            raise WorkerDied

    with pytest.raises(WorkerDied):
        ResumableUpload(service, film, body(), on_progress=keep).run()
    assert stored["acknowledged"] == 2 * CHUNK_BYTES
    before = fake.bytes_received

    video = ResumableUpload(
        service, film, body(), session_uri=stored["uri"], acknowledged=stored["acknowledged"]
    ).run()
    assert fake.bytes_received - before == film.stat().st_size - 2 * CHUNK_BYTES  # none re-sent
    assert hashlib.sha256(fake.video_bytes(video["id"])).hexdigest() == sha256(film)
    assert fake.uploads == 1


def test_expired_access_token_is_refreshed_mid_upload(fake, service, film):
    def expire(uri, acknowledged):
        if acknowledged == CHUNK_BYTES:
            fake.expire_access_tokens()

    video = ResumableUpload(service, film, body(), on_progress=expire).run()
    assert hashlib.sha256(fake.video_bytes(video["id"])).hexdigest() == sha256(film)


def test_quota_answer_ends_the_upload_with_its_reason(fake, service, film):
    fake.quota_reason = "uploadLimitExceeded"
    with pytest.raises(QuotaExceeded) as error:
        ResumableUpload(service, film, body(), sleep=lambda s: None).run()
    assert error.value.reason == "uploadLimitExceeded"
    assert error.value.reset_at.timestamp() > time.time()
