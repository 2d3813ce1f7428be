"""Reads and writes of the platform's tables, one module per area. Callers own the transaction."""

from db.crud import (
    activity,
    assets,
    credits,
    idempotency,
    jobs,
    projects,
    storyboards,
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
    "projects",
    "storyboards",
    "tokens",
    "users",
    "youtube",
]
