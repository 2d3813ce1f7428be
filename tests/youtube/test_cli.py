"""`filmstudio youtube connect|channels` and `filmstudio publish`, run as a user runs them (a
process of their own) against the fake Google: the device code shown and approved, the film
and everything around it at YouTube, a publish killed mid-upload resuming from the stored
offset, and the refusals, each one line with exit code 2 and no token printed."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from db import crud
from db.session import Database
from tests.utils.fake_youtube import CHANNEL, FakeYouTube
from youtube.crypto import TokenCipher
from youtube.upload import CHUNK_BYTES

EMAIL = "maker@example.com"
SRT = "1\n00:00:00,500 --> 00:00:02,000\nHold on.\n\n"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake():
    with FakeYouTube() as server:
        yield server


@pytest.fixture
def env(tmp_path, render_database_url, fake) -> dict[str, str]:
    """The CLI's environment: the fake as Google, a database holding the studio account."""
    database = Database(render_database_url)
    try:
        with database.transaction() as session:
            crud.users.create(session, email=EMAIL, password_hash="unused")
    finally:
        database.dispose()
    values = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FILMSTUDIO_", "DATABASE"))},
        "DATABASE_URL": render_database_url,
        "FILMSTUDIO_VAR_DIR": str(tmp_path / "var"),
        "FILMSTUDIO_EMAIL": EMAIL,
        "FILMSTUDIO_YOUTUBE_RETRY_BASE_S": "0.01",
        "FILMSTUDIO_YOUTUBE_KEY_PATH": str(tmp_path / "youtube.keys"),
    }
    for name, value in fake.settings().items():
        values[f"FILMSTUDIO_{name.upper()}"] = str(value)
    return values


