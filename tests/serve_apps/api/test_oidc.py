"""Sign in with OpenID Connect over HTTP, against a fake provider on loopback.

The browser's round trip is played step by step: our login (302 to the provider, binding
cookie), the provider's sign-in page (302 back with a code), our callback (302 with the
refresh cookie, or the token pair as JSON). Forged ID tokens are refused, and so are replayed,
unknown or foreign states.
"""

from __future__ import annotations

import urllib.parse

import httpx
import pytest

from tests.utils.fake_oidc import CLIENT_ID, FakeOIDC
from tests.utils.platform import PASSWORD, https_browser, register

PROVIDERS = "/api/v1/auth/providers"
LOGIN = "/api/v1/auth/oidc/fake/login"
ME = "/api/v1/users/me"
COOKIE_MODE = {"X-Auth-Cookie": "1"}


@pytest.fixture
def provider():
    with FakeOIDC() as fake:
        yield fake


@pytest.fixture
def browser(tmp_path, database_url, keys_dir, provider):
    """The studio on https (Secure cookies), with the fake provider configured as "fake"."""
    providers = {"fake": provider.provider_settings(display_name="Fake ID")}
    with https_browser(tmp_path, database_url, keys_dir, oidc_providers=providers) as client:
        yield client


def to_provider(browser, **params) -> str:
    """Start signing in; the provider's page answers with our callback URL (path and query)."""
    started = browser.get(LOGIN, params=params, follow_redirects=False)
    assert started.status_code == 302, started.text
    assert "filmstudio_oidc=" in started.headers["set-cookie"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started.headers["location"]).query))
    assert query["code_challenge_method"] == "S256" and query["nonce"] and query["state"]
    consent = httpx.get(started.headers["location"], follow_redirects=False)
    assert consent.status_code == 302, consent.text
    callback = urllib.parse.urlsplit(consent.headers["location"])
    assert callback.path == "/api/v1/auth/oidc/fake/callback"
    return f"{callback.path}?{callback.query}"


def sign_in_body_mode(browser) -> dict:
    answer = browser.get(to_provider(browser, mode="body"), follow_redirects=False)
    assert answer.status_code == 200, answer.text
    return answer.json()


def me(browser, access_token: str):
    return browser.get(ME, headers={"Authorization": f"Bearer {access_token}"})


def test_providers_are_listed_for_the_buttons(browser):
    answer = browser.get(PROVIDERS)
    assert answer.status_code == 200
    assert answer.json() == [
        {"name": "fake", "display_name": "Fake ID", "login_url": "/api/v1/auth/oidc/fake/login"}
    ]
    assert browser.get("/api/v1/auth/oidc/nope/login").status_code == 404


def test_browser_signs_in_and_gets_the_refresh_cookie(browser, provider):
    callback = to_provider(browser, return_to="/projects")
    landed = browser.get(callback, follow_redirects=False)
    assert landed.status_code == 302, landed.text
    assert landed.headers["location"] == "/projects"
    assert "filmstudio_refresh" in browser.cookies
    # The web app trades the cookie for an access token, as after a password sign-in.
    tokens = browser.post("/api/v1/auth/refresh", headers=COOKIE_MODE)
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["refresh_token"] is None
    account = me(browser, tokens.json()["access_token"]).json()
    assert account["email"] == "ada@provider.test"
    assert account["email_verified"] is True
    # The provider got the PKCE verifier and our callback as redirect URI.
    exchange = provider.token_requests[-1]
    assert exchange["code_verifier"] and exchange["redirect_uri"].endswith("/fake/callback")
    # The same link again is refused: a sign-in works once.
    assert browser.get(callback, follow_redirects=False).status_code == 400


def test_body_mode_answers_the_token_pair_and_links_the_identity(browser, provider):
    first = sign_in_body_mode(browser)
    assert first["refresh_token"] and first["token_type"] == "bearer"
    user_id = me(browser, first["access_token"]).json()["id"]
    # The provider's account changes its email: the identity (issuer's sub) still finds us.
    provider.user["email"] = "ada.lovelace@provider.test"
    again = sign_in_body_mode(browser)
    assert me(browser, again["access_token"]).json()["id"] == user_id
    # Refresh works as for any session.
    rotated = browser.post("/api/v1/auth/refresh", json={"refresh_token": again["refresh_token"]})
    assert rotated.status_code == 200


def test_an_unverified_account_with_the_email_is_taken_over_by_its_owner(browser):
    squatter = register(browser, "ada@provider.test")  # registered, never proved the address
    tokens = sign_in_body_mode(browser)
    assert me(browser, tokens["access_token"]).json()["id"] == squatter.id
    # The password the squatter chose no longer opens the account, nor do their sessions.
    login = {"email": squatter.email, "password": PASSWORD}
    assert browser.post("/api/v1/auth/login", json=login).status_code == 401
    assert me(browser, squatter.access_token).status_code == 401
    refresh = {"refresh_token": squatter.refresh_token}
    assert browser.post("/api/v1/auth/refresh", json=refresh).status_code == 401


@pytest.mark.parametrize(
    "forge, status, reason",
    [
        ({"key": "impostor"}, 401, "Signature verification failed"),
        ({"aud": "another-client"}, 401, "audience"),
        ({"iss": "https://evil.test"}, 401, "issuer"),
        ({"exp_delta": -3600}, 401, "expired"),
        ({"nonce": "replayed-nonce"}, 401, "nonce"),
        ({"claims": {"azp": "another-client", "aud": [CLIENT_ID, "x"]}}, 401, "azp"),
        ({"claims": {"email_verified": False}}, 403, "has not verified"),
    ],
    ids=["wrong-key", "wrong-aud", "wrong-iss", "expired", "bad-nonce", "wrong-azp", "unverified"],
)
def test_forged_id_tokens_are_refused(browser, provider, forge, status, reason):
    provider.forge = forge
    answer = browser.get(to_provider(browser, mode="body"), follow_redirects=False)
    assert answer.status_code == status, answer.text
    assert reason.lower() in answer.json()["detail"].lower()
    assert "filmstudio_refresh" not in answer.headers.get("set-cookie", "")
    provider.forge = {}  # the real token still works, and made no account before
    assert sign_in_body_mode(browser)["access_token"]


def test_state_must_be_ours_and_from_this_browser(browser):
    callback = to_provider(browser, mode="body")
    # Another browser (no binding cookie) following the same link is refused.
    from fastapi.testclient import TestClient

    stranger = TestClient(browser.app, base_url="https://testserver")
    assert stranger.get(callback, follow_redirects=False).status_code == 400
    # The state is spent now, even for the browser that started it.
    assert browser.get(callback, follow_redirects=False).status_code == 400
    forged = browser.get("/api/v1/auth/oidc/fake/callback?code=x&state=made-up")
    assert forged.status_code == 400 and "state" in forged.json()["detail"]


@pytest.mark.parametrize("target", ["//evil.test/", "https://evil.test/", "/\\evil.test"])
def test_return_to_stays_on_this_site(browser, target):
    answer = browser.get(LOGIN, params={"return_to": target}, follow_redirects=False)
    assert answer.status_code == 422
