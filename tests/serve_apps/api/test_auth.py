"""Accounts and tokens: register, login, refresh rotation, logout, and attacks on the tokens."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.utils.platform import PASSWORD, make_settings, register

ME = "/api/v1/users/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _private_key(settings) -> bytes:
    return (settings.keys_dir / "jwt-private.pem").read_bytes()


def test_register_login_me(client):
    account = register(client, "Ada@Studio.test")
    me = client.get(ME, headers=account.headers)
    assert me.status_code == 200
    assert me.json()["email"] == "ada@studio.test"
    assert me.json()["role"] == "free_user" and me.json()["tier"] == "free"


def test_access_token_claims(client, user, settings):
    claims = _claims(user.access_token)
    assert jwt.get_unverified_header(user.access_token)["alg"] == "RS256"
    assert claims["user_id"] == user.id and claims["email"] == user.email
    assert claims["role"] == "free_user" and claims["tier"] == "free"
    assert claims["iss"] == settings.jwt_issuer and claims["aud"] == settings.jwt_audience
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_signing_keys_are_generated_on_first_start(tmp_path, database_url):
    from fastapi.testclient import TestClient

    from serve_apps.api.main import create_app

    settings = make_settings(tmp_path, database_url)  # keys under var/keys, not there yet
    assert not settings.keys_dir.exists()
    with TestClient(create_app(settings)) as client:
        first = register(client)
    assert stat.S_IMODE(settings.keys_dir.stat().st_mode) == 0o700
    for name in ("jwt-private.pem", "jwt-public.pem"):
        assert stat.S_IMODE((settings.keys_dir / name).stat().st_mode) == 0o600
    with TestClient(create_app(settings)) as client:  # a restart keeps the keys: tokens still work
        assert client.get(ME, headers=first.headers).status_code == 200


def test_register_refusals(client, user):
    duplicate = client.post(
        "/api/v1/auth/register", json={"email": user.email.upper(), "password": PASSWORD}
    )
    assert duplicate.status_code == 409 and "email" in duplicate.json()["detail"]
    bad_email = client.post(
        "/api/v1/auth/register", json={"email": "not-an-email", "password": PASSWORD}
    )
    assert bad_email.status_code == 422 and bad_email.json()["detail"][0]["loc"] == [
        "body",
        "email",
    ]
    short = client.post(
        "/api/v1/auth/register", json={"email": "new@studio.test", "password": "short"}
    )
    assert short.status_code == 422 and short.json()["detail"][0]["loc"] == ["body", "password"]


def test_register_is_idempotent(client):
    body = {"email": "once@studio.test", "password": PASSWORD}
    first = client.post("/api/v1/auth/register", json=body, headers={"Idempotency-Key": "reg-1"})
    again = client.post("/api/v1/auth/register", json=body, headers={"Idempotency-Key": "reg-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"


def test_login_refusals(client, user):
    wrong = client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "wrong password"}
    )
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "nobody@studio.test", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()  # no hint which accounts exist


def test_unauthenticated_is_401(client):
    response = client.get(ME)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "attack",
    ["tampered_payload", "tampered_signature", "alg_none", "hs256_with_public_key", "garbage"],
)
def test_forged_tokens_are_401(client, user, settings, attack):
    header, payload, signature = user.access_token.split(".")
    claims = _claims(user.access_token)
    if attack == "tampered_payload":  # promote ourselves, keep the old signature
        token = f"{header}.{_segment({**claims, 'role': 'admin'})}.{signature}"
    elif attack == "tampered_signature":
        token = (
            f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
        )
    elif attack == "alg_none":
        token = (
            f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment({**claims, 'role': 'admin'})}."
        )
    elif attack == "hs256_with_public_key":  # the classic RS/HS key confusion
        public = (settings.keys_dir / "jwt-public.pem").read_bytes()
        token = f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_segment(claims)}"
        import hashlib
        import hmac

        mac = hmac.new(public, token.encode(), hashlib.sha256).digest()
        token += "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    else:
        token = "not.a.token"
    assert client.get(ME, headers=bearer(token)).status_code == 401


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"exp": datetime.now(UTC) - timedelta(seconds=5)}, "expired"),
        ({"aud": "someone-else"}, "wrong audience"),
        ({"iss": "another-issuer"}, "wrong issuer"),
    ],
)
def test_validly_signed_but_wrong_tokens_are_401(client, user, settings, change, why):
    claims = {**_claims(user.access_token), **change}
    token = jwt.encode(claims, _private_key(settings), algorithm="RS256")
    response = client.get(ME, headers=bearer(token))
    assert response.status_code == 401, why


def test_refresh_rotates(client, user):
    first = client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != user.refresh_token
    assert client.get(ME, headers=bearer(pair["access_token"])).status_code == 200
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert second.status_code == 200


def test_refresh_reuse_revokes_the_family(client, user):
    rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}).json()
    # An attacker replays the spent token: refused, and the whole session ends.
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert replay.status_code == 401 and "reused" in replay.json()["detail"]
    successor = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert successor.status_code == 401
    assert client.get(ME, headers=bearer(rotated["access_token"])).status_code == 401
    # Another session of the same user is untouched.
    fresh = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert client.get(ME, headers=bearer(fresh.json()["access_token"])).status_code == 200


def test_refresh_refusals(client):
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": "made-up"}).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={}).status_code == 422


def test_logout_ends_the_session(client, user):
    assert (
        client.post("/api/v1/auth/logout", json={"refresh_token": user.refresh_token}).status_code
        == 204
    )
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}).status_code
        == 401
    )
    assert client.get(ME, headers=user.headers).status_code == 401


def test_expired_refresh_token(client, user, settings):
    from db.crud.tokens import digest
    from db.models import RefreshToken
    from db.session import Database

    database = Database(settings.database_url)
    with database.transaction() as session:
        row = session.query(RefreshToken).filter_by(token_hash=digest(user.refresh_token)).one()
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    database.dispose()
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_disabled_account_is_locked_out(client, user, admin):
    assert (
        client.patch(
            f"/api/v1/admin/users/{user.id}", json={"is_active": False}, headers=admin.headers
        ).status_code
        == 200
    )
    assert client.get(ME, headers=user.headers).status_code == 401
    assert (
        client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
        ).status_code
        == 401
    )
