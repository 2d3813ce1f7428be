"""A video job's live HLS stream through the API on a real Ray: announced on the job's
WebSocket with its first segment, the playlist owner-only, its segments behind signed URLs
that expire."""

from __future__ import annotations

import time
import uuid
from urllib.parse import parse_qs, urlsplit

import av
import pytest

from tests.serve_apps.api.test_jobs import follow, job_row, studio, submit, wait_for  # noqa: F401
from tests.utils.platform import create_project, register

pytestmark = pytest.mark.timeout(240)

FPS = 24  # the API's default frame rate


def files_of(playlist: str) -> list[str]:
    """The URLs a player fetches: the init segment's, then each media segment's."""
    init = [
        line.split('URI="')[1].rstrip('"')
        for line in playlist.splitlines()
        if line.startswith("#EXT-X-MAP:")
    ]
    return init + [line for line in playlist.splitlines() if line and not line.startswith("#")]


def stream_base(job_id: str) -> str:
    return f"/api/v1/jobs/{job_id}/stream/"


def test_a_video_job_streams_to_its_owner_only(studio, tmp_path):  # noqa: F811
    client, settings = studio
    user, other = register(client), register(client)
    project = create_project(client, user)
    job_id = submit(client, user, project)
    playlist_url = stream_base(job_id) + "index.m3u8"

    # Before the first segment there is no stream; the owner may look, nobody else.
    before = client.get(playlist_url, headers=user.headers)
    assert before.status_code in (200, 404)
    assert client.get(playlist_url, headers=other.headers).status_code == 404

    # The job's events announce the stream's URL with the first segment, while it runs: the
    # playlist is there at once, its first segment fetchable with the URL it carries.
    events, live = [], None
    with client.websocket_connect(f"/api/v1/jobs/{job_id}/events?token={user.access_token}") as ws:
        while not events or events[-1]["status"] not in ("succeeded", "failed", "cancelled"):
            events.append(ws.receive_json())
            if events[-1].get("stream") and live is None:
                assert events[-1]["stream"] == playlist_url
                assert events[-1]["status"] == "running"
                live = client.get(playlist_url, headers=user.headers)
                assert live.status_code == 200 and "seg-00000.m4s?token=" in live.text
                first_segment = client.get(stream_base(job_id) + files_of(live.text)[1])
                assert first_segment.status_code == 200 and first_segment.content
    assert events[-1]["status"] == "succeeded" and live is not None
    first = next(i for i, event in enumerate(events) if event.get("stream"))
    later = [e for e in events[first:] if e["status"] == "running"]
    assert all(e["stream"] == playlist_url for e in later)  # a client joining late finds it

    # The finished playlist: closed, fresh on every read, its files signed.
    response = client.get(playlist_url, headers=user.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert response.headers["cache-control"] == "no-cache"
    playlist = response.text
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in playlist and playlist.rstrip().endswith("#EXT-X-ENDLIST")
    # Players that cannot set a header pass the access token in the query, as for the socket.
    by_query = client.get(f"{playlist_url}?token={user.access_token}")
    assert by_query.status_code == 200 and files_of(by_query.text)[0].startswith("init.mp4?token=")
    assert client.get(f"{playlist_url}?token={other.access_token}").status_code == 404
    assert client.get(playlist_url).status_code == 401

    # Each file, fetched with no header as a player does, is immutable MP4; together they play
    # the whole film with its sound.
    data = b""
    for url in files_of(playlist):
        assert url.split("?")[0] in ("init.mp4",) or url.startswith("seg-")
        segment = client.get(stream_base(job_id) + url)
        assert segment.status_code == 200, segment.text
        assert segment.headers["content-type"] == "video/mp4"
        assert "immutable" in segment.headers["cache-control"]
        data += segment.content
    whole = tmp_path / "stream.mp4"
    whole.write_bytes(data)
    with av.open(str(whole)) as container:
        assert container.streams.audio and container.streams.video
        frames = sum(1 for p in container.demux(container.streams.video[0]) if p.size)
    assert abs(frames - 4 * FPS) <= 1

    # Another user: 404 for a segment with their own access token.
    segment_name = files_of(playlist)[1].split("?")[0]
    segment_url = stream_base(job_id) + segment_name
    assert client.get(segment_url, headers=other.headers).status_code == 404
    assert client.get(segment_url, headers=user.headers).status_code == 200

    # A token is for one file of one job, until it expires: otherwise 403.
    tokens = client.app.state.platform.stream_tokens
    expired = tokens.issue(uuid.UUID(job_id), segment_name, now=time.time() - 2 * tokens.lifetime_s)
    assert client.get(f"{segment_url}?token={expired}").status_code == 403
    init_token = parse_qs(urlsplit(files_of(playlist)[0]).query)["token"][0]
    assert client.get(f"{segment_url}?token={init_token}").status_code == 403
    assert client.get(f"{segment_url}?token=not-a-token").status_code == 403
    foreign = tokens.issue(uuid.uuid4(), segment_name)
    assert client.get(f"{segment_url}?token={foreign}").status_code == 403
    assert (
        client.get(stream_base(job_id) + "index.m3u8.bak", headers=user.headers).status_code == 404
    )


def test_with_s3_the_playlist_names_presigned_urls(
    tmp_path, render_database_url, keys_dir, ray_jobs, s3_server, s3_bucket
):
    """With S3 storage the stream lands in the bucket and the playlist hands out presigned URLs,
    which a player fetches from S3 directly."""
    import httpx
    from fastapi.testclient import TestClient

    from serve_apps.api.main import create_app
    from tests.utils.platform import make_settings, s3_settings

    settings = make_settings(
        tmp_path,
        render_database_url,
        keys_dir,
        job_supervisor=True,
        **s3_settings(s3_server, s3_bucket),
    )
    with TestClient(create_app(settings)) as client:
        user = register(client)
        job_id = submit(client, user, create_project(client, user))
        assert follow(client, user, job_id)[-1]["status"] == "succeeded"
        response = client.get(stream_base(job_id) + "index.m3u8", headers=user.headers)
        assert response.status_code == 200 and response.text.rstrip().endswith("#EXT-X-ENDLIST")
        urls = files_of(response.text)
        assert all(url.startswith(s3_server) and "X-Amz-Expires=600" in url for url in urls)
        data = b""
        for url in urls:
            fetched = httpx.get(url)
            assert fetched.status_code == 200 and fetched.headers["content-type"] == "video/mp4"
            data += fetched.content
    whole = tmp_path / "stream.mp4"
    whole.write_bytes(data)
    with av.open(str(whole)) as container:
        assert container.streams.audio
        frames = sum(1 for p in container.demux(container.streams.video[0]) if p.size)
    assert abs(frames - 4 * FPS) <= 1


def test_segments_are_outside_the_rate_limit(tmp_path, database_url, keys_dir):
    """A player fetches a segment every few seconds: those fetches are not counted against the
    client's per-IP limit; the playlist, like every other route, is."""
    from fastapi.testclient import TestClient

    from serve_apps.api.main import create_app
    from tests.utils.platform import make_settings

    settings = make_settings(tmp_path, database_url, keys_dir, rate_limit_requests=3)
    with TestClient(create_app(settings)) as client:
        job = stream_base(uuid.uuid4())
        for _ in range(5):
            assert client.get(job + "seg-00000.m4s?token=x").status_code == 403
        answers = [client.get(job + "index.m3u8").status_code for _ in range(5)]
        assert 429 in answers and set(answers) <= {401, 429}
