"""Reads and writes of the platform's tables, one module per area. Callers own the transaction."""

from db.crud import assets, credits, idempotency, jobs, projects, tokens, users, youtube

__all__ = ["assets", "credits", "idempotency", "jobs", "projects", "tokens", "users", "youtube"]
