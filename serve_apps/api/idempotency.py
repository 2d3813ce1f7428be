"""`Idempotency-Key` on creating POSTs: a repeat gets the first answer, nothing is made twice.

The lock is the key, not what the request touches:

1. The first request with a key claims it: it inserts the key's row, with its own claim token
   and no answer, and commits that before any work. A concurrent insert of the same key waits
   for that commit (PostgreSQL) or the write lock (SQLite) and then fails on the unique key.
2. It does its work and stores its answer in the same transaction as what it created, only if
   it still holds the claim. An error answer is not stored: nothing was made, so the claim is
   deleted and a repeat runs afresh (after a top-up, a refused film may be accepted).
3. A repeat while the first is in flight waits for the stored answer (polling, up to
   `WAIT_S`) and returns it; if the first is still working by then, it gets 409 Conflict with
   Retry-After. After the first answered, a repeat replays it (`Idempotent-Replayed: true`).
4. A key reused for a different request (another path or body) is refused with 422.
5. A claim left unanswered for `CLAIM_EXPIRES` (its process died) may be taken over by a
   repeat; the old holder can then no longer store an answer and rolls its work back.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

from fastapi import HTTPException, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from db import crud
from db.base import utcnow
from db.models import IdempotencyKey
from serve_apps.api.errors import field_error

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
WAIT_S = 10.0  # how long a concurrent repeat waits for the first answer before 409
RETRY_AFTER_S = 2  # what that 409 tells the client to wait
CLAIM_EXPIRES = timedelta(minutes=5)  # an unanswered claim this old was left by a dead request
POLL_S = (0.01, 0.2)  # first and longest pause between looks at an unanswered claim

# The answers the key itself may cause, for the OpenAPI description of every route taking it.
RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_409_CONFLICT: {
        "description": (
            "a request with this Idempotency-Key is still being processed after "
            f"{WAIT_S:g} s: retry after Retry-After seconds"
        )
    },
    status.HTTP_422_UNPROCESSABLE_CONTENT: {
        "description": "invalid body or parameters, or an Idempotency-Key used for another request"
    },
}


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()


def _replay(record: IdempotencyKey) -> JSONResponse:
    return JSONResponse(record.body, record.status_code, headers={"Idempotent-Replayed": "true"})


def _in_flight() -> HTTPException:
    return HTTPException(
        status.HTTP_409_CONFLICT,
        f"{HEADER}: a request with this key is still being processed; retry",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


class Idempotency:
    """One request's key: `claim` before the work, `commit` with it; `release` on failure."""

    def __init__(self, key: str | None, scope: str, fingerprint: str):
        self.key = key
        self.scope = scope
        self.fingerprint = fingerprint
        self.replayed = False  # set when the claim was lost and another answer was replayed
        self._record_id: int | None = None
        self._token: str | None = None  # set while this request holds the claim

    @property
    def holds_claim(self) -> bool:
        return self._token is not None

    def claim(self, session: Session) -> JSONResponse | None:
        """None when this request may do the work; else the first answer to replay.

        Waits while another request with this key works (see the module's contract).
        """
        if self.key is None:
            return None
        deadline = time.monotonic() + WAIT_S
        pause = POLL_S[0]
        while True:
            record = crud.idempotency.find(session, self.scope, self.key)
            if record is None:
                if self._insert_claim(session):
                    return None
                continue  # a concurrent request claimed it first: look at its row
            if record.fingerprint != self.fingerprint:
                session.rollback()
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    field_error(HEADER, "this key was used for a different request", "header"),
                )
            if record.status_code is not None:
                session.rollback()
                return _replay(record)
            if self._take_over(session, record):
                return None
            session.rollback()  # hold no lock nor snapshot while waiting
            if time.monotonic() >= deadline:
                raise _in_flight()
            time.sleep(pause)
            pause = min(pause * 2, POLL_S[1])

    def _insert_claim(self, session: Session) -> bool:
        token = uuid.uuid4().hex
        try:
            record = crud.idempotency.claim(
                session,
                scope=self.scope,
                key=self.key,
                fingerprint=self.fingerprint,
                token=token,
            )
            record_id = record.id
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
        self._record_id, self._token = record_id, token
        return True

    def _take_over(self, session: Session, record: IdempotencyKey) -> bool:
        token = uuid.uuid4().hex
        if not crud.idempotency.take_over(session, record.id, token, utcnow() - CLAIM_EXPIRES):
            return False
        session.commit()
        log.warning("%s %r: took over a claim left unanswered by a dead request", HEADER, self.key)
        self._record_id, self._token = record.id, token
        return True

    def commit(
        self, session: Session, body: Any, status_code: int = status.HTTP_201_CREATED
    ) -> JSONResponse:
        """Store the answer with what the request created, commit both, and answer.

        If the claim was taken over meanwhile, roll the work back and answer as the key does.
        """
        content = jsonable_encoder(body)
        if self._token is None:
            session.commit()
            return JSONResponse(content, status_code)
        stored = crud.idempotency.answer(
            session, self._record_id, self._token, status_code=status_code, body=content
        )
        if stored:
            session.commit()
            self._token = None
            return JSONResponse(content, status_code)
        session.rollback()
        self._token = None
        self.replayed = True
        record = crud.idempotency.find(session, self.scope, self.key)
        if record is not None and record.status_code is not None:
            return _replay(record)
        raise _in_flight()

    def release(self, session: Session) -> None:
        """The request ends without an answer (it failed): drop its claim so a repeat may run."""
        if self._token is None:
            return
        token, self._token = self._token, None
        try:
            session.rollback()  # whatever the failed work left; SQLite's write lock too
            crud.idempotency.release(session, self._record_id, token)
            session.commit()
        except SQLAlchemyError:  # the claim expires instead
            log.exception("%s %r: could not release the claim", HEADER, self.key)
