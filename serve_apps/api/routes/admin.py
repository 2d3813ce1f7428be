"""Administration: users (role, activation, credits) and every job."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from db import crud
from db.models import ActivityKind, JobStatus, User
from serve_apps.api.audit import AuditDep
from serve_apps.api.deps import IdempotencyDep, PageDep, SessionDep, get_admin
from serve_apps.api.idempotency import RESPONSES as IDEMPOTENT
from serve_apps.api.routes.jobs import job_out
from serve_apps.api.schemas.admin import UserUpdate
from serve_apps.api.schemas.auth import UserOut
from serve_apps.api.schemas.common import Page
from serve_apps.api.schemas.credits import Grant, LedgerEntryOut
from serve_apps.api.schemas.jobs import JobOut

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(get_admin)])
Admin = Annotated[User, Depends(get_admin)]


class AdminUserOut(UserOut):
    balance: int = 0


def _user(session, user_id: uuid.UUID):
    user = crud.users.get(session, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
    return user


@router.get("/users", response_model=Page[AdminUserOut])
def list_users(session: SessionDep, page: PageDep) -> Page[AdminUserOut]:
    users, total = crud.users.list_page(session, offset=page.offset, limit=page.limit)
    items = [
        AdminUserOut.model_validate(u).model_copy(
            update={"balance": crud.credits.balance(session, u.id)}
        )
        for u in users
    ]
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(
    user_id: uuid.UUID, body: UserUpdate, session: SessionDep, admin: Admin, audit: AuditDep
) -> UserOut:
    """Change a user's role (free_user, pro_user, admin) or disable the account."""
    user = _user(session, user_id)
    if body.role is not None and body.role != user.role:
        audit.record(
            session, ActivityKind.role_change, user, actor=admin, old=user.role, new=body.role
        )
        crud.users.set_role(session, user, body.role)
    if body.is_active is not None and body.is_active != user.is_active:
        audit.record(session, ActivityKind.account_status, user, actor=admin, active=body.is_active)
        user.is_active = body.is_active
    session.commit()
    return UserOut.model_validate(user)


@router.post(
    "/users/{user_id}/credits",
    status_code=status.HTTP_201_CREATED,
    response_model=LedgerEntryOut,
    responses=IDEMPOTENT,
)
def grant_credits(
    user_id: uuid.UUID,
    body: Grant,
    session: SessionDep,
    idempotency: IdempotencyDep,
    admin: Admin,
    audit: AuditDep,
):
    """Grant credits (a negative amount corrects a grant; the balance never goes below zero)."""
    if (first := idempotency.claim(session)) is not None:
        return first
    user = _user(session, user_id)
    reference = f"grant:{uuid.uuid4()}"
    try:
        entry = crud.credits.grant(
            session, user_id, body.amount, reference=reference, note=body.note
        )
    except crud.credits.InsufficientCredits as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"amount: {exc}") from None
    audit.record(
        session, ActivityKind.credit_grant, user, actor=admin, amount=body.amount, note=body.note
    )
    return idempotency.commit(session, LedgerEntryOut.model_validate(entry))


@router.get("/jobs", response_model=Page[JobOut])
def list_all_jobs(
    session: SessionDep,
    page: PageDep,
    status_filter: JobStatus | None = Query(None, alias="status"),
) -> Page[JobOut]:
    items, total = crud.jobs.list_page(
        session, owner_id=None, offset=page.offset, limit=page.limit, status=status_filter
    )
    return Page(
        items=[job_out(j) for j in items], total=total, offset=page.offset, limit=page.limit
    )
