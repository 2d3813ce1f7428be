"""`Idempotency-Key` on creating POSTs: a repeat gets the first answer, nothing is made twice.

The first answer is stored in the same transaction as what the request created (the job and
its credit hold, the project, …). Two requests racing with one key both do the work, but only
one commits: the other's insert of the key fails on its unique constraint, its transaction
(and so its creation) rolls back, and it answers with the stored first answer. A key reused for
a different request (another path or body) is refused with 422.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import HTTPException, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import crud
from serve_apps.api.errors import field_error

HEADER = "Idempotency-Key"


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()


class Idempotency:
    def __init__(self, key: str | None, scope: str, fingerprint: str):
        self.key = key
        self.scope = scope
        self.fingerprint = fingerprint
        self.replayed = False  # set when a concurrent twin won and its answer was replayed

    def replay(self, session: Session) -> JSONResponse | None:
        """The stored first answer for this key, if there is one."""
        if self.key is None:
            return None
        record = crud.idempotency.find(session, self.scope, self.key)
        if record is None:
            return None
        if record.fingerprint != self.fingerprint:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                field_error(HEADER, "this key was used for a different request", "header"),
            )
        return JSONResponse(
            record.body, record.status_code, headers={"Idempotent-Replayed": "true"}
        )

    def commit(
        self, session: Session, body: Any, status_code: int = status.HTTP_201_CREATED
    ) -> JSONResponse:
        """Store the answer with what the request created, commit both, and answer.

        When a concurrent twin committed first, roll back and answer as it did.
        """
        content = jsonable_encoder(body)
        if self.key is None:
            session.commit()
            return JSONResponse(content, status_code)
        try:
            crud.idempotency.remember(
                session,
                scope=self.scope,
                key=self.key,
                fingerprint=self.fingerprint,
                status_code=status_code,
                body=content,
            )
            session.commit()
        except IntegrityError:
            session.rollback()
            if (first := self.replay(session)) is not None:
                self.replayed = True
                return first
            raise
        return JSONResponse(content, status_code)
