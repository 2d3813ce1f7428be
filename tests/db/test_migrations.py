"""Migrations: they build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from db.base import Base
from db.migrate import alembic_config, upgrade
from db.session import create_db_engine

TABLES = {
    "alembic_version",
    "users",
    "credit_accounts",
    "ledger_entries",
    "refresh_tokens",
    "projects",
    "assets",
    "storyboards",
    "jobs",
    "job_events",
    "idempotency_keys",
    "activity",
    "youtube_channels",
    "publications",
    "youtube_quota",
}


def test_migrations_match_the_models(database_url):
    upgrade(database_url)
    upgrade(database_url)  # a second run is a no-op
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == TABLES
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
            )
            assert diff == []
    finally:
        engine.dispose()


def test_downgrade_to_nothing_and_back(database_url):
    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "base")
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade(database_url)
