"""Reads and writes of the platform's tables, one module per area. Callers own the transaction."""

from db.crud import (
    account_tokens,
    activity,
    assets,
    credits,
    idempotency,
    jobs,
    login_failures,
    oidc,
    outbox,
    projects,
    storyboards,
    subscriptions,
    tokens,
    users,
    youtube,
)

__all__ = [
    "account_tokens",
    "activity",
    "assets",
    "credits",
    "idempotency",
    "jobs",
    "login_failures",
    "oidc",
    "outbox",
    "projects",
    "storyboards",
    "subscriptions",
    "tokens",
    "users",
    "youtube",
]
