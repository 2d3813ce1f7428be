"""Accounts people can recover, over HTTP, with the mail caught by a local SMTP server.

Email verification before the first render, a password reset by a mailed single-use link,
changing the password (the account's other sessions end), and the activity log of each.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import time

import pytest

from tests.utils.platform import (
    PASSWORD,
    Account,
    create_project,
    free_port,
    make_settings,
    register,
)

ME = "/api/v1/users/me"
FORGOT = "/api/v1/auth/password/forgot"
RESET = "/api/v1/auth/password/reset"
CHANGE = "/api/v1/auth/password"
VERIFY = "/api/v1/auth/email/verify"
RESEND = "/api/v1/auth/email/verification"
NEW_PASSWORD = "a brand new passphrase"


class Sink:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def links(self, to: str) -> list[str]:
        """The tokens of the links mailed to `to`, oldest first."""
        return [
            re.search(r"#token=([\w-]+)", m.get_content()).group(1)
            for m in self.messages
            if m["To"] == to
        ]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture
def studio(tmp_path, database_url, keys_dir, smtp):
    """Start the studio with verification required and mail to the sink; overrides apply."""
    from fastapi.testclient import TestClient

    from serve_apps.api.main import create_app

    clients = []

    def start(**overrides) -> TestClient:
        values = dict(
            require_verified_email=True,
            public_url="https://studio.test",
            smtp_host="127.0.0.1",
            smtp_port=smtp[1],
            smtp_security="none",
        )
        settings = make_settings(tmp_path, database_url, keys_dir, **(values | overrides))
        client = TestClient(create_app(settings))
        clients.append(client.__enter__())
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def sign_in(client, email_address: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email_address, "password": password})


def session_of(client, account: Account, password: str = PASSWORD) -> Account:
    tokens = sign_in(client, account.email, password).json()
    return Account(account.id, account.email, tokens["access_token"], tokens["refresh_token"])


def kinds(client, account: Account) -> list[str]:
    log = client.get(f"{ME}/activity", params={"limit": 100}, headers=account.headers)
    return [entry["kind"] for entry in log.json()["items"]]


def test_the_first_render_waits_for_a_verified_email(studio, smtp):
    client, sink = studio(), smtp[0]
    user = register(client)
    assert client.get(ME, headers=user.headers).json()["email_verified"] is False
    message = sink.messages[-1]
    assert message["To"] == user.email and "Confirm" in message["Subject"]
    assert "https://studio.test/verify-email#token=" in message.get_content()

    project = create_project(client, user)
    film = {"project_id": project["id"], "script": "Dawn breaks over the sea.", "duration": 4}
    refused = client.post("/api/v1/generate/video", json=film, headers=user.headers)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("email: verify your email address")

    (token,) = sink.links(user.email)
    verified = client.post(VERIFY, json={"token": token})
    assert verified.status_code == 200 and verified.json()["email_verified"] is True
    assert client.post(VERIFY, json={"token": token}).status_code == 400  # used once
    accepted = client.post("/api/v1/generate/video", json=film, headers=user.headers)
    assert accepted.status_code == 202, accepted.text
    assert "email_verified" in kinds(client, user)
    # Verified: no other link is mailed.
    assert client.post(RESEND, headers=user.headers).status_code == 409


def test_a_new_verification_link_once_a_minute(studio, smtp):
    client, sink = studio(), smtp[0]
    user = register(client)
    too_soon = client.post(RESEND, headers=user.headers)
    assert too_soon.status_code == 429 and int(too_soon.headers["Retry-After"]) > 0
    client = studio(mail_interval_s=0)
    assert client.post(RESEND, headers=user.headers).status_code == 202
    first, second = sink.links(user.email)
    # Either link works, once; using one spends the other.
    assert client.post(VERIFY, json={"token": second}).status_code == 200
    assert client.post(VERIFY, json={"token": first}).status_code == 400


def test_password_reset_by_mail_ends_every_session(studio, smtp):
    client, sink = studio(), smtp[0]
    user = register(client)
    other = session_of(client, user)
    mailed = len(sink.messages)

    asked = client.post(FORGOT, json={"email": user.email})
    assert asked.status_code == 202
    assert len(sink.messages) == mailed + 1
    message = sink.messages[-1]
    assert message["To"] == user.email and "Reset" in message["Subject"]
    assert "https://studio.test/reset-password#token=" in message.get_content()
    # An unknown address gets the same answer and no mail; a second ask at once sends none.
    nobody = client.post(FORGOT, json={"email": "nobody@studio.test"})
    assert nobody.status_code == 202 and nobody.json()["detail"].startswith("if ")
    assert client.post(FORGOT, json={"email": user.email}).status_code == 202
    assert len(sink.messages) == mailed + 1

    token = sink.links(user.email)[-1]
    short = client.post(RESET, json={"token": token, "new_password": "short"})
    assert short.status_code == 422  # refused before the link is spent
    assert (
        client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD}).status_code == 204
    )
    again = client.post(RESET, json={"token": token, "new_password": "yet another one!"})
    assert again.status_code == 400 and again.json()["detail"].startswith("token:")

    assert sign_in(client, user.email).status_code == 401
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 200
    for session in (user, other):  # every session ended: access and refresh tokens
        assert client.get(ME, headers=session.headers).status_code == 401
        refresh = {"refresh_token": session.refresh_token}
        assert client.post("/api/v1/auth/refresh", json=refresh).status_code == 401
    now = session_of(client, user, NEW_PASSWORD)
    assert client.get(ME, headers=now.headers).json()["email_verified"] is True  # mailbox proven
    log = kinds(client, now)
    assert log.index("password_reset") < log.index("password_reset_requested")


def test_reset_links_expire(studio, smtp):
    client, sink = studio(password_reset_minutes=0.002), smtp[0]  # 120 ms
    user = register(client)
    client.post(FORGOT, json={"email": user.email})
    time.sleep(0.3)
    late = {"token": sink.links(user.email)[-1], "new_password": NEW_PASSWORD}
    assert client.post(RESET, json=late).status_code == 400
    assert sign_in(client, user.email).status_code == 200


def test_changing_the_password_needs_the_old_one_and_ends_other_sessions(studio):
    client = studio()
    user = register(client)
    other = session_of(client, user)

    wrong = client.post(
        CHANGE,
        json={"old_password": "not it at all", "new_password": NEW_PASSWORD},
        headers=user.headers,
    )
    assert wrong.status_code == 403 and wrong.json()["detail"].startswith("old_password:")
    change = {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.post(CHANGE, json=change, headers=user.headers).status_code == 204

    assert client.get(ME, headers=user.headers).status_code == 200  # this session stays
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert refreshed.status_code == 200
    assert client.get(ME, headers=other.headers).status_code == 401  # the other one ended
    gone = client.post("/api/v1/auth/refresh", json={"refresh_token": other.refresh_token})
    assert gone.status_code == 401
    assert sign_in(client, user.email).status_code == 401
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 200
    assert "password_change" in kinds(client, session_of(client, user, NEW_PASSWORD))


def test_without_smtp_the_link_is_logged_for_the_operator(studio, caplog):
    client = studio(smtp_host=None)
    user = register(client)
    with caplog.at_level(logging.WARNING, logger="serve_apps.api.mail"):
        assert client.post(FORGOT, json={"email": user.email}).status_code == 202
    logged = [r.getMessage() for r in caplog.records if r.name == "serve_apps.api.mail"]
    assert any(user.email in line and "/reset-password#token=" in line for line in logged)
