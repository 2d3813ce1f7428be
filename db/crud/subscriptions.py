"""Subscriptions: set, end and expire a user's plan (one row per user)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Plan, Subscription, SubscriptionStatus, User


def set_plan(session: Session, user: User, plan: Plan, expires_at: datetime | None) -> Subscription:
    """Make `plan` the user's active subscription until `expires_at` (None: until ended)."""
    now = utcnow()
    row = user.subscription
    if row is None:
        row = Subscription(user_id=user.id, plan=plan, created_at=now)
        user.subscription = row
    row.plan, row.status, row.expires_at, row.updated_at = (
        plan,
        SubscriptionStatus.active,
        expires_at,
        now,
    )
    session.flush()
    return row


def cancel(session: Session, user: User) -> Subscription | None:
    row = user.subscription
    if row is not None and row.status == SubscriptionStatus.active:
        row.status, row.updated_at = SubscriptionStatus.cancelled, utcnow()
        session.flush()
    return row


def expire_lapsed(session: Session, user: User, now: datetime | None = None) -> Plan | None:
    """Mark an active subscription past its end as expired; returns the plan that lapsed."""
    now = now or utcnow()
    row = user.subscription
    if (
        row is None
        or row.status != SubscriptionStatus.active
        or row.expires_at is None
        or row.expires_at > now
    ):
        return None
    row.status, row.updated_at = SubscriptionStatus.expired, now
    session.flush()
    return row.plan
