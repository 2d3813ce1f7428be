"""Where bulk renders read and write: a local path or an `s3://bucket/key` URI, one API for both.

A bulk run names its locations per run (`--out s3://renders/batch-7`), not in the platform's
per-user key layout, so this module is a thin URI layer: plain functions over strings that
travel to any node, dispatching on the scheme. S3 goes through the platform's
`infra.storage.S3Storage` and its client settings (S3_ENDPOINT_URL, S3_REGION, keys; unset,
boto3's own chain, `AWS_ENDPOINT_URL` included). Local writes are atomic (a temporary name,
then a rename), so a reader never sees half a file.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from functools import cache
from pathlib import Path

S3 = "s3://"


def is_s3(uri: str) -> bool:
    return str(uri).startswith(S3)


def join(base: str, *parts: str) -> str:
    """`base/part/…` for either kind of location."""
    if is_s3(base):
        return posixpath.join(str(base).rstrip("/"), *parts)
    return str(Path(base, *parts))


def resolve(ref: str, base: str) -> str:
    """A reference from a manifest, taken relative to the manifest's folder `base`."""
    if is_s3(ref) or os.path.isabs(ref):
        return ref
    return join(base, ref)


def parent(uri: str) -> str:
    return posixpath.dirname(uri) if is_s3(uri) else str(Path(uri).parent)


def exists(uri: str) -> bool:
    if is_s3(uri):
        bucket, key = _split(uri)
        return _bucket(bucket).exists(key)
    return Path(uri).exists()


def read_text(uri: str) -> str:
    if is_s3(uri):
        bucket, key = _split(uri)
        return (
            _bucket(bucket).client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        )
    return Path(uri).read_text(encoding="utf-8")


def write_text(uri: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "text")
        path.write_text(text, encoding="utf-8")
        upload(path, uri)


def upload(local: Path, uri: str) -> None:
    """Copy a local file to `uri` (a local path or an S3 object)."""
    if is_s3(uri):
        bucket, key = _split(uri)
        _bucket(bucket).put_file(key, Path(local))
        return
    path = Path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    shutil.copyfile(local, partial)
    os.replace(partial, path)


def download(uri: str, folder: Path) -> Path:
    """A local path holding `uri`'s content: the file itself when local, else a copy in `folder`."""
    if not is_s3(uri):
        return Path(uri)
    bucket, key = _split(uri)
    local = Path(folder) / posixpath.basename(key)
    if not local.exists():  # a retried film keeps what it fetched
        partial = local.with_name(local.name + ".part")
        _bucket(bucket).get_file(key, partial)
        os.replace(partial, local)
    return local


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = str(uri)[len(S3) :].partition("/")
    return bucket, key


@cache
def _bucket(name: str):
    """The platform's S3 storage for bucket `name`, with the studio's S3 client settings."""
    from infra.settings import get_settings
    from infra.storage import S3Storage

    return S3Storage(name, S3Storage.from_settings(get_settings()).client)
