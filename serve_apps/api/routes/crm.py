"""The Salesforce sync, for admins: how far behind it is, what it could not send, retry."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, status

from db import crud
from db.base import utcnow
from serve_apps.api.deps import PlatformDep, SessionDep, get_admin
from serve_apps.api.schemas.crm import CrmStatus, DeadLetter

router = APIRouter(prefix="/admin/crm", tags=["crm"], dependencies=[Depends(get_admin)])


@router.get("", response_model=CrmStatus)
def crm_status(session: SessionDep, platform: PlatformDep) -> CrmStatus:
    """Outbox depth, oldest pending change's age, last success, and dead letters with reasons."""
    state = crud.outbox.status(session)
    oldest = state.oldest_pending_at
    return CrmStatus(
        configured=platform.settings.salesforce_configured,
        pending=state.pending,
        oldest_pending_age_s=(utcnow() - oldest).total_seconds() if oldest else None,
        last_success_at=state.last_success_at,
        dead_letters=[DeadLetter.model_validate(row) for row in state.dead],
    )


@router.post("/dead-letters/{entry_id}/retry", response_model=DeadLetter)
def crm_retry_dead_letter(
    session: SessionDep, entry_id: int = Path(ge=1, le=2**63 - 1)
) -> DeadLetter:
    """Send a dead-lettered record again (after fixing what Salesforce refused)."""
    row = crud.outbox.retry_dead(session, entry_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "dead letter not found")
    session.commit()
    return DeadLetter.model_validate(row)
