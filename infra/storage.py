"""Where media lives: the local filesystem by default, S3 (boto3) when a bucket is configured.

Every object has one key, laid out per user and project:

    users/{user_id}/projects/{project_id}/raw/{asset_id}/{filename}     uploads
    users/{user_id}/projects/{project_id}/generated/{job_id}/…          stage outputs, stills
    users/{user_id}/projects/{project_id}/final/{job_id}/film.mp4       finished films

Both backends speak the same small interface, so the API and the job runner never ask which
one they have. Only S3 can hand out presigned URLs; local downloads are streamed by the API.
"""

from __future__ import annotations

import shutil
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from infra.settings import Settings

Area = Literal["raw", "generated", "final"]

MEDIA_TYPES = {
    ".mp4": "video/mp4",
    ".srt": "application/x-subrip",
    ".vtt": "text/vtt",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}


def project_prefix(user_id: uuid.UUID | str, project_id: uuid.UUID | str) -> str:
    return f"users/{user_id}/projects/{project_id}/"


def object_key(
    user_id: uuid.UUID | str, project_id: uuid.UUID | str, area: Area, *parts: str
) -> str:
    """The key of one object: `users/{user}/projects/{project}/{area}/{parts…}`."""
    for part in parts:
        if any(segment in ("", ".", "..") for segment in part.split("/")):
            raise ValueError(f"bad key part {part!r}")
    return project_prefix(user_id, project_id) + "/".join([area, *parts])


class Storage(ABC):
    """Objects by key: put, get, list, delete; presigned URLs where the backend has them."""

    @abstractmethod
    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None: ...

    @abstractmethod
    def get_file(self, key: str, path: Path) -> None:
        """Copy the object to a local file (the parent directory is created)."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        """Store a small object whole (a reader sees the old one or the new one)."""

    @abstractmethod
    def get_bytes(self, key: str) -> bytes | None:
        """A small object's bytes; None when there is no such object."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def list(self, prefix: str) -> Iterator[str]: ...

    @abstractmethod
    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None:
        for key in list(self.list(prefix)):
            self.delete(key)

    def local_path(self, key: str) -> Path | None:
        """The file behind a key when it is on this machine's disk (then the API streams it)."""
        return None

    def presigned_get(
        self, key: str, filename: str | None = None, seconds: int | None = None
    ) -> str | None:
        return None

    def presigned_put(self, key: str, content_type: str) -> dict | None:
        return None

    def put_dir(self, directory: Path, prefix: str) -> None:
        """Upload every file under `directory` to `prefix` + its relative path."""
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            self.put_file(prefix + path.relative_to(directory).as_posix(), path)

    def get_dir(self, prefix: str, directory: Path) -> int:
        """Download every object under `prefix` into `directory`; returns how many."""
        count = 0
        for key in self.list(prefix):
            self.get_file(key, directory / key.removeprefix(prefix))
            count += 1
        return count


class LocalStorage(Storage):
    """Objects as files under one root directory (the embedded default: var/media)."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"key {key!r} leaves the storage root")
        return path

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        shutil.copyfile(path, partial)
        partial.replace(target)  # readers never see half a file

    def get_file(self, key: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._path(key), path)

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        partial.write_bytes(data)
        partial.replace(target)

    def get_bytes(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def list(self, prefix: str) -> Iterator[str]:
        base = self._path(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if base.is_file():
            yield prefix
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.endswith(".part"):
                yield path.relative_to(self.root).as_posix()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        base = self._path(prefix.rstrip("/"))
        if base.is_dir():
            shutil.rmtree(base, ignore_errors=True)
        else:
            base.unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None


class S3Storage(Storage):
    """Objects in an S3 bucket (or anything that speaks S3: MinIO, moto) through boto3."""

    def __init__(self, bucket: str, client, presign_seconds: int = 3600):
        self.bucket = bucket
        self.client = client
        self.presign_seconds = presign_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=settings.s3_secret_access_key,
            config=Config(signature_version="s3v4", retries={"mode": "standard"}),
        )
        return cls(settings.s3_bucket, client, settings.presign_seconds)

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else None
        self.client.upload_file(str(path), self.bucket, key, ExtraArgs=extra)

    def get_file(self, key: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.client.download_file(self.bucket, key, str(path))

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **extra)

    def get_bytes(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def size(self, key: str) -> int:
        return self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]

    def list(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def presigned_get(
        self, key: str, filename: str | None = None, seconds: int | None = None
    ) -> str | None:
        params = {"Bucket": self.bucket, "Key": key}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        return self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=seconds or self.presign_seconds
        )

    def presigned_put(self, key: str, content_type: str) -> dict | None:
        url = self.client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": key, "ContentType": content_type},
            ExpiresIn=self.presign_seconds,
        )
        return {"url": url, "method": "PUT", "headers": {"Content-Type": content_type}}


def make_storage(settings: Settings) -> Storage:
    """S3 when S3_BUCKET is set, else files under the media directory."""
    if settings.s3_bucket:
        return S3Storage.from_settings(settings)
    return LocalStorage(settings.media_dir)
