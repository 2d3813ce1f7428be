"""Register, log in, refresh (rotating), log out.

Two ways to hold the refresh token:
- body mode (API clients): login returns it in the JSON; refresh and logout take it in the body.
- cookie mode (the browser app): the request carries `X-Auth-Cookie: 1`; login sets the refresh
  token as an `HttpOnly; Secure; SameSite=Strict` cookie scoped to /api/v1/auth and returns
  `refresh_token: null`; refresh and logout, sent without a body, read that cookie. The header
  is the CSRF check: a cross-site page cannot add a custom header without a CORS preflight,
  which this API never grants, and the cookie is never sent cross-site anyway.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Cookie, Header, HTTPException, Response, status
from sqlalchemy.exc import IntegrityError

from db import crud
from db.base import utcnow
from db.crud.tokens import RefreshRejected
from db.models import ActivityKind, Role, User
from serve_apps.api.accounts import send_verification
from serve_apps.api.audit import AuditDep
from serve_apps.api.deps import AnonymousIdempotencyDep, PlatformDep, SessionDep, unauthorized
from serve_apps.api.idempotency import RESPONSES as IDEMPOTENT
from serve_apps.api.platform import Platform
from serve_apps.api.schemas.auth import Login, Refresh, Register, TokenPair, UserOut

router = APIRouter(prefix="/auth", tags=["auth"])

REFRESH_COOKIE = "filmstudio_refresh"
COOKIE_PATH = "/api/v1/auth"

CookieMode = Annotated[
    str | None,
    Header(
        alias="X-Auth-Cookie",
        max_length=1,
        description="1: keep the refresh token in an HttpOnly cookie (browsers); "
        "required on refresh and logout that rely on the cookie (CSRF check)",
    ),
]
RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE, include_in_schema=False)]


def _set_cookie(response: Response, platform: Platform, token: str) -> None:
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=int(platform.refresh_lifetime.total_seconds()),
        path=COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def _clear_cookie(response: Response) -> None:
    response.delete_cookie(
        REFRESH_COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict"
    )


def _presented(body: Refresh | None, cookie_mode: str | None, cookie: str | None) -> str:
    """The refresh token of the request: the body's, else the cookie's behind the CSRF header."""
    if body is not None:
        return body.refresh_token
    if cookie_mode != "1":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "X-Auth-Cookie: send the header `X-Auth-Cookie: 1` to use the refresh cookie, "
            "or the refresh token in the body",
        )
    if not cookie:
        raise unauthorized("no refresh cookie: sign in again")
    return cookie


def token_pair(
    platform: Platform, user: User, issued: crud.tokens.Issued, response: Response, cookie: bool
) -> TokenPair:
    """The answer of a sign-in: an access token, and the refresh token in the body or, for
    the browser (`cookie`), in its HttpOnly cookie set on `response`."""
    if cookie:
        _set_cookie(response, platform, issued.token)
    return TokenPair(
        access_token=platform.tokens.issue(user, family=issued.row.family_id),
        refresh_token=None if cookie else issued.token,
        expires_in=int(platform.tokens.lifetime.total_seconds()),
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=IDEMPOTENT,
)
def register(
    body: Register,
    session: SessionDep,
    platform: PlatformDep,
    idempotency: AnonymousIdempotencyDep,
    background: BackgroundTasks,
):
    """Create an account. Where renders need a verified email, a verification link is mailed."""
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
    if platform.settings.require_verified_email:
        send_verification(session, platform, user, background)
    return idempotency.commit(session, UserOut.model_validate(user))


THROTTLED = {
    status.HTTP_429_TOO_MANY_REQUESTS: {
        "description": "too many failed sign-ins for this account or from this address: "
        "wait Retry-After seconds (the delay doubles with each further failure)"
    }
}


def throttled(hold) -> HTTPException:
    whose = "for this account" if hold.reason == "account" else "from this address"
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"sign-in: too many failed attempts {whose}; try again in {hold.retry_after} s",
        headers={"Retry-After": str(hold.retry_after)},
    )


def known_ip(session, platform: Platform, user: User | None, ip: str) -> bool:
    """Whether `ip` signed in to `user` lately (the account's failures do not hold it back)."""
    if user is None:
        return False
    since = utcnow() - timedelta(days=platform.settings.login_known_ip_days)
    return crud.activity.signed_in_from(session, user.id, ip, since)


@router.post("/login", response_model=TokenPair, responses=THROTTLED)
def login(
    body: Login,
    session: SessionDep,
    platform: PlatformDep,
    response: Response,
    audit: AuditDep,
    cookie_mode: CookieMode = None,
) -> TokenPair:
    """Sign in with email and password. Failures slow further attempts down (429)."""
    user = crud.users.get_by_email(session, body.email)
    known = known_ip(session, platform, user, audit.ip)
    if hold := platform.throttle.hold(session, body.email, audit.ip, known_ip=known):
        raise throttled(hold)
    valid = platform.passwords.verify(user.password_hash if user else None, body.password)
    if user is None or not valid or not user.is_active:
        platform.throttle.failed(session, body.email, audit.ip)
        audit.record_now(session, ActivityKind.sign_in_failed, user, email=body.email)
        raise unauthorized("wrong email or password")
    platform.throttle.succeeded(session, body.email)
    platform.top_up(session, user)
    issued = crud.tokens.issue(session, user, platform.refresh_lifetime)
    audit.record(session, ActivityKind.sign_in, user)
    session.commit()
    return token_pair(platform, user, issued, response, cookie_mode == "1")


@router.post("/refresh", response_model=TokenPair)
def refresh(
    session: SessionDep,
    platform: PlatformDep,
    response: Response,
    audit: AuditDep,
    body: Refresh | None = None,
    cookie_mode: CookieMode = None,
    cookie: RefreshCookie = None,
):
    """Trade a refresh token for a new pair. Each token works once; reuse ends the session."""
    token = _presented(body, cookie_mode, cookie)
    try:
        user, issued = crud.tokens.rotate(session, token, platform.refresh_lifetime)
    except RefreshRejected as exc:
        if exc.reused_by is not None:
            audit.record(session, ActivityKind.token_reuse, session.get(User, exc.reused_by))
        session.commit()  # keep the family's revocation
        if exc.family_id is not None:
            platform.revoked.revoke(exc.family_id, platform.refresh_lifetime.total_seconds())
        error = unauthorized(exc.reason)
        if body is None:  # the browser's cookie is dead: drop it
            cleared = Response()
            _clear_cookie(cleared)
            error.headers = {**(error.headers or {}), "set-cookie": cleared.headers["set-cookie"]}
        raise error from None
    platform.top_up(session, user)
    session.commit()
    return token_pair(platform, user, issued, response, body is None)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    session: SessionDep,
    platform: PlatformDep,
    audit: AuditDep,
    body: Refresh | None = None,
    cookie_mode: CookieMode = None,
    cookie: RefreshCookie = None,
) -> Response:
    """End the session of this refresh token: its family is revoked, its access tokens too."""
    if body is None and cookie_mode == "1" and not cookie:
        token = None  # already signed out in this browser
    else:
        token = _presented(body, cookie_mode, cookie)
    row = crud.tokens.family_of(session, token) if token else None
    if row is not None:
        crud.tokens.revoke_family(session, row.family_id)
        audit.record(session, ActivityKind.logout, session.get(User, row.user_id))
        session.commit()
        platform.revoked.revoke(row.family_id, platform.refresh_lifetime.total_seconds())
    done = Response(status_code=status.HTTP_204_NO_CONTENT)
    if body is None:
        _clear_cookie(done)
    return done
