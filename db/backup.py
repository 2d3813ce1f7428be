"""Backups you can restore: the database and the media at one point in time, with checksums.

    backup(settings, "DIR" | "s3://bucket/prefix")    `filmstudio admin backup …`
    restore(settings, "DIR" | "s3://bucket/prefix")   `filmstudio admin restore …`

A backup holds:

    manifest.json       format, when, the database's kind and schema revision, and the SHA-256
                        and size of every other file (written last: its presence means complete)
    database.sqlite3    SQLite's online backup API: one consistent copy, writers keep going
    database.sql        or pg_dump's plain SQL, one transaction's snapshot (restored by psql)
    media/<key>         every object of the media storage (local folder or S3 bucket)

Why the pair is consistent: media objects are never changed once written, and each is stored
before the database row that names it is committed. So the database is copied first, then the
media: every object the copied database names is already there (objects written after the
copy are extra and harmless). A project deleted while the media is being copied is the one
exception: its rows are in the copy while its files may be gone.

Restore checks every checksum before it writes anything, refuses a database that already has
tables or is of the other kind, puts the media back first and the database last (each object
before the rows naming it, as when they were made), then migrates to the newest schema.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

from sqlalchemy import inspect, make_url, text

from infra.settings import Settings
from infra.storage import S3Storage, Storage, make_storage

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media/"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused: the message names what and why; nothing was left half-done."""


@dataclass(frozen=True)
class Location:
    """Where a backup lives: a local directory, or a prefix of an S3 bucket."""

    path: Path | None = None
    bucket: str | None = None
    prefix: str = ""

    @classmethod
    def parse(cls, where: str) -> Location:
        if where.startswith("s3://"):
            bucket, _, prefix = where.removeprefix("s3://").partition("/")
            if not bucket:
                raise BackupError(f"{where}: no bucket (s3://bucket/prefix)")
            prefix = prefix.strip("/")
            return cls(bucket=bucket, prefix=f"{prefix}/" if prefix else "")
        return cls(path=Path(where))

    def storage(self, settings: Settings) -> S3Storage:
        return S3Storage.from_settings(settings.model_copy(update={"s3_bucket": self.bucket}))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- the database -----------------------------------------------------------------------------


def _kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database)


def _libpq(url: str) -> tuple[str, dict[str, str], str | None]:
    """A libpq URI for pg_dump/psql (password in the environment) and the schema, if one.

    The schema comes from `options=-csearch_path=…` in the URL: a database shared by schemas
    (as the tests do) backs up and restores that schema alone.
    """
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = parsed.password
    schema = None
    for option in parse_qs(f"options={parsed.query.get('options', '')}")["options"][0].split():
        if option.startswith("-csearch_path="):
            schema = option.removeprefix("-csearch_path=").split(",")[0].strip()
    dsn = parsed.set(drivername="postgresql", password=None, query={})
    return dsn.render_as_string(hide_password=False), env, schema


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools)") from None
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()}") from None


def _snapshot_database(url: str, directory: Path) -> str:
    """Copy the database into `directory` as one consistent snapshot; returns the file's name."""
    if _kind(url) == "sqlite":
        source = _sqlite_path(url)
        if not source.is_file():
            raise BackupError(f"database: {source} does not exist")
        name = "database.sqlite3"
        with sqlite3.connect(source) as live, sqlite3.connect(directory / name) as copy:
            live.backup(copy)  # all pages in one step: one point in time
        copy.close()
        live.close()
        return name
    dsn, env, schema = _libpq(url)
    name = "database.sql"
    command = ["pg_dump", "--no-owner", "--no-privileges", "--file", str(directory / name)]
    _run([*command, *(["--schema", schema] if schema else []), dsn], env)
    if schema:  # restore may find the schema made already (empty): tolerate it
        dump = directory / name
        created = f"CREATE SCHEMA {schema};"
        dump.write_text(
            dump.read_text().replace(created, f"CREATE SCHEMA IF NOT EXISTS {schema};", 1)
        )
    return name


def _revision(url: str) -> str | None:
    from db.session import create_db_engine

    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            if "alembic_version" not in inspect(connection).get_table_names():
                return None
            return connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def _tables(url: str) -> list[str]:
    from db.session import create_db_engine

    if _kind(url) == "sqlite" and not _sqlite_path(url).exists():
        return []
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return inspect(connection).get_table_names()
    finally:
        engine.dispose()


