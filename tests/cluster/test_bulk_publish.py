"""Bulk renders that publish: a manifest's `youtube` column sends each finished film to the
account's channel (the fake Google, through the real client). A row naming a channel that is
not connected is refused before its render; a publish refused for quota leaves the film
rendered, and the re-submit publishes it without rendering again; a third submit does nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cluster import bulk
from cluster.manifest import read_manifest
from db import crud
from db.session import Database
from tests.cluster.conftest import write_manifest
from tests.utils.fake_youtube import CHANNEL, FakeYouTube
from tests.utils.film import SCRIPT
from tests.utils.platform import make_settings
from youtube.crypto import TokenCipher

EMAIL = "bulk@example.com"


@pytest.fixture
def fake():
    with FakeYouTube() as server:
        yield server


def connect_channel(settings, fake) -> None:
    database = Database(settings.database_url)
    try:
        with database.transaction() as session:
            user = crud.users.create(session, email=EMAIL, password_hash="unused")
            crud.youtube.save_channel(
                session,
                owner_id=user.id,
                channel_id=CHANNEL["id"],
                title=CHANNEL["title"],
                tokens=TokenCipher(settings.youtube_key_path).encrypt(fake.grant()),
            )
    finally:
        database.dispose()


def submit(manifest: Path, out: Path, work: Path, settings) -> tuple[int, dict]:
    args = bulk._parser().parse_args(
        [str(manifest), "--out", str(out), "--email", EMAIL, "--work-dir", str(work)]
    )
    code = bulk._run(read_manifest(str(manifest), out=str(out)), str(out), args, settings)
    summary = json.loads((out / bulk.SUMMARY).read_text())
    return code, {film["id"]: film for film in summary["films"]}


def test_bulk_publishes_each_finished_film_once(
    ray_session, tmp_path, render_database_url, fake, capsys
):
    """The script's title names the video; its scene is the chapter."""
    values = dict(
        **fake.settings(),
        youtube_key_path=tmp_path / "youtube.keys",
        youtube_chunk_bytes=256 * 1024,
        youtube_retry_base_s=0.01,
    )
    settings = make_settings(tmp_path, render_database_url, **values)
    connect_channel(settings, fake)
    youtube = {"channel": CHANNEL["title"], "privacy": "unlisted", "playlist": "Bulk films"}
    manifest = write_manifest(
        tmp_path,
        "bulk.jsonl",
        [
            {"id": "pier", "script": SCRIPT, "duration": 8, "music": "none", "youtube": youtube},
            {"id": "nowhere", "script": "Fog.", "duration": 3, "youtube": {"channel": "Other"}},
            {"id": "secret", "script": "Fog.", "youtube": {"channel": "x", "privacy": "secret"}},
        ],
    )
    out, work = tmp_path / "out", tmp_path / "work"

    no_quota = make_settings(tmp_path, render_database_url, **values, youtube_daily_uploads=0)
    code, films = submit(manifest, out, work, no_quota)
    assert code == 1
    assert films["secret"]["status"] == "invalid"
    assert films["secret"]["reason"].startswith("youtube.privacy:")
    assert films["nowhere"]["status"] == "invalid" and films["nowhere"]["stage"] is None
    assert films["nowhere"]["reason"].startswith("youtube.channel: 'Other' is not a channel")
    assert not (out / "nowhere").exists()  # refused before its render
    pier = films["pier"]
    assert pier["status"] == "failed" and pier["stage"] == "youtube"
    assert "uploadLimitExceeded" in pier["reason"] and "until" in pier["reason"]
    assert (out / "pier" / "pier.mp4").exists() and not fake.sessions

    code, films = submit(manifest, out, work, settings)  # the quota is back
    pier = films["pier"]
    assert pier["status"] == "skipped" and pier["youtube"]["url"].endswith(
        pier["youtube"]["video_id"]
    )
    video_id = pier["youtube"]["video_id"]
    film = (out / "pier" / "pier.mp4").read_bytes()
    assert hashlib.sha256(fake.video_bytes(video_id)).digest() == hashlib.sha256(film).digest()
    video = fake.videos[video_id]
    assert video["snippet"]["title"] == "Kettle"
    assert video["status"]["privacyStatus"] == "unlisted"
    assert video["status"]["containsSyntheticMedia"] is True
    assert "0:00 INT. KITCHEN - NIGHT" in video["snippet"]["description"]
    assert fake.thumbnails[video_id] == (out / "pier" / "pier.jpg").read_bytes()
    assert fake.captions[video_id] == {"en": (out / "pier" / "pier.srt").read_text()}
    (playlist,) = fake.playlists.values()
    assert playlist == {"title": "Bulk films", "items": [video_id]}
    assert f"[pier] published https://www.youtube.com/watch?v={video_id}" in capsys.readouterr().out

    code, films = submit(manifest, out, work, settings)
    assert films["pier"]["status"] == "skipped"
    assert films["pier"]["youtube"]["video_id"] == video_id
    assert fake.uploads == 1 and fake.calls.count("playlists.insert") == 1


def test_csv_youtube_cells_are_name_value_pairs(tmp_path):
    manifest = tmp_path / "bulk.csv"
    manifest.write_text(
        "id,script,youtube\n"
        'kettle,A kettle hums.,"channel=Studio;privacy=public;tags=ai film,kitchen"\n'
        "late,A kettle hums.,channel=Studio;publish_at=2020-01-01T00:00:00Z\n"
        "plain,A kettle hums.,\n"
    )
    read = read_manifest(str(manifest), out=str(tmp_path / "out"))
    kettle, plain = read.films
    assert kettle.youtube == {
        "channel": "Studio",
        "privacy": "public",
        "tags": ["ai film", "kitchen"],
    }
    assert plain.youtube is None
    (late,) = read.bad
    assert late.reason.startswith("youtube.publish_at:") and "future" in late.reason