def filmstudio(env, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "filmstudio.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def connected(env, fake) -> None:
    """The account's channel, as `youtube connect` leaves it (tests that skip Google's page)."""
    database = Database(env["DATABASE_URL"])
    try:
        with database.transaction() as session:
            user = crud.users.get_by_email(session, EMAIL)
            crud.youtube.save_channel(
                session,
                owner_id=user.id,
                channel_id=CHANNEL["id"],
                title=CHANNEL["title"],
                tokens=TokenCipher(Path(env["FILMSTUDIO_YOUTUBE_KEY_PATH"])).encrypt(fake.grant()),
            )
    finally:
        database.dispose()


def film_file(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_connect_with_a_device_code_then_publish_everything_once(env, fake, tmp_path):
    fake.device_interval = 1
    outputs: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-m", "filmstudio.cli", "youtube", "connect"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as connecting:
        shown = connecting.stdout.readline()
        code = re.search(r"Open (\S+) and enter the code (\S+)", shown)
        assert code and code.group(1) == fake.url + "/device", shown
        fake.approve_device(code.group(2))  # the user, at Google, on their phone
        out, err = connecting.communicate(timeout=60)
    assert connecting.returncode == 0, err
    outputs += [shown, out, err]
    assert f"connected {CHANNEL['title']} ({CHANNEL['id']})" in out
    listed = filmstudio(env, "youtube", "channels")
    outputs += [listed.stdout, listed.stderr]
    assert CHANNEL["id"] in listed.stdout and "connected" in listed.stdout

    film = film_file(tmp_path, "lighthouse.mp4", 3 * 1024 * 1024 + 4321)
    (tmp_path / "lighthouse.srt").write_text(SRT)
    (tmp_path / "lighthouse.fr.srt").write_text(SRT.replace("Hold on.", "Tiens bon."))
    (tmp_path / "lighthouse.jpg").write_bytes(b"\xff\xd8jpeg")
    args = [
        "publish",
        str(film),
        "--channel",
        CHANNEL["title"],
        "--title",
        "The Lighthouse",
        "--privacy",
        "unlisted",
        "--made-for-kids",
        "--playlist",
        "Studio films",
        "--captions",
        str(tmp_path / "lighthouse.srt"),
        "--captions",
        str(tmp_path / "lighthouse.fr.srt"),
        "--thumbnail",
        str(tmp_path / "lighthouse.jpg"),
        "--chapter",
        "0:00 INT. LIGHTHOUSE",
        "--chapter",
        "0:21 EXT. CLIFF",
        "--chapter",
        "0:44 INT. KITCHEN",
    ]
    fake.drop_after = [500_000]  # one dropped connection on the way
    published = filmstudio(env, *args)
    outputs += [published.stdout, published.stderr]
    assert published.returncode == 0, published.stderr
    video_id = re.search(r"published: https://www\.youtube\.com/watch\?v=(\S+)", published.stdout)[
        1
    ]
    video = fake.videos[video_id]
    assert sha256(fake.video_bytes(video_id)) == sha256(film.read_bytes())
    assert video["status"] == {
        "privacyStatus": "unlisted",
        "selfDeclaredMadeForKids": True,
        "containsSyntheticMedia": True,
    }
    assert video["snippet"]["description"].endswith(
        "0:00 INT. LIGHTHOUSE\n0:21 EXT. CLIFF\n0:44 INT. KITCHEN"
    )
    assert fake.captions[video_id] == {"en": SRT, "fr": SRT.replace("Hold on.", "Tiens bon.")}
    assert fake.thumbnails[video_id] == b"\xff\xd8jpeg"
    assert "captions fr: ok" in published.stdout and "playlist: ok" in published.stdout

    again = filmstudio(env, *args)
    outputs += [again.stdout, again.stderr]
    assert again.returncode == 0 and "already published" in again.stdout
    assert fake.uploads == 1

    other = film_file(tmp_path, "sequel.mp4", 1024 * 1024)
    sequel = filmstudio(
        env, "publish", str(other), "--channel", CHANNEL["id"], "--title", "Sequel",
        "--playlist", "Studio films",
    )  # fmt: skip
    outputs += [sequel.stdout, sequel.stderr]
    assert sequel.returncode == 0, sequel.stderr
    (playlist,) = fake.playlists.values()
    assert len(playlist["items"]) == 2 and fake.calls.count("playlists.insert") == 1

    secrets = fake.refresh_tokens | fake.access_tokens
    assert secrets and not [s for s in secrets if s in "\n".join(outputs)]


def test_a_killed_publish_resumes_from_the_stored_offset(env, fake, tmp_path):
    connected(env, fake)
    film = film_file(tmp_path, "film.mp4", 20 * 1000 * 1000)
    fake.stall_put = 2  # the second chunk hangs: the process is killed while sending it
    args = ["publish", str(film), "--channel", CHANNEL["id"], "--title", "Killed"]
    with subprocess.Popen(
        [sys.executable, "-m", "filmstudio.cli", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as worker:
        assert fake.stalled.wait(60), "the upload never reached its second chunk"
        worker.send_signal(signal.SIGKILL)
    fake.release.set()
    (state_file,) = (Path(env["FILMSTUDIO_VAR_DIR"]) / "publish").glob("youtube-*.json")
    stored = json.loads(state_file.read_text())
    assert stored["bytes_acknowledged"] == CHUNK_BYTES and not stored.get("video_id")

    resumed = filmstudio(env, *args)
    assert resumed.returncode == 0, resumed.stderr
    (video_id,) = fake.videos
    assert sha256(fake.video_bytes(video_id)) == sha256(film.read_bytes())
    assert len(fake.sessions) == 1 and fake.uploads == 1
    assert fake.bytes_received == film.stat().st_size  # not one byte sent twice


def test_refusals_name_the_field_and_print_no_token(env, fake, tmp_path):
    connected(env, fake)
    film = film_file(tmp_path, "film.mp4", 300_000)
    base = ["publish", str(film), "--channel", CHANNEL["id"], "--title", "Refused"]

    def refused(*args: str, **extra: str) -> str:
        done = filmstudio({**env, **extra}, *args)
        assert done.returncode == 2, (done.stdout, done.stderr)
        line = done.stderr.strip().splitlines()[-1]
        assert not [s for s in fake.refresh_tokens | fake.access_tokens if s in done.stderr]
        return line

    line = refused(*base, FILMSTUDIO_YOUTUBE_DAILY_UPLOADS="0")
    assert re.match(r"error: quota: uploadLimitExceeded: .* until 20\d\d-", line), line
    assert not fake.sessions  # refused before the upload
    assert refused(*base[:-1], "<b>Bold</b>").startswith("error: title:")
    assert refused(*base, "--privacy", "secret").startswith("error: privacy:")
    assert refused(*base, "--channel", "nobody").startswith("error: channel:")
    assert refused(*base, FILMSTUDIO_EMAIL="stranger@example.com").startswith("error: email:")
    assert "not configured" in refused(*base, FILMSTUDIO_YOUTUBE_CLIENT_ID="")

    fake.revoke_all()  # the user removed the app's access in their Google account
    assert "reconnect" in refused(*base)
    listed = filmstudio(env, "youtube", "channels")
    assert "needs_reconnect" in listed.stdout
    assert "reconnect" in refused(*base)  # refused now before calling Google
