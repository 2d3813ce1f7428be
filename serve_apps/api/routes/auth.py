"""Register, log in, refresh (rotating), log out."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy.exc import IntegrityError

from db import crud
from db.crud.tokens import RefreshRejected
from db.models import ActivityKind, Role, User
from serve_apps.api.audit import AuditDep
from serve_apps.api.deps import AnonymousIdempotencyDep, PlatformDep, SessionDep, unauthorized
from serve_apps.api.idempotency import RESPONSES as IDEMPOTENT
from serve_apps.api.platform import Platform
from serve_apps.api.schemas.auth import Login, Refresh, Register, TokenPair, UserOut

router = APIRouter(prefix="/auth", tags=["auth"])


def _pair(platform: Platform, user: User, issued: crud.tokens.Issued) -> TokenPair:
    return TokenPair(
        access_token=platform.tokens.issue(user, family=issued.row.family_id),
        refresh_token=issued.token,
        expires_in=int(platform.tokens.lifetime.total_seconds()),
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=IDEMPOTENT,
)
def register(
    body: Register, session: SessionDep, platform: PlatformDep, idempotency: AnonymousIdempotencyDep
):
    password_hash = platform.passwords.hash(
        body.password
    )  # slow on purpose: before any database lock
    if (first := idempotency.claim(session)) is not None:
        return first
    if crud.users.get_by_email(session, body.email) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, "email: an account with this email exists")
    admin = body.email in {e.lower() for e in platform.settings.admin_emails}
    try:
        user = crud.users.create(
            session,
            email=body.email,
            password_hash=password_hash,
            role=Role.admin if admin else Role.free_user,
        )
    except IntegrityError:  # registered by a concurrent request a moment ago
        session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT, "email: an account with this email exists"
        ) from None
    platform.top_up(session, user)
    return idempotency.commit(session, UserOut.model_validate(user))


@router.post("/login", response_model=TokenPair)
def login(body: Login, session: SessionDep, platform: PlatformDep, audit: AuditDep) -> TokenPair:
    user = crud.users.get_by_email(session, body.email)
    valid = platform.passwords.verify(user.password_hash if user else None, body.password)
    if user is None or not valid or not user.is_active:
        audit.record_now(session, ActivityKind.sign_in_failed, user, email=body.email)
        raise unauthorized("wrong email or password")
    platform.top_up(session, user)
    issued = crud.tokens.issue(session, user, platform.refresh_lifetime)
    audit.record(session, ActivityKind.sign_in, user)
    session.commit()
    return _pair(platform, user, issued)


@router.post("/refresh", response_model=TokenPair)
def refresh(
    body: Refresh, session: SessionDep, platform: PlatformDep, audit: AuditDep
) -> TokenPair:
    """Trade a refresh token for a new pair. Each token works once; reuse ends the session."""
    try:
        user, issued = crud.tokens.rotate(session, body.refresh_token, platform.refresh_lifetime)
    except RefreshRejected as exc:
        if exc.reused_by is not None:
            audit.record(session, ActivityKind.token_reuse, session.get(User, exc.reused_by))
        session.commit()  # keep the family's revocation
        if exc.family_id is not None:
            platform.revoked.revoke(exc.family_id, platform.refresh_lifetime.total_seconds())
        raise unauthorized(exc.reason) from None
    platform.top_up(session, user)
    session.commit()
    return _pair(platform, user, issued)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(body: Refresh, session: SessionDep, platform: PlatformDep, audit: AuditDep) -> Response:
    """End the session of this refresh token: its family is revoked, its access tokens too."""
    row = crud.tokens.family_of(session, body.refresh_token)
    if row is not None:
        crud.tokens.revoke_family(session, row.family_id)
        audit.record(session, ActivityKind.logout, session.get(User, row.user_id))
        session.commit()
        platform.revoked.revoke(row.family_id, platform.refresh_lifetime.total_seconds())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
