"""Storage: the key layout, and the same behaviour from local files and from S3 (moto)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from infra.storage import LocalStorage, S3Storage, object_key, project_prefix
from tests.utils.platform import s3_client


def test_key_layout():
    user, project = uuid.uuid4(), uuid.uuid4()
    assert (
        object_key(user, project, "final", "job", "film.mp4")
        == f"users/{user}/projects/{project}/final/job/film.mp4"
    )
    assert object_key(user, project, "raw", "a/b.png").startswith(project_prefix(user, project))
    for bad in ("", "..", "a/../b", "./x"):
        with pytest.raises(ValueError):
            object_key(user, project, "raw", bad)


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "media")
    server, bucket = request.getfixturevalue("s3_server"), request.getfixturevalue("s3_bucket")
    return S3Storage(bucket, s3_client(server))


def test_put_get_list_delete(storage, tmp_path):
    source = tmp_path / "in.bin"
    source.write_bytes(b"frames" * 1000)
    storage.put_file("users/u/projects/p/raw/a/in.bin", source)
    storage.put_file("users/u/projects/p/generated/j/work/x/plan.pkl", source)
    storage.put_file("users/u/projects/p/generated/j/work/y.pkl", source)
    assert storage.exists("users/u/projects/p/raw/a/in.bin") and not storage.exists(
        "users/u/projects/p/nope"
    )
    assert storage.size("users/u/projects/p/raw/a/in.bin") == 6000
    assert sorted(storage.list("users/u/projects/p/generated/j/work/")) == [
        "users/u/projects/p/generated/j/work/x/plan.pkl",
        "users/u/projects/p/generated/j/work/y.pkl",
    ]
    copied = storage.get_dir("users/u/projects/p/generated/j/work/", tmp_path / "restored")
    assert (
        copied == 2
        and (tmp_path / "restored" / "x" / "plan.pkl").read_bytes() == source.read_bytes()
    )
    storage.delete_prefix("users/u/projects/p/generated/")
    assert list(storage.list("users/u/projects/p/")) == ["users/u/projects/p/raw/a/in.bin"]
    storage.delete("users/u/projects/p/raw/a/in.bin")
    assert list(storage.list("users/")) == []


def test_local_storage_stays_inside_its_root(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    with pytest.raises(ValueError):
        storage.exists("../outside")
    assert (
        storage.presigned_get("users/x") is None
        and storage.presigned_put("users/x", "image/png") is None
    )


def test_s3_presigned_urls(s3_server, s3_bucket):
    storage = S3Storage(s3_bucket, s3_client(s3_server), presign_seconds=60)
    ticket = storage.presigned_put("users/u/projects/p/raw/a/x.png", "image/png")
    assert (
        httpx.put(ticket["url"], content=b"png bytes", headers=ticket["headers"]).status_code == 200
    )
    download = httpx.get(storage.presigned_get("users/u/projects/p/raw/a/x.png", "x.png"))
    assert download.content == b"png bytes"
    assert "x.png" in download.headers["content-disposition"]
