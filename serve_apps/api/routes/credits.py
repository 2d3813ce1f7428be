"""The caller's balance and ledger."""

from __future__ import annotations

from fastapi import APIRouter

from db import crud
from serve_apps.api.deps import CurrentUser, PageDep, PlatformDep, SessionDep
from serve_apps.api.schemas.common import Page
from serve_apps.api.schemas.credits import Balance, LedgerEntryOut

router = APIRouter(prefix="/credits", tags=["credits"])


@router.get("/balance", response_model=Balance)
def balance(session: SessionDep, user: CurrentUser, platform: PlatformDep) -> Balance:
    return Balance(
        balance=crud.credits.balance(session, user.id),
        monthly_allowance=platform.monthly_allowance(user),
    )


@router.get("/ledger", response_model=Page[LedgerEntryOut])
def ledger(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[LedgerEntryOut]:
    """Every change to the balance, newest first; each carries the balance after it."""
    items, total = crud.credits.history(session, user.id, offset=page.offset, limit=page.limit)
    return Page(
        items=[LedgerEntryOut.model_validate(e) for e in items],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )
