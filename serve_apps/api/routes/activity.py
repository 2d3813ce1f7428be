"""The activity log: admins read everyone's (filtered), each user reads their own account's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from db import crud
from db.models import ActivityKind
from serve_apps.api.deps import CurrentUser, PageDep, SessionDep, get_admin
from serve_apps.api.schemas.activity import ActivityOut
from serve_apps.api.schemas.common import Page

router = APIRouter(tags=["activity"])

Since = Annotated[
    datetime | None,
    Query(description="entries at or after this time (ISO 8601; UTC when no zone is given)"),
]
Until = Annotated[datetime | None, Query(description="entries before this time (ISO 8601)")]
Kind = Annotated[ActivityKind | None, Query(description="only entries of this kind")]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _page(session, page, **filters) -> tuple[list, int]:
    filters["since"], filters["until"] = _utc(filters["since"]), _utc(filters["until"])
    return crud.activity.list_page(session, offset=page.offset, limit=page.limit, **filters)


@router.get("/admin/activity", response_model=Page[ActivityOut], dependencies=[Depends(get_admin)])
def all_activity(
    session: SessionDep,
    page: PageDep,
    user_id: Annotated[uuid.UUID | None, Query(description="only this account's entries")] = None,
    kind: Kind = None,
    since: Since = None,
    until: Until = None,
) -> Page[ActivityOut]:
    """Every account's activity, newest first (admins)."""
    entries, total = _page(session, page, user_id=user_id, kind=kind, since=since, until=until)
    items = [ActivityOut.model_validate(e) for e in entries]
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


@router.get("/users/me/activity", response_model=Page[ActivityOut])
def my_activity(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    kind: Kind = None,
    since: Since = None,
    until: Until = None,
) -> Page[ActivityOut]:
    """Your account's activity, newest first: sign-ins (and failed ones), logouts, changes made
    to it. Where an admin acted, their address is not shown."""
    entries, total = _page(session, page, user_id=user.id, kind=kind, since=since, until=until)
    items = [
        ActivityOut.model_validate(e).model_copy(
            update={} if e.actor_id == user.id else {"ip": None}
        )
        for e in entries
    ]
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)
