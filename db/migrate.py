"""Bring a database to the newest schema: `python -m db.migrate` (what `make migrate` runs).

The server calls `upgrade()` on start, so a fresh install and an upgraded one both just work.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from infra.settings import Settings

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Apply every migration up to `revision`; a no-op when the schema is current."""
    url = url or Settings().database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


if __name__ == "__main__":
    upgrade()
    print(f"database is at the newest schema: {Settings().database_url}")
