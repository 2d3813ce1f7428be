"""The activity log as a request sees it: `audit.record(session, kind, …)` with the caller's IP.

An entry joins the transaction of the action it records (committed with it, or not at all);
`record_now` commits at once, for refusals that write nothing else (a failed sign-in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from db import crud
from db.models import ActivityEntry, ActivityKind, User
from serve_apps.api.deps import client_ip


@dataclass(frozen=True)
class Audit:
    ip: str

    def record(
        self,
        session: Session,
        kind: ActivityKind,
        user: User | None,
        *,
        actor: User | None = None,
        email: str | None = None,
        **detail: Any,
    ) -> ActivityEntry:
        """`user`: the account concerned; `actor`: who acted, when not that user; `email`: the
        address tried, where no account has it."""
        return crud.activity.record(
            session, kind, user=user, actor=actor, email=email, ip=self.ip, **detail
        )

    def record_now(
        self, session: Session, kind: ActivityKind, user: User | None, **detail: Any
    ) -> None:
        self.record(session, kind, user, **detail)
        session.commit()


def get_audit(connection: HTTPConnection) -> Audit:
    return Audit(client_ip(connection))


AuditDep = Annotated[Audit, Depends(get_audit)]
