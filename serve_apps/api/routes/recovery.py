"""Accounts people can recover: change the password, reset it by a mailed link, verify the email.

- Changing the password needs the old one (and is throttled like a sign-in); every other
  session of the account ends, the one that asked stays signed in.
- A reset link (`POST /auth/password/forgot`) is single-use and lives
  `password_reset_minutes`; the answer is the same whether or not the email has an account.
  Using it sets the password, ends every session and proves the email.
- Renders need a verified email (`require_verified_email`): registering mails a link, and
  `POST /auth/email/verification` mails another.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, HTTPException, Response, status

from db import crud
from db.models import ActivityKind, TokenPurpose
from serve_apps.api.accounts import mailed_recently, send_reset, send_verification
from serve_apps.api.audit import AuditDep
from serve_apps.api.deps import BearerToken, CurrentUser, PlatformDep, SessionDep
from serve_apps.api.routes.auth import THROTTLED, known_ip, throttled
from serve_apps.api.schemas.auth import (
    ChangePassword,
    ForgotPassword,
    Notice,
    ResetPassword,
    UserOut,
    VerifyEmail,
)

router = APIRouter(prefix="/auth", tags=["auth"])

BAD_LINK = "token: this link is unknown, already used or expired; ask for a new one"


def _end_sessions(platform, families) -> None:
    """Make the revoked families' access tokens stop working now (after the commit)."""
    for family in families:
        platform.revoked.revoke(family, platform.refresh_lifetime.total_seconds())


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT, responses=THROTTLED)
def change_password(
    body: ChangePassword,
    session: SessionDep,
    platform: PlatformDep,
    user: CurrentUser,
    token: BearerToken,
    audit: AuditDep,
) -> Response:
    """Set a new password; the old one is required. The account's other sessions end."""
    new_hash = platform.passwords.hash(body.new_password)  # slow: before the checks' writes
    known = known_ip(session, platform, user, audit.ip)
    if hold := platform.throttle.hold(session, user.email, audit.ip, known_ip=known):
        raise throttled(hold)
    if not platform.passwords.verify(user.password_hash, body.old_password):
        platform.throttle.failed(session, user.email, audit.ip)
        audit.record_now(session, ActivityKind.sign_in_failed, user, reason="password change")
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "old_password: this is not the account's password"
        )
    crud.users.set_password(session, user, new_hash)
    current = platform.tokens.decode(token).family if token else None
    families = crud.tokens.revoke_user_families(session, user.id, keep=current)
    audit.record(session, ActivityKind.password_change, user, sessions_ended=len(families))
    session.commit()
    _end_sessions(platform, families)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password/forgot", status_code=status.HTTP_202_ACCEPTED, response_model=Notice)
def forgot_password(
    body: ForgotPassword,
    session: SessionDep,
    platform: PlatformDep,
    audit: AuditDep,
    background: BackgroundTasks,
) -> Notice:
    """Mail a password-reset link, if the email has an account (the answer does not say)."""
    user = crud.users.get_by_email(session, body.email)
    if (
        user is not None
        and user.is_active
        and not mailed_recently(session, platform, user, TokenPurpose.password_reset)
    ):
        send_reset(session, platform, user, background)
        audit.record(session, ActivityKind.password_reset_requested, user)
        session.commit()
    return Notice(detail=f"if {body.email} has an account, a reset link is on its way")


@router.post("/password/reset", status_code=status.HTTP_204_NO_CONTENT)
def reset_password(
    body: ResetPassword, session: SessionDep, platform: PlatformDep, audit: AuditDep
) -> Response:
    """Set a new password with a mailed link. Every session of the account ends."""
    new_hash = platform.passwords.hash(body.new_password)
    user = crud.account_tokens.redeem(session, body.token, TokenPurpose.password_reset)
    if user is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, BAD_LINK)
    crud.users.set_password(session, user, new_hash)
    crud.users.mark_verified(session, user)  # the link reached the mailbox
    families = crud.tokens.revoke_user_families(session, user.id)
    platform.throttle.succeeded(session, user.email)
    audit.record(session, ActivityKind.password_reset, user, sessions_ended=len(families))
    session.commit()
    _end_sessions(platform, families)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/email/verify", response_model=UserOut)
def verify_email(
    body: VerifyEmail, session: SessionDep, platform: PlatformDep, audit: AuditDep
) -> UserOut:
    """Confirm the account's email with a mailed link."""
    user = crud.account_tokens.redeem(session, body.token, TokenPurpose.verify_email)
    if user is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, BAD_LINK)
    if crud.users.mark_verified(session, user):
        audit.record(session, ActivityKind.email_verified, user)
    session.commit()
    return UserOut.model_validate(user)


@router.post(
    "/email/verification",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Notice,
    responses={
        status.HTTP_409_CONFLICT: {"description": "the email is already verified"},
        status.HTTP_429_TOO_MANY_REQUESTS: {"description": "a link was mailed moments ago"},
    },
)
def send_verification_link(
    session: SessionDep, platform: PlatformDep, user: CurrentUser, background: BackgroundTasks
) -> Notice:
    """Mail the caller a new verification link."""
    if user.email_verified:
        raise HTTPException(status.HTTP_409_CONFLICT, "email: already verified")
    if wait := mailed_recently(session, platform, user, TokenPurpose.verify_email):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"email: a link was mailed moments ago; ask again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    send_verification(session, platform, user, background)
    session.commit()
    return Notice(detail=f"a verification link is on its way to {user.email}")
