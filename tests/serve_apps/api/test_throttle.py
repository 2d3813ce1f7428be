"""Sign-in throttling over real HTTP from several loopback addresses (127.0.0.2, .3, …).

Past the free failures each attempt waits longer (1 s, 2 s, …: 429 with Retry-After); the
account's count does not hold back an address that signed in to it before, so a third party
cannot lock its owner out. Two studio instances share the counts (Redis, or the database).
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.utils.platform import PASSWORD, LiveServer, make_settings

LOGIN = "/api/v1/auth/login"


@pytest.fixture(params=["database", "redis"])
def servers(request, tmp_path, database_url, keys_dir):
    """Two instances of the studio on one database (and one Redis for the "redis" store)."""
    from serve_apps.api.main import create_app

    redis = request.getfixturevalue("redis_url") if request.param == "redis" else None
    settings = make_settings(
        tmp_path,
        database_url,
        keys_dir,
        redis_url=redis,
        login_free_failures_account=2,
        login_free_failures_ip=4,
    )
    with LiveServer(create_app(settings)) as one, LiveServer(create_app(settings)) as two:
        yield one.url, two.url


def sign_in(url: str, source: str, email: str, password: str) -> httpx.Response:
    """POST /auth/login to `url` from the loopback address `source`."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=url, transport=transport, timeout=30) as client:
        return client.post(LOGIN, json={"email": email, "password": password})


def new_account(url: str) -> str:
    address = f"user-{uuid.uuid4().hex[:8]}@studio.test"
    made = httpx.post(f"{url}/api/v1/auth/register", json={"email": address, "password": PASSWORD})
    assert made.status_code == 201, made.text
    return address


def test_the_delay_grows_and_spares_the_owners_address(servers):
    one, two = servers
    victim = new_account(one)
    assert sign_in(one, "127.0.0.2", victim, PASSWORD).status_code == 200  # the owner's

    for _ in range(3):  # two free failures, then the delay starts
        assert sign_in(one, "127.0.0.3", victim, "guess").status_code == 401
    held = sign_in(two, "127.0.0.3", victim, "guess")  # the other instance knows
    assert held.status_code == 429, held.text
    assert held.headers["Retry-After"] == "1"
    assert held.json()["detail"].startswith("sign-in: too many failed attempts for this account")
    # While held, even the right password from an unknown address waits (it is not checked).
    assert sign_in(two, "127.0.0.4", victim, PASSWORD).status_code == 429

    time.sleep(1.1)
    assert sign_in(two, "127.0.0.3", victim, "guess").status_code == 401
    doubled = sign_in(one, "127.0.0.3", victim, "guess")
    assert doubled.status_code == 429 and doubled.headers["Retry-After"] == "2"

    # The owner's address signs in meanwhile: no lockout by a third party.
    assert sign_in(one, "127.0.0.2", victim, PASSWORD).status_code == 200


def test_an_address_guessing_many_accounts_is_slowed(servers):
    one, two = servers
    for _ in range(5):  # four free failures from one address, on five addresses
        unknown = f"nobody-{uuid.uuid4().hex[:6]}@studio.test"
        assert sign_in(one, "127.0.0.5", unknown, "guess").status_code == 401
    someone = new_account(one)
    held = sign_in(two, "127.0.0.5", someone, PASSWORD)
    assert held.status_code == 429
    assert "from this address" in held.json()["detail"]
    assert sign_in(two, "127.0.0.6", someone, PASSWORD).status_code == 200  # others are not
