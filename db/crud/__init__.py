"""Reads and writes of the platform's tables, one module per area. Callers own the transaction."""

from db.crud import (
    activity,
    assets,
    credits,
    idempotency,
    jobs,
    outbox,
    projects,
    tokens,
    users,
    youtube,
)

__all__ = [
    "activity",
    "assets",
    "credits",
    "idempotency",
    "jobs",
    "outbox",
    "projects",
    "tokens",
    "users",
    "youtube",
]
