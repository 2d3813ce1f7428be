"""Output locations: the same calls write a local folder or an S3 prefix (moto on loopback)."""

from __future__ import annotations

import pytest

from cluster import uris


@pytest.fixture(params=["local", "s3"])
def root(request, tmp_path) -> str:
    if request.param == "local":
        return str(tmp_path / "out")
    env = request.getfixturevalue("s3")
    return f"s3://{env['BUCKET']}/storage-test-{tmp_path.name}"


def test_write_read_upload_download_round_trip(root, tmp_path):
    marker = uris.join(root, "film", "summary.json")
    assert not uris.exists(marker)
    uris.write_text(marker, '{"status": "done"}')
    assert uris.exists(marker) and uris.read_text(marker) == '{"status": "done"}'

    local = tmp_path / "film.mp4"
    local.write_bytes(b"\x00\x01mp4")
    target = uris.join(root, "film", "film.mp4")
    uris.upload(local, target)
    fetched = uris.download(target, tmp_path / "inputs")
    assert fetched.read_bytes() == b"\x00\x01mp4"
    assert uris.parent(target) == uris.join(root, "film")


def test_references_resolve_against_the_manifests_folder():
    assert uris.resolve("art/a.png", "/data/batch") == "/data/batch/art/a.png"
    assert uris.resolve("art/a.png", "s3://b/batch") == "s3://b/batch/art/a.png"
    assert uris.resolve("/abs/a.png", "s3://b/batch") == "/abs/a.png"
    assert uris.resolve("s3://x/a.png", "/data") == "s3://x/a.png"
