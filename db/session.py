"""Engine and sessions for SQLite (the embedded default) and PostgreSQL (psycopg 3).

SQLite allows one writer at a time. A transaction that reads and then writes must take the
write lock when it begins (`BEGIN IMMEDIATE`); otherwise, when another writer commits in
between, its upgrade fails at once with "database is locked" instead of waiting. So a
`Database` hands out two kinds of session: `write` ones begin IMMEDIATE (and wait their turn,
up to the busy timeout), `read` ones begin DEFERRED and never block anyone (WAL journal).
On PostgreSQL both are the same; writers lock the rows they change (SELECT … FOR UPDATE).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from db import outbox as crm_outbox
from infra.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_db_engine(url: str) -> Engine:
    """An engine tuned for its backend: WAL and foreign keys on SQLite, a real pool on Postgres."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            max_overflow=30,
        )
        _configure_sqlite(engine)
        return engine
    # One connection per request thread (FastAPI runs sync routes on 40 threads) and a margin.
    return create_engine(url, pool_size=10, max_overflow=40, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One engine and its session factories; `write` sessions serialize writers on SQLite."""

    def __init__(self, url: str, *, outbox: bool = False):
        """`outbox`: note every change Salesforce should see (db/outbox.py)."""
        self.url = url
        self.engine = create_db_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)
        if outbox:
            crm_outbox.install(self._write)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The platform's database; changes go to the CRM outbox when Salesforce is set up."""
        return cls(settings.database_url, outbox=settings.salesforce_configured)

    def session(self, *, write: bool = True) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session that commits on success and rolls back on error."""
        with self.session() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
