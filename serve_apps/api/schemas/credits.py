"""Balances and the ledger."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from serve_apps.api.schemas.common import Out


class Balance(BaseModel):
    balance: int
    monthly_allowance: int


class LedgerEntryOut(Out):
    id: int
    kind: str
    amount: int
    balance_after: int
    job_id: uuid.UUID | None
    note: str | None
    created_at: datetime


class Grant(BaseModel):
    amount: int = Field(ge=-1_000_000, le=1_000_000)
    note: str | None = Field(None, max_length=500)
