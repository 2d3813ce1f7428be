"""The Salesforce sync as an admin sees it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class DeadLetter(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    record_id: str
    attempts: int
    error: str | None
    created_at: datetime


class CrmStatus(BaseModel):
    configured: bool  # Salesforce settings present (else the sync is off, the outbox unused)
    pending: int  # outbox rows not yet confirmed by Salesforce
    oldest_pending_age_s: float | None
    last_success_at: datetime | None
    dead_letters: list[DeadLetter]
