"""Idempotency-Key: repeats get the first answer, even while the first is still in flight."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from db import crud
from db.models import Job
from db.session import Database
from serve_apps.api import idempotency
from serve_apps.api.idempotency import fingerprint
from tests.utils.platform import PASSWORD, LiveServer, make_settings

VIDEO = "/api/v1/generate/video"
FILM = {"script": "Dawn breaks over the sea.", "duration": 4}  # 4 s draft: 4 credits


async def _account(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    await http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    login = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


@pytest.mark.timeout(300)
def test_concurrent_repeats_of_one_key_get_the_first_answer(tmp_path, database_url, keys_dir):
    """Over real HTTP, 20 rounds: ten identical submits at once with one key, credit for one
    film. Every answer is the first one; one job is made and charged once."""
    from serve_apps.api.main import create_app

    settings = make_settings(tmp_path, database_url, keys_dir, monthly_grant_free=4)
    rounds = 20
    with LiveServer(create_app(settings)) as server:

        async def scenario() -> list[tuple[str, list[httpx.Response]]]:
            results = []
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                for i in range(rounds):
                    email = f"round-{i}@studio.test"
                    headers = await _account(http, email)
                    project = await http.post(
                        "/api/v1/projects", json={"name": "Rush"}, headers=headers
                    )
                    body = {"project_id": project.json()["id"], **FILM}
                    keyed = {**headers, "Idempotency-Key": f"film-{i}"}
                    answers = await asyncio.gather(
                        *(http.post(VIDEO, json=body, headers=keyed) for _ in range(10))
                    )
                    results.append((email, list(answers)))
            return results

        results = asyncio.run(scenario())

    database = Database(settings.database_url)
    try:
        for email, answers in results:
            seen = {(r.status_code, r.text) for r in answers}
            assert len(seen) == 1, sorted(seen)
            assert answers[0].status_code == 202
            with database.session() as session:
                user = crud.users.get_by_email(session, email)
                jobs = session.query(Job).filter(Job.owner_id == user.id).count()
                assert jobs == 1
                assert crud.credits.balance(session, user.id) == 0
    finally:
        database.dispose()


def test_a_key_reused_for_another_body_is_refused(client, user, project):
    headers = {**user.headers, "Idempotency-Key": "film-1"}
    first = client.post(VIDEO, json={"project_id": project["id"], **FILM}, headers=headers)
    assert first.status_code == 202
    other = client.post(
        VIDEO, json={"project_id": project["id"], **FILM, "seed": 3}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert client.get("/api/v1/jobs", headers=user.headers).json()["total"] == 1


def test_a_refused_request_keeps_no_answer(client, user, project, admin):
    """Nothing was made, so a repeat after the cause is fixed (here: credits granted) runs."""
    headers = {**user.headers, "Idempotency-Key": "long-film"}
    body = {"project_id": project["id"], **FILM, "duration": 10}
    spend = client.post(
        f"/api/v1/admin/users/{user.id}/credits", json={"amount": -595}, headers=admin.headers
    )
    assert spend.status_code == 201
    short = client.post(VIDEO, json=body, headers=headers)
    assert short.status_code == 402 and short.json()["detail"]["balance"] == 5
    grant = client.post(
        f"/api/v1/admin/users/{user.id}/credits", json={"amount": 5}, headers=admin.headers
    )
    assert grant.status_code == 201
    again = client.post(VIDEO, json=body, headers=headers)
    assert again.status_code == 202 and again.json()["balance"] == 0
    replayed = client.post(VIDEO, json=body, headers=headers)
    assert replayed.json() == again.json()
    assert replayed.headers["Idempotent-Replayed"] == "true"


def test_keys_belong_to_their_user(client, user, other_user):
    """Two users may use the same key; each gets their own project."""
    made = []
    for account in (user, other_user):
        headers = {**account.headers, "Idempotency-Key": "same"}
        made.append(client.post("/api/v1/projects", json={"name": "A"}, headers=headers).json())
    assert made[0]["id"] != made[1]["id"]
    assert made[0]["owner_id"] == user.id and made[1]["owner_id"] == other_user.id
    assert uuid.UUID(made[0]["id"])


def _claim_left_behind(settings, user, body: bytes, key: str, age: timedelta) -> None:
    """The row a request that claimed `key` and then died (or still works) leaves."""
    database = Database(settings.database_url)
    try:
        with database.transaction() as session:
            record = crud.idempotency.claim(
                session,
                scope=f"user:{user.id}",
                key=key,
                fingerprint=fingerprint("POST", "/api/v1/projects", body),
                token="0" * 32,
            )
            record.claimed_at = datetime.now(UTC) - age
    finally:
        database.dispose()


def test_a_repeat_while_the_first_still_works_gets_409_with_retry_after(
    client, user, settings, monkeypatch
):
    monkeypatch.setattr(idempotency, "WAIT_S", 0.3)
    body = b'{"name": "Busy"}'
    _claim_left_behind(settings, user, body, "busy", timedelta(seconds=1))
    headers = {**user.headers, "Idempotency-Key": "busy", "Content-Type": "application/json"}
    response = client.post("/api/v1/projects", content=body, headers=headers)
    assert response.status_code == 409 and int(response.headers["Retry-After"]) > 0
    assert "Idempotency-Key" in response.json()["detail"]
    assert client.get("/api/v1/projects", headers=user.headers).json()["total"] == 0


def test_a_claim_left_by_a_dead_request_expires(client, user, settings):
    body = b'{"name": "Orphan"}'
    _claim_left_behind(settings, user, body, "orphan", idempotency.CLAIM_EXPIRES * 2)
    headers = {**user.headers, "Idempotency-Key": "orphan", "Content-Type": "application/json"}
    first = client.post("/api/v1/projects", content=body, headers=headers)
    again = client.post("/api/v1/projects", content=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert client.get("/api/v1/projects", headers=user.headers).json()["total"] == 1
