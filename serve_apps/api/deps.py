"""FastAPI dependencies: the platform, a database session, who is calling, what they may touch."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from db import crud
from db.models import Project, Role, User
from serve_apps.api.idempotency import HEADER, WAIT_S, Idempotency, fingerprint
from serve_apps.api.platform import Platform
from serve_apps.api.security import InvalidToken

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Requests holding a database session at once; the rest wait without taking a worker thread.
# A request's session spans several worker-thread hops (dependencies, route, close). Unbounded,
# requests blocked in the pool on every thread would starve those holding connections of the
# thread they need to finish. Keep it below FastAPI's 40 threads and the pools' sizes.
DATABASE_CONCURRENCY = 32


async def get_platform(connection: HTTPConnection) -> Platform:
    return connection.app.state.platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


async def get_session(request: Request, platform: PlatformDep) -> AsyncIterator[Session]:
    """A session per request: GETs read without locking; other methods may write (db/session.py).

    Opening one is free (it connects on first use); closing it may talk to the database, so
    that runs on a worker thread. It closes when the route function returns, before the
    response is sent, so a slow client (a film download) never holds a connection.
    """
    session = platform.db.session(write=request.method not in READ_METHODS)
    try:
        yield session
    finally:
        await run_in_threadpool(session.close)


SessionDep = Annotated[
    Session, Depends(get_session, scope="function", max_concurrency=DATABASE_CONCURRENCY)
]

_bearer = HTTPBearer(auto_error=False, description="An access token from /api/v1/auth/login")


def unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        reason,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def authenticate(platform: Platform, session: Session, token: str | None) -> User:
    """The active user an access token belongs to, or 401."""
    if not token:
        raise unauthorized("not authenticated")
    try:
        claims = platform.tokens.decode(token)
    except InvalidToken as exc:
        raise unauthorized(f"invalid token: {exc}") from None
    if claims.family is not None and platform.revoked.is_revoked(claims.family):
        raise unauthorized("this session was logged out or its refresh token was reused")
    user = crud.users.get(session, claims.user_id)
    if user is None or not user.is_active:
        raise unauthorized("account not found or disabled")
    return user


async def get_bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    return credentials.credentials if credentials else None


BearerToken = Annotated[str | None, Depends(get_bearer_token)]


def get_current_user(platform: PlatformDep, session: SessionDep, token: BearerToken) -> User:
    return authenticate(platform, session, token)


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_verified_user(user: CurrentUser, platform: PlatformDep) -> User:
    """The caller, if their email is verified or the server does not ask for it; 403 if not."""
    if platform.settings.require_verified_email and not user.email_verified:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "email: verify your email address before your first render (the link was mailed; "
            "POST /api/v1/auth/email/verification sends another)",
        )
    return user


VerifiedUser = Annotated[User, Depends(get_verified_user)]


def get_admin(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only")
    return user


def get_project(project_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Project:
    """The project in the path, if the caller may see it; 404 otherwise (never 403: no leaks)."""
    project = crud.projects.get_for(session, user, project_id)
    if project is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "project not found")
    return project


OwnedProject = Annotated[Project, Depends(get_project)]


# Integers the databases take: both store 64-bit signed integers, and no listing is longer.
MAX_OFFSET = 2**31 - 1
MAX_PAGE = 100


@dataclass(frozen=True)
class PageParams:
    offset: int
    limit: int


def get_page(
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="how many items to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="how many items to return")] = 20,
) -> PageParams:
    return PageParams(offset, limit)


PageDep = Annotated[PageParams, Depends(get_page)]

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=255,
        description=(
            "Repeat a POST with the same key to get the first answer instead of a second "
            "creation. While the first request with a key is in flight, a repeat waits for its "
            f"answer (up to {WAIT_S:g} s, then 409 with Retry-After); after it, a repeat gets "
            "the stored answer with `Idempotent-Replayed: true`. Error answers are not kept "
            "(nothing was made), so a repeat of a refused request runs again. A key reused "
            "with another path or body is refused with 422."
        ),
    ),
]


async def _fingerprint(request: Request) -> str:
    multipart = request.headers.get("content-type", "").startswith("multipart/")
    body = b"" if multipart else await request.body()  # uploads: the key alone identifies them
    return fingerprint(request.method, request.url.path, body)


async def _drop_unanswered(idempotency: Idempotency, session: Session) -> None:
    """A claim the route left unanswered (it failed) is dropped, so a repeat may run."""
    if idempotency.holds_claim:
        await run_in_threadpool(idempotency.release, session)


async def get_idempotency(
    request: Request, session: SessionDep, user: CurrentUser, key: IdempotencyKeyHeader = None
) -> AsyncIterator[Idempotency]:
    idempotency = Idempotency(key, f"user:{user.id}", await _fingerprint(request))
    try:
        yield idempotency
    finally:
        await _drop_unanswered(idempotency, session)


async def get_anonymous_idempotency(
    request: Request, session: SessionDep, key: IdempotencyKeyHeader = None
) -> AsyncIterator[Idempotency]:
    idempotency = Idempotency(key, "anonymous", await _fingerprint(request))
    try:
        yield idempotency
    finally:
        await _drop_unanswered(idempotency, session)


# Function scope: a failed request's claim is dropped before its error answer is sent.
IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency, scope="function")]
AnonymousIdempotencyDep = Annotated[
    Idempotency, Depends(get_anonymous_idempotency, scope="function")
]


def client_ip(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


async def rate_limit(connection: HTTPConnection, platform: PlatformDep) -> None:
    """100 requests per 5 minutes per client IP (settings); 429 with Retry-After past it.

    HTTP requests count; a WebSocket (one long-lived, authenticated stream) does not.
    """
    if platform.limiter is None or connection.scope["type"] != "http":
        return
    verdict = await platform.limiter.hit(client_ip(connection))
    if not verdict.allowed:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"rate limit: {platform.limiter.limit} requests per {platform.limiter.window_s} s",
            headers={"Retry-After": str(verdict.retry_after)},
        )
