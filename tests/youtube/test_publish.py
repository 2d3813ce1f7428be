"""The steps after the upload, each done once: a retried publish resumes without a second
upload or playlist; chapters and the AI disclosure are in what YouTube receives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from youtube.metadata import MetadataError, VideoMetadata, chapter_lines, video_body
from youtube.publish import Caption, Publication, PublishPlan


def test_chapters_start_at_zero_and_keep_ten_seconds_apart():
    lines = chapter_lines(
        [(0.4, "INT. HALL"), (5.0, "too close"), (65.0, "EXT.  YARD"), (3700, "End")]
    )
    assert lines == ["0:00 INT. HALL", "1:05 EXT. YARD", "1:01:40 End"]


def test_video_body_refuses_what_youtube_would():
    with pytest.raises(MetadataError) as error:
        video_body(VideoMetadata(title="x" * 101))
    assert error.value.field == "title"
    with pytest.raises(MetadataError):
        video_body(
            VideoMetadata(
                title="t", privacy="public", publish_at=datetime.now(UTC) + timedelta(days=1)
            )
        )
    body = video_body(VideoMetadata(title="t", publish_at=datetime.now(UTC) + timedelta(days=1)))
    assert body["status"]["publishAt"].endswith("Z") and body["status"]["containsSyntheticMedia"]


def test_a_retried_publish_does_each_step_once(fake, service, tmp_path):
    film, thumb, srt = tmp_path / "f.mp4", tmp_path / "t.jpg", tmp_path / "f.srt"
    film.write_bytes(b"\x00" * 700_000)
    thumb.write_bytes(b"\xff\xd8")
    srt.write_bytes(b"1\n00:00:00,000 --> 00:00:01,000\nHi\n\n")
    plan = PublishPlan(
        video=film,
        body=video_body(VideoMetadata(title="t", chapters=[(0, "A"), (20, "B"), (40, "C")])),
        thumbnail=thumb,
        captions=[Caption("en", srt), Caption("fr", srt)],
        playlist_name="Films",
        chunk_bytes=256 * 1024,
    )
    saved: list[dict] = []
    spent: list[str] = []

    class Died(Exception):
        pass

    def save_then_die(state):
        saved.append(dict(state))
        if "fr" in state["steps"].get("captions", {}):
            raise Died

    state: dict = {}
    with pytest.raises(Died):
        Publication(service, plan, state, save_then_die, spent.append).run()
    final = Publication(service, plan, state, saved.append, spent.append).run()

    assert fake.uploads == 1 and len(fake.sessions) == 1
    assert fake.calls.count("captions.insert") == 2  # en and fr, once each
    assert fake.calls.count("playlists.insert") == 1
    assert fake.playlists[final["playlist_id"]]["items"] == [final["video_id"]]
    assert "0:20 B" in fake.videos[final["video_id"]]["snippet"]["description"]
    assert spent.count("videos.insert") == 1
