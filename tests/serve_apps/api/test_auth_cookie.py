"""The browser's cookie mode: the refresh token lives in an HttpOnly cookie, never in the JSON."""

from __future__ import annotations

import pytest

from tests.utils.platform import PASSWORD, register

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/users/me"
COOKIE_MODE = {"X-Auth-Cookie": "1"}


@pytest.fixture
def browser(settings):
    """A client on https, as a browser holding Secure cookies would be."""
    from fastapi.testclient import TestClient

    from serve_apps.api.main import create_app

    with TestClient(create_app(settings), base_url="https://testserver") as test_client:
        yield test_client


def sign_in(browser) -> dict:
    account = register(browser)
    browser.cookies.clear()
    response = browser.post(
        LOGIN, json={"email": account.email, "password": PASSWORD}, headers=COOKIE_MODE
    )
    assert response.status_code == 200, response.text
    return response


def me(browser, access_token: str) -> int:
    return browser.get(ME, headers={"Authorization": f"Bearer {access_token}"}).status_code


def test_login_sets_a_strict_httponly_cookie_and_hides_the_token(browser):
    response = sign_in(browser)
    assert response.json()["refresh_token"] is None
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("filmstudio_refresh=")
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/api/v1/auth"):
        assert attribute.lower() in cookie.lower(), cookie
    assert me(browser, response.json()["access_token"]) == 200


def test_refresh_by_cookie_rotates_and_reuse_signs_out(browser):
    sign_in(browser)
    first_cookie = browser.cookies["filmstudio_refresh"]
    rotated = browser.post(REFRESH, headers=COOKIE_MODE)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["refresh_token"] is None
    assert browser.cookies["filmstudio_refresh"] != first_cookie
    access = rotated.json()["access_token"]
    assert me(browser, access) == 200

    # A stolen, already used cookie replayed: the whole session ends, the cookie is cleared.
    browser.cookies.clear()
    replay = browser.post(
        REFRESH, headers={**COOKIE_MODE, "Cookie": f"filmstudio_refresh={first_cookie}"}
    )
    assert replay.status_code == 401
    assert "filmstudio_refresh=" in replay.headers["set-cookie"]
    assert "max-age=0" in replay.headers["set-cookie"].lower()
    assert me(browser, access) == 401


def test_refresh_without_the_csrf_header_is_refused(browser):
    sign_in(browser)
    refused = browser.post(REFRESH)
    assert refused.status_code == 403
    assert "X-Auth-Cookie" in refused.json()["detail"]
    assert browser.post(LOGOUT).status_code == 403
    assert browser.post(REFRESH, headers=COOKIE_MODE).status_code == 200  # the cookie still works


def test_refresh_without_a_cookie(browser):
    response = browser.post(REFRESH, headers=COOKIE_MODE)
    assert response.status_code == 401
    assert "sign in again" in response.json()["detail"]


def test_logout_by_cookie_ends_the_session(browser):
    access = sign_in(browser).json()["access_token"]
    response = browser.post(LOGOUT, headers=COOKIE_MODE)
    assert response.status_code == 204
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert "filmstudio_refresh" not in browser.cookies
    assert me(browser, access) == 401
    assert browser.post(REFRESH, headers=COOKIE_MODE).status_code == 401
    assert browser.post(LOGOUT, headers=COOKIE_MODE).status_code == 204  # twice is fine


def test_body_mode_is_unchanged_beside_the_cookie(browser):
    account = register(browser)
    assert account.refresh_token  # API clients still get it in the JSON
    pair = browser.post(REFRESH, json={"refresh_token": account.refresh_token})
    assert pair.status_code == 200 and pair.json()["refresh_token"]
