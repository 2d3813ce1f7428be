"""Subscriptions: a user's plan, as admins set it and users read it."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel

from db.models import Plan, SubscriptionStatus
from serve_apps.api.schemas.common import Out


class SubscriptionIn(BaseModel):
    plan: Plan
    expires_at: AwareDatetime | None = None  # None: until an admin ends it


class SubscriptionOut(Out):
    plan: Plan  # as set
    status: SubscriptionStatus
    expires_at: datetime | None
    current_plan: Plan  # what applies now: `plan` while active and unexpired, else free
    tier: str
    monthly_grant: int
