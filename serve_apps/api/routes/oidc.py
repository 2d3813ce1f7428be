"""Sign in with an OpenID Connect provider or GitHub (authorization code + PKCE, state and
nonce); the provider's kind only changes how the identity is obtained.

1. `GET /auth/providers` lists the configured providers (the web app's buttons).
2. `GET /auth/oidc/{provider}/login` stores the sign-in (state, nonce, PKCE verifier; 10
   minutes, used once), sets a cookie binding it to this browser, and answers 302 to the
   provider.
3. The provider sends the browser back to `GET /auth/oidc/{provider}/callback?code&state`: the
   state must be a stored one of this provider, started in this browser; the code is
   exchanged with the verifier; the ID token is checked (serve_apps/api/oidc.py), or, for
   GitHub, its API names the account and its verified primary email
   (serve_apps/api/github_oauth.py).
4. The account: the one this provider identity is linked to, else the one with the verified
   email (linked now), else a new one (email verified, no password: "forgot password" sets
   one). An unverified account's password is dropped when it is linked, and its sessions end:
   whoever registered the address had not proved it was theirs.
5. Our own tokens, as `POST /auth/login` gives them: `mode=body` answers the token pair as
   JSON; `mode=cookie` (the default, the browser) sets the refresh cookie and answers 302 to
   `return_to`, where the web app calls `POST /auth/refresh` with `X-Auth-Cookie: 1`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, HTTPException, Path, Query, Response, status
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import crud
from db.crud.users import NO_PASSWORD
from db.models import ActivityKind, Role, User
from serve_apps.api import github_oauth, oidc
from serve_apps.api.audit import Audit, AuditDep
from serve_apps.api.deps import PlatformDep
from serve_apps.api.github_oauth import GitHubClient
from serve_apps.api.oidc import Identity, OIDCClient, OIDCError, pkce_pair
from serve_apps.api.platform import Platform
from serve_apps.api.routes.auth import token_pair
from serve_apps.api.schemas.auth import ProviderOut, TokenPair

router = APIRouter(prefix="/auth", tags=["auth"])

BINDING_COOKIE = "filmstudio_oidc"
BINDING_PATH = "/api/v1/auth/oidc"
LOGIN_LIFETIME = timedelta(minutes=10)

ProviderName = Annotated[
    str, Path(min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$", description="as configured")
]
# A path of this site only: never another origin (no scheme, no `//host`, no backslash).
ReturnTo = Annotated[
    str,
    Query(
        max_length=500,
        pattern=r"^/([^/\\\s][^\\\s]*)?$",
        description="where the browser goes after signing in (a path of this site)",
    ),
]
Param = Annotated[str | None, Query(max_length=2048)]


def _client(platform: Platform, name: str) -> OIDCClient | GitHubClient:
    settings = platform.settings
    client = oidc.client_for(settings, name) or github_oauth.client_for(settings, name)
    if client is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"provider: no sign-in provider {name!r}")
    return client


def _refused(exc: OIDCError) -> HTTPException:
    return HTTPException(exc.status, exc.message)


@router.get("/providers", response_model=list[ProviderOut])
def providers(platform: PlatformDep) -> list[ProviderOut]:
    """The providers people can sign in with (OpenID Connect, GitHub)."""
    return [
        ProviderOut(
            name=name,
            display_name=provider.display_name or name,
            login_url=f"/api/v1/auth/oidc/{name}/login",
        )
        for name, provider in platform.settings.oidc_providers.items()
    ]


@router.get(
    "/oidc/{provider}/login",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={
        302: {"description": "to the provider's sign-in page"},
        404: {"description": "no such provider"},
        502: {"description": "the provider's discovery document could not be read"},
    },
)
def oidc_login(
    provider: ProviderName,
    platform: PlatformDep,
    mode: Literal["cookie", "body"] = "cookie",
    return_to: ReturnTo = "/",
) -> RedirectResponse:
    """Start signing in at the provider: 302 to its page, with state, nonce and PKCE."""
    client = _client(platform, provider)
    state, nonce, binding = (secrets.token_urlsafe(32) for _ in range(3))
    verifier, challenge = pkce_pair()
    try:
        url = client.authorization_url(state=state, nonce=nonce, challenge=challenge)
    except OIDCError as exc:
        raise _refused(exc) from None
    with platform.db.transaction() as session:
        crud.oidc.start(
            session,
            state=state,
            provider=provider,
            nonce=nonce,
            code_verifier=verifier,
            binding=binding,
            mode=mode,
            return_to=return_to,
            lifetime=LOGIN_LIFETIME,
        )
    response = RedirectResponse(url, status.HTTP_302_FOUND)
    response.set_cookie(  # Lax: the provider's redirect back is a cross-site top-level GET
        BINDING_COOKIE,
        binding,
        max_age=int(LOGIN_LIFETIME.total_seconds()),
        path=BINDING_PATH,
        secure=True,
        httponly=True,
        samesite="lax",
    )
    return response


def _account(
    session: Session, platform: Platform, provider: str, identity: Identity, audit: Audit
) -> tuple[User, list]:
    """The account this identity signs in to (linked, found by email, or new) and the
    refresh-token families ended by linking an unverified account."""
    linked = crud.oidc.identity(session, provider, identity.subject)
    if linked is not None:
        user = session.get(User, linked.user_id)
        assert user is not None  # identities go with their user (ON DELETE CASCADE)
        return user, []
    ended: list = []
    user = crud.users.get_by_email(session, identity.email)
    if user is None:
        admin = identity.email in {e.lower() for e in platform.settings.admin_emails}
        user = crud.users.create(
            session,
            email=identity.email,
            password_hash=NO_PASSWORD,
            role=Role.admin if admin else Role.free_user,
            email_verified=True,
        )
    elif not user.email_verified:
        crud.users.set_password(session, user, NO_PASSWORD)
        ended = crud.tokens.revoke_user_families(session, user.id)
    crud.users.mark_verified(session, user)
    crud.oidc.link(session, user, provider, identity.subject, identity.email)
    audit.record(session, ActivityKind.identity_linked, user, provider=provider)
    return user, ended


@router.get(
    "/oidc/{provider}/callback",
    response_model=TokenPair,
    responses={
        302: {"description": "signed in (mode=cookie): to `return_to`, with the refresh cookie"},
        400: {"description": "the state is unknown, used, expired or from another browser"},
        401: {"description": "the ID token failed a check (named)"},
        403: {"description": "no verified email, or the account is disabled"},
        404: {"description": "no such provider"},
        502: {"description": "the provider could not be reached"},
    },
)
def oidc_callback(
    provider: ProviderName,
    platform: PlatformDep,
    audit: AuditDep,
    response: Response,
    code: Param = None,
    state: Param = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
    binding: Annotated[str | None, Cookie(alias=BINDING_COOKIE, include_in_schema=False)] = None,
):
    """The provider's redirect back: check everything, then sign in as `/auth/login` does."""
    client = _client(platform, provider)
    if not state:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "state: missing")
    with platform.db.transaction() as session:
        login = crud.oidc.finish(session, state, provider, binding)
    if login is None:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            "state: this sign-in is unknown, already used, expired or was started in another "
            "browser; sign in again",
        )
    if error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{provider} refused: {error}")
    if not code:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "code: missing")
    try:
        identity = client.identity(code, login.code_verifier, login.nonce)
    except OIDCError as exc:
        raise _refused(exc) from None
    with platform.db.transaction() as session:
        try:
            user, ended = _account(session, platform, provider, identity, audit)
        except IntegrityError:  # the same identity or email, linked by a concurrent callback
            raise HTTPException(status.HTTP_409_CONFLICT, "sign-in raced another; retry") from None
        if not user.is_active:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "account disabled")
        platform.top_up(session, user)
        issued = crud.tokens.issue(session, user, platform.refresh_lifetime)
        audit.record(session, ActivityKind.sign_in, user, method="oidc", provider=provider)
        cookie = login.mode == "cookie"
        target: Response = (
            RedirectResponse(login.return_to, status.HTTP_302_FOUND) if cookie else response
        )
        pair = token_pair(platform, user, issued, target, cookie)
    for family in ended:
        platform.revoked.revoke(family, platform.refresh_lifetime.total_seconds())
    target.delete_cookie(BINDING_COOKIE, path=BINDING_PATH, secure=True, httponly=True)
    return target if cookie else pair