def _load_database(url: str, file: Path) -> None:
    if _kind(url) == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
            leftover.unlink(missing_ok=True)  # an empty database (checked by the caller)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        with sqlite3.connect(file) as saved, sqlite3.connect(partial) as copy:
            saved.backup(copy)
        copy.close()
        saved.close()
        partial.replace(target)
        return
    dsn, env, _ = _libpq(url)
    _run(["psql", "--quiet", "--no-psqlrc", "--single-transaction", "-v", "ON_ERROR_STOP=1",
          "--file", str(file), dsn], env)  # fmt: skip


# --- backup -----------------------------------------------------------------------------------


def _copy_media(storage: Storage, directory: Path) -> None:
    for key in list(storage.list("")):
        storage.get_file(key, directory / MEDIA / key)


def _write_manifest(settings: Settings, directory: Path, database_file: str) -> dict:
    files = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = path.relative_to(directory).as_posix()
        files[name] = {"sha256": sha256(path), "size": path.stat().st_size}
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "database": {
            "kind": _kind(settings.database_url),
            "file": database_file,
            "revision": _revision(settings.database_url),
        },
        "media": "s3" if settings.s3_bucket else "local",
        "files": files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def backup(settings: Settings, where: str) -> dict:
    """Snapshot the database, then copy the media, into `where`; returns the manifest.

    A local directory must be new or empty; it appears whole or not at all. On S3 the manifest
    is uploaded last.
    """
    location = Location.parse(where)
    if location.path is not None:
        target = location.path
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise BackupError(f"{target}: exists and is not an empty directory")
    else:
        s3 = location.storage(settings)
        if s3.exists(location.prefix + MANIFEST):
            raise BackupError(f"{where}: a backup is there already")
    parent = location.path.resolve().parent if location.path is not None else None
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".backup-", dir=parent))
    try:
        database_file = _snapshot_database(settings.database_url, staging)
        _copy_media(make_storage(settings), staging)
        manifest = _write_manifest(settings, staging, database_file)
        if location.path is not None:
            if location.path.exists():
                location.path.rmdir()
            staging.rename(location.path)
        else:
            for name in manifest["files"]:
                s3.put_file(location.prefix + name, staging / name)
            s3.put_file(location.prefix + MANIFEST, staging / MANIFEST, "application/json")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


# --- restore ----------------------------------------------------------------------------------


def verify(directory: Path) -> dict:
    """The manifest, once every file it lists is present with its size and SHA-256."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(
            f"{directory}: no {MANIFEST}: not a backup, or an incomplete one"
        ) from None
    except json.JSONDecodeError as exc:
        raise BackupError(f"{MANIFEST}: not JSON ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{MANIFEST}: format {manifest.get('format')!r}, this studio reads {FORMAT}"
        )
    for name, expected in manifest["files"].items():
        path = directory / name
        if not path.is_file():
            raise BackupError(f"{name}: missing from the backup")
        if path.stat().st_size != expected["size"] or sha256(path) != expected["sha256"]:
            raise BackupError(f"{name}: its SHA-256 does not match the manifest (damaged)")
    return manifest


def restore(settings: Settings, where: str) -> dict:
    """Bring a backup up on this studio's (empty) database and its storage; returns the manifest."""
    from db.migrate import upgrade

    location = Location.parse(where)
    scratch = None
    try:
        if location.path is not None:
            directory = location.path
        else:
            scratch = Path(tempfile.mkdtemp(prefix=".restore-"))
            if location.storage(settings).get_dir(location.prefix, scratch) == 0:
                raise BackupError(f"{where}: nothing there")
            directory = scratch
        manifest = verify(directory)
        kind = _kind(settings.database_url)
        if manifest["database"]["kind"] != kind:
            raise BackupError(
                f"database: the backup is of {manifest['database']['kind']}, DATABASE_URL is {kind}"
            )
        if tables := _tables(settings.database_url):
            raise BackupError(
                f"database: it already has tables ({', '.join(sorted(tables)[:3])}, …): "
                "restore onto an empty database, before the server first starts on it"
            )
        storage = make_storage(settings)
        for name in manifest["files"]:
            if name.startswith(MEDIA):
                key = name.removeprefix(MEDIA)
                storage.put_file(key, directory / name, mimetypes.guess_type(key)[0])
        _load_database(settings.database_url, directory / manifest["database"]["file"])
        upgrade(settings.database_url)
        return manifest
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
