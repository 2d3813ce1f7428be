"""Backups over HTTP: a studio with users, a project, an asset, a finished film and ledger
entries is backed up, wiped and restored; the film downloads with the same SHA-256 and the
balances match. A damaged backup or a database in use is refused before anything is written."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from db.backup import BackupError, backup, restore
from serve_apps.api.main import create_app
from tests.utils.media import image_bytes
from tests.utils.platform import (
    ADMIN_EMAIL,
    PASSWORD,
    PostgresSchema,
    create_project,
    finished_job,
    make_settings,
    register,
    s3_client,
    s3_settings,
)

pytestmark = pytest.mark.timeout(300)

API = "/api/v1"


def wipe(settings) -> None:
    """What a lost machine leaves: an empty database and no media or scratch files."""
    url = settings.database_url
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            file.unlink(missing_ok=True)
    else:
        base, _, options = url.partition("?options=-csearch_path%3D")
        schema = PostgresSchema(base, options)
        schema.drop()
        schema.create()  # a fresh, empty database
    shutil.rmtree(settings.var_dir, ignore_errors=True)


def sign_in(client, email: str) -> dict[str, str]:
    tokens = client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


def studio_state(client, emails: list[str], job_id: str | None, asset: tuple[str, str]) -> dict:
    """What the users see: balances, ledgers, projects, the asset's bytes, the film's SHA-256."""
    state = {}
    for email in emails:
        headers = sign_in(client, email)
        ledger = client.get(f"{API}/credits/ledger", params={"limit": 100}, headers=headers)
        state[email] = {
            "balance": client.get(f"{API}/credits/balance", headers=headers).json()["balance"],
            "ledger": [
                (e["kind"], e["amount"], e["balance_after"]) for e in ledger.json()["items"]
            ],
            "projects": [
                p["name"] for p in client.get(f"{API}/projects", headers=headers).json()["items"]
            ],
        }
    owner = sign_in(client, emails[0])
    project_id, asset_id = asset
    content = client.get(
        f"{API}/projects/{project_id}/assets/{asset_id}/content",
        headers=owner,
        follow_redirects=False,
    )
    if content.status_code == 307:  # media on S3: a presigned URL
        content = httpx.get(content.headers["location"])
    assert content.status_code == 200, content.text
    state["asset"] = hashlib.sha256(content.content).hexdigest()
    if job_id is not None:
        film = client.get(f"{API}/jobs/{job_id}/outputs/film", headers=owner)
        assert film.status_code == 200 and film.headers["content-type"] == "video/mp4"
        state["film"] = hashlib.sha256(film.content).hexdigest()
    return state


def make_studio(client, *, render: bool) -> tuple[list[str], str | None, tuple[str, str]]:
    admin = register(client, ADMIN_EMAIL)
    user = register(client)
    project = create_project(client, user)
    asset = client.post(
        f"{API}/projects/{project['id']}/assets",
        files={"file": ("sea.png", image_bytes())},
        headers=user.headers,
    )
    assert asset.status_code == 201, asset.text
    grant = client.post(
        f"{API}/admin/users/{user.id}/credits", json={"amount": 40}, headers=admin.headers
    )
    assert grant.status_code == 201
    job_id = None
    if render:
        submitted = client.post(
            f"{API}/generate/video",
            json={
                "project_id": project["id"],
                "script": "Dawn breaks over the sea.",
                "duration": 4,
                "image_ids": [asset.json()["id"]],
            },
            headers=user.headers,
        )
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["job_id"]
        job = finished_job(client, user, job_id, timeout=200)
        assert job["status"] == "succeeded", job
    return [user.email, admin.email], job_id, (project["id"], asset.json()["id"])


def test_backup_wipe_restore_keeps_the_film_and_the_balances(
    tmp_path, database_url, keys_dir, ray_jobs
):
    settings = make_settings(tmp_path, database_url, keys_dir, job_supervisor=True)
    with TestClient(create_app(settings)) as client:
        emails, job_id, asset = make_studio(client, render=True)
        before = studio_state(client, emails, job_id, asset)
        manifest = backup(settings, str(tmp_path / "backup"))
    assert manifest["database"]["kind"] == database_url.split(":")[0].split("+")[0]
    assert any(name.endswith("/film.mp4") for name in manifest["files"])

    wipe(settings)
    restored = restore(settings, str(tmp_path / "backup"))
    assert restored["created_at"] == manifest["created_at"]
    with TestClient(create_app(settings)) as client:
        after = studio_state(client, emails, job_id, asset)
    assert after == before
    assert before[emails[0]]["balance"] == 600 + 40 - 4  # grant, minus the 4 s film


def test_damaged_backup_and_used_database_are_refused(tmp_path, database_url, keys_dir):
    settings = make_settings(tmp_path, database_url, keys_dir)
    with TestClient(create_app(settings)) as client:
        emails, _, asset = make_studio(client, render=False)
        before = studio_state(client, emails, None, asset)
    target = tmp_path / "backup"
    backup(settings, str(target))
    with pytest.raises(BackupError, match="exists and is not an empty directory"):
        backup(settings, str(target))
    # Onto a database in use: refused, nothing touched.
    with pytest.raises(BackupError, match="already has tables"):
        restore(settings, str(target))

    wipe(settings)
    image = next(p for p in (target / "media").rglob("*") if p.is_file())
    original = image.read_bytes()
    image.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    name = image.relative_to(target).as_posix()
    with pytest.raises(BackupError, match=f"{name}: its SHA-256 does not match"):
        restore(settings, str(target))
    assert not settings.media_dir.exists() or not any(settings.media_dir.rglob("*.png"))
    image.write_bytes(original)
    restore(settings, str(target))  # nothing was half-written: the repaired backup restores
    with TestClient(create_app(settings)) as client:
        assert studio_state(client, emails, None, asset) == before


def test_backup_to_s3_with_media_on_s3(tmp_path, database_url, keys_dir, s3_server, s3_bucket):
    settings = make_settings(tmp_path, database_url, keys_dir, **s3_settings(s3_server, s3_bucket))
    backups = f"backups-{s3_bucket}"
    s3_client(s3_server).create_bucket(Bucket=backups)
    with TestClient(create_app(settings)) as client:
        emails, _, asset = make_studio(client, render=False)
        before = studio_state(client, emails, None, asset)
    where = f"s3://{backups}/nightly/1"
    backup(settings, where)
    wipe(settings)
    media = s3_client(s3_server)
    for item in media.list_objects_v2(Bucket=s3_bucket).get("Contents", []):
        media.delete_object(Bucket=s3_bucket, Key=item["Key"])
    restore(settings, where)
    with TestClient(create_app(settings)) as client:
        after = studio_state(client, emails, None, asset)
    assert after == before
