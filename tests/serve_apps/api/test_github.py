"""Sign in with GitHub (plain OAuth 2.0) over HTTP, against a fake GitHub on loopback.

The same round trip as OpenID Connect: our login (302 to GitHub's authorize page, binding
cookie), GitHub's page (302 back with a code), our callback. Who signed in comes from GitHub's
API: the account id and the verified primary email.
"""

from __future__ import annotations

import re
import urllib.parse

import httpx
import pytest

from tests.utils.fake_github import CLIENT_ID, FakeGitHub
from tests.utils.platform import https_browser, register

LOGIN = "/api/v1/auth/oidc/github/login"


@pytest.fixture
def github():
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def browser(tmp_path, database_url, keys_dir, github):
    """The studio on https (Secure cookies), with the fake GitHub configured as "github"."""
    providers = {"github": github.provider_settings()}
    with https_browser(tmp_path, database_url, keys_dir, oidc_providers=providers) as client:
        yield client


def to_github(browser, **params) -> str:
    """Start signing in; GitHub's page answers with our callback URL (path and query)."""
    started = browser.get(LOGIN, params=params, follow_redirects=False)
    assert started.status_code == 302, started.text
    assert "filmstudio_oidc=" in started.headers["set-cookie"]
    consent = httpx.get(started.headers["location"], follow_redirects=False)
    assert consent.status_code == 302, consent.text
    callback = urllib.parse.urlsplit(consent.headers["location"])
    assert callback.path == "/api/v1/auth/oidc/github/callback"
    return f"{callback.path}?{callback.query}"


def me(browser, access_token: str) -> dict:
    answer = browser.get("/api/v1/users/me", headers={"Authorization": f"Bearer {access_token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_github_is_listed_under_its_default_name(browser):
    assert browser.get("/api/v1/auth/providers").json() == [
        {"name": "github", "display_name": "GitHub", "login_url": LOGIN}
    ]


def test_verified_primary_email_signs_in_to_the_account_with_it(browser, github):
    account = register(browser, "octo@github.test")
    landed = browser.get(to_github(browser, mode="body"), follow_redirects=False)
    assert landed.status_code == 200, landed.text
    signed_in = me(browser, landed.json()["access_token"])
    assert signed_in["id"] == account.id and signed_in["email_verified"] is True
    sent = github.authorize_queries[-1]
    assert sent["scope"] == "read:user user:email" and sent["code_challenge_method"] == "S256"
    assert sent["client_id"] == CLIENT_ID and sent["state"]
    # The GitHub account (its numeric id) stays linked when its email changes.
    github.emails = [{"email": "octo@elsewhere.test", "primary": True, "verified": True}]
    again = browser.get(to_github(browser, mode="body"), follow_redirects=False)
    assert me(browser, again.json()["access_token"])["id"] == account.id
    # The browser's way: the refresh cookie, then the page asked for.
    cookie = browser.get(to_github(browser, return_to="/projects"), follow_redirects=False)
    assert cookie.status_code == 302 and cookie.headers["location"] == "/projects"
    assert "filmstudio_refresh" in browser.cookies


@pytest.mark.parametrize(
    "emails, reason",
    [
        ([{"email": "octo@github.test", "primary": True, "verified": False}], "has not verified"),
        ([{"email": "octo@github.test", "primary": False, "verified": True}], "no primary email"),
    ],
    ids=["unverified", "no-primary"],
)
def test_without_a_verified_primary_email_it_is_refused(browser, github, emails, reason):
    github.emails = emails
    answer = browser.get(to_github(browser, mode="body"), follow_redirects=False)
    assert answer.status_code == 403, answer.text
    assert reason in answer.json()["detail"] and "email" in answer.json()["detail"]
    assert "filmstudio_refresh" not in answer.headers.get("set-cookie", "")


def test_a_refused_code_is_refused(browser, github):
    github.refuse = "bad_verification_code"  # GitHub's 200 answer with an error in it
    answer = browser.get(to_github(browser, mode="body"), follow_redirects=False)
    assert answer.status_code == 400, answer.text
    assert "bad_verification_code" in answer.json()["detail"]


def test_state_must_be_ours_from_this_browser_and_used_once(browser):
    callback = to_github(browser, mode="body")
    from fastapi.testclient import TestClient

    stranger = TestClient(browser.app, base_url="https://testserver")
    assert stranger.get(callback, follow_redirects=False).status_code == 400
    replayed = browser.get(callback, follow_redirects=False)  # spent by the stranger's try
    assert replayed.status_code == 400 and "state" in replayed.json()["detail"]
    forged = browser.get("/api/v1/auth/oidc/github/callback?code=x&state=made-up")
    assert forged.status_code == 400 and "state" in forged.json()["detail"]


@pytest.mark.parametrize(
    "entry, reason",
    [
        ({"web_root": "http://github.example"}, "web_root: must be an https URL"),
        ({"api_root": "ftp://127.0.0.1"}, "api_root: must be an https URL"),
        ({"kind": "gitlab"}, "kind: must be 'oidc' (the default) or 'github'"),
    ],
)
def test_bad_github_settings_name_the_field(entry, reason):
    from pydantic import ValidationError

    from infra.settings import Settings

    github = {"kind": "github", "client_id": "id", "client_secret": "secret"} | entry
    with pytest.raises(ValidationError, match=re.escape(reason)):
        Settings(oidc_providers={"github": github})
