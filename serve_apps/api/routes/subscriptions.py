"""Subscriptions: admins set or end a user's plan; users read theirs.

The plan in force sets the tier (pro: the studio tier) and the monthly grant. Setting a plan
applies its grant for the month at once (each plan's once a month, recorded in the ledger
with the plan); an expired or ended plan falls back to free, whose grant comes with the next
month.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, HTTPException, status

from db import crud
from db.models import ActivityKind, Plan, User
from serve_apps.api.audit import AuditDep
from serve_apps.api.deps import CurrentUser, PlatformDep, SessionDep, get_admin
from serve_apps.api.platform import Platform
from serve_apps.api.schemas.subscriptions import SubscriptionIn, SubscriptionOut

admin = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(get_admin)])
mine = APIRouter(prefix="/users", tags=["users"])


def _out(platform: Platform, user: User) -> SubscriptionOut:
    row = user.subscription
    return SubscriptionOut(
        plan=row.plan if row else Plan.free,
        status=row.status if row else "active",
        expires_at=row.expires_at if row else None,
        current_plan=user.plan,
        tier=user.tier,
        monthly_grant=platform.monthly_allowance(user),
    )


def _user(session, user_id: uuid.UUID) -> User:
    user = crud.users.get(session, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
    return user


@mine.get("/me/subscription", response_model=SubscriptionOut)
def my_subscription(user: CurrentUser, platform: PlatformDep) -> SubscriptionOut:
    return _out(platform, user)


@admin.get("/users/{user_id}/subscription", response_model=SubscriptionOut)
def get_subscription(
    user_id: uuid.UUID, session: SessionDep, platform: PlatformDep
) -> SubscriptionOut:
    return _out(platform, _user(session, user_id))


@admin.put("/users/{user_id}/subscription", response_model=SubscriptionOut)
def set_subscription(
    user_id: uuid.UUID,
    body: SubscriptionIn,
    session: SessionDep,
    platform: PlatformDep,
    actor: CurrentUser,
    audit: AuditDep,
) -> SubscriptionOut:
    """Put the user on `plan` until `expires_at`; its grant for this month applies now."""
    user = _user(session, user_id)
    old = user.plan
    crud.subscriptions.set_plan(session, user, body.plan, body.expires_at)
    audit.record(
        session,
        ActivityKind.plan_change,
        user,
        actor=actor,
        old=old,
        new=body.plan,
        expires_at=body.expires_at.isoformat() if body.expires_at else None,
    )
    platform.top_up(session, user)
    session.commit()
    return _out(platform, user)


@admin.delete("/users/{user_id}/subscription", response_model=SubscriptionOut)
def cancel_subscription(
    user_id: uuid.UUID,
    session: SessionDep,
    platform: PlatformDep,
    actor: CurrentUser,
    audit: AuditDep,
) -> SubscriptionOut:
    """End the user's plan now: the free tier, and the free grant from next month."""
    user = _user(session, user_id)
    old = user.plan
    if crud.subscriptions.cancel(session, user) is not None and old != Plan.free:
        audit.record(session, ActivityKind.plan_change, user, actor=actor, old=old, new="free")
    session.commit()
    return _out(platform, user)
