"""Credits: the monthly grant, holds at submit, 402 when short, grants, and no double anything."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from db import crud
from db.models import Job, LedgerKind
from db.session import Database
from tests.utils.platform import LiveServer, create_project, make_settings, register

BALANCE = "/api/v1/credits/balance"
LEDGER = "/api/v1/credits/ledger"
FILM = {"script": "Dawn breaks over the sea.", "duration": 4}  # 4 s draft: 4 credits


def submit(client, account, project_id, **changes):
    return client.post(
        "/api/v1/generate/video",
        json={"project_id": project_id, **FILM, **changes},
        headers=account.headers,
    )


def balance(client, account) -> int:
    return client.get(BALANCE, headers=account.headers).json()["balance"]


def ledger(client, account) -> list[dict]:
    return client.get(LEDGER, params={"limit": 100}, headers=account.headers).json()["items"]


def test_new_users_get_the_monthly_grant_once(client, user, settings):
    assert client.get(BALANCE, headers=user.headers).json() == {
        "balance": 600,
        "monthly_allowance": 600,
    }
    register_again = client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "correct horse battery"}
    )
    assert register_again.status_code == 200
    entries = ledger(client, user)
    assert [e["kind"] for e in entries] == ["monthly"] and entries[0]["amount"] == 600


def test_monthly_grant_tops_up_without_piling_up(client, user, settings):
    database = Database(settings.database_url)
    next_month = datetime.now(UTC).replace(day=1) + timedelta(days=32)
    with database.transaction() as session:
        crud.credits.grant(session, uuid.UUID(user.id), -500, reference="spend")
        account = crud.users.get(session, uuid.UUID(user.id))
        crud.credits.top_up_monthly(session, account, 600, now=next_month)
        crud.credits.top_up_monthly(session, account, 600, now=next_month)  # once per month
    with database.session() as session:
        assert crud.credits.balance(session, uuid.UUID(user.id)) == 600
        assert crud.credits.ledger_sum(session, uuid.UUID(user.id)) == 600
    database.dispose()


def test_submit_holds_credits_and_402_when_short(tmp_path, database_url, keys_dir):
    from fastapi.testclient import TestClient

    from serve_apps.api.main import create_app

    settings = make_settings(tmp_path, database_url, keys_dir, monthly_grant_free=10)
    with TestClient(create_app(settings)) as client:
        user = register(client)
        project = create_project(client, user)
        first = submit(client, user, project["id"])
        assert first.status_code == 202
        assert first.json()["cost"] == 4 and first.json()["balance"] == 6
        assert submit(client, user, project["id"]).status_code == 202
        short = submit(client, user, project["id"])
        assert short.status_code == 402
        assert short.json()["detail"]["balance"] == 2 and short.json()["detail"]["needed"] == 4
        assert balance(client, user) == 2
        assert client.get("/api/v1/jobs", headers=user.headers).json()["total"] == 2


def test_refused_request_takes_no_credit(client, user, project):
    too_short = submit(client, user, project["id"], duration=1)
    assert too_short.status_code == 422 and too_short.json()["detail"][0]["loc"] == [
        "body",
        "duration",
    ]
    bad_size = submit(client, user, project["id"], size="640x480")
    assert bad_size.status_code == 422 and bad_size.json()["detail"][0]["loc"] == ["body", "size"]
    bad_fps = submit(client, user, project["id"], fps=12)
    assert bad_fps.status_code == 422 and bad_fps.json()["detail"][0]["loc"] == ["body", "fps"]
    missing_image = submit(client, user, project["id"], image_ids=[str(uuid.uuid4())])
    assert missing_image.status_code == 422 and missing_image.json()["detail"][0]["loc"] == [
        "body",
        "image_ids",
        "0",
    ]
    studio = submit(client, user, project["id"], tier="studio")
    assert studio.status_code == 403 and "tier" in studio.json()["detail"]
    two_shots = "Night falls on the sea.\n\nDawn breaks."  # two shots and a hold: ≥ 6.5 s
    cannot_fit = submit(client, user, project["id"], script=two_shots, duration=6)
    assert cannot_fit.status_code == 422
    problem = cannot_fit.json()["detail"][0]
    assert problem["loc"] == ["body", "duration"]
    assert "needs at least 6.5 s" in problem["msg"] and "asked for 6 s" in problem["msg"]
    assert balance(client, user) == 600 and [e["kind"] for e in ledger(client, user)] == ["monthly"]


def test_other_users_project_is_404(client, user, other_user, project):
    assert submit(client, other_user, project["id"]).status_code == 404
    assert balance(client, other_user) == 600


def test_cancel_of_a_queued_job_releases_its_hold(client, user, project):
    job = submit(client, user, project["id"]).json()
    assert balance(client, user) == 596
    cancelled = client.post(f"/api/v1/jobs/{job['job_id']}/cancel", headers=user.headers)
    assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
    assert balance(client, user) == 600
    assert [e["kind"] for e in ledger(client, user)] == ["release", "reserve", "monthly"]
    again = client.post(f"/api/v1/jobs/{job['job_id']}/cancel", headers=user.headers)
    assert again.status_code == 202 and balance(client, user) == 600


def test_idempotent_submit_charges_once(client, user, project):
    headers = {**user.headers, "Idempotency-Key": "film-1"}
    body = {"project_id": project["id"], **FILM}
    first = client.post("/api/v1/generate/video", json=body, headers=headers)
    again = client.post("/api/v1/generate/video", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert balance(client, user) == 596
    assert client.get("/api/v1/jobs", headers=user.headers).json()["total"] == 1


def test_admin_grants(client, user, admin):
    url = f"/api/v1/admin/users/{user.id}/credits"
    assert client.post(url, json={"amount": 100}, headers=user.headers).status_code == 403
    headers = {**admin.headers, "Idempotency-Key": "grant-1"}
    granted = client.post(url, json={"amount": 100, "note": "welcome"}, headers=headers)
    repeated = client.post(url, json={"amount": 100, "note": "welcome"}, headers=headers)
    assert granted.status_code == repeated.status_code == 201
    assert granted.json()["balance_after"] == 700 and balance(client, user) == 700
    too_much = client.post(url, json={"amount": -1000}, headers=admin.headers)
    assert too_much.status_code == 409 and balance(client, user) == 700
    users = client.get("/api/v1/admin/users", headers=admin.headers).json()
    assert {u["email"]: u["balance"] for u in users["items"]}[user.email] == 700


def test_capture_and_release_happen_once_and_exclude_each_other(client, user, project, settings):
    job_id = uuid.UUID(submit(client, user, project["id"]).json()["job_id"])
    database = Database(settings.database_url)
    with database.transaction() as session:
        job = session.get(Job, job_id)
        assert crud.credits.capture(session, job).kind == LedgerKind.capture
        assert crud.credits.capture(session, job).kind == LedgerKind.capture  # the same entry
        assert crud.credits.release(session, job) is None  # spent: nothing to give back
    with database.session() as session:
        kinds = [
            e.kind for e in crud.credits.history(session, uuid.UUID(user.id), offset=0, limit=10)[0]
        ]
        assert kinds == ["capture", "reserve", "monthly"]
        assert crud.credits.balance(session, uuid.UUID(user.id)) == 596
    database.dispose()


@pytest.mark.timeout(180)
def test_forty_concurrent_submits_with_credit_for_twenty(tmp_path, database_url, keys_dir):
    """Over real HTTP, 40 submits at once against a balance for 20: exactly 20 are accepted."""
    from serve_apps.api.main import create_app

    settings = make_settings(tmp_path, database_url, keys_dir, monthly_grant_free=20 * 4)
    with LiveServer(create_app(settings)) as server:

        async def scenario() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                email = "busy@studio.test"
                await http.post(
                    "/api/v1/auth/register",
                    json={"email": email, "password": "correct horse battery"},
                )
                login = await http.post(
                    "/api/v1/auth/login", json={"email": email, "password": "correct horse battery"}
                )
                headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
                project = (
                    await http.post("/api/v1/projects", json={"name": "Rush"}, headers=headers)
                ).json()
                body = {"project_id": project["id"], **FILM}
                return await asyncio.gather(
                    *(
                        http.post("/api/v1/generate/video", json=body, headers=headers)
                        for _ in range(40)
                    )
                )

        responses = asyncio.run(scenario())

    codes = sorted(r.status_code for r in responses)
    assert codes.count(202) == 20 and codes.count(402) == 20, codes
    database = Database(settings.database_url)
    with database.session() as session:
        user = crud.users.get_by_email(session, "busy@studio.test")
        assert crud.credits.balance(session, user.id) == 0
        assert crud.credits.ledger_sum(session, user.id) == 0
        jobs, total = crud.jobs.list_page(session, owner_id=user.id, offset=0, limit=100)
        assert total == 20
        entries, _ = crud.credits.history(session, user.id, offset=0, limit=100)
        reserves = [e for e in entries if e.kind == LedgerKind.reserve]
        assert len(reserves) == 20 and {e.job_id for e in reserves} == {j.id for j in jobs}
        assert min(e.balance_after for e in entries) == 0
    database.dispose()


def test_studio_tier_needs_pro_and_models(client, user, admin, project):
    assert submit(client, user, project["id"], tier="studio").status_code == 403
    assert (
        client.patch(
            f"/api/v1/admin/users/{user.id}", json={"role": "pro_user"}, headers=admin.headers
        ).json()["tier"]
        == "pro"
    )
    refused = submit(client, user, project["id"], tier="studio")  # no model directory here
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "tier"]
    assert submit(client, user, project["id"]).status_code == 202  # the draft tier still works


def test_admin_lists_every_job(client, user, other_user, admin, project):
    submit(client, user, project["id"])
    other_project = create_project(client, other_user)
    submit(client, other_user, other_project["id"])
    assert client.get("/api/v1/admin/jobs", headers=user.headers).status_code == 403
    every = client.get("/api/v1/admin/jobs", headers=admin.headers).json()
    assert every["total"] == 2 and {j["owner_id"] for j in every["items"]} == {
        user.id,
        other_user.id,
    }
    queued = client.get(
        "/api/v1/admin/jobs", params={"status": "queued"}, headers=admin.headers
    ).json()
    assert queued["total"] == 2
    mine = client.get("/api/v1/jobs", headers=user.headers).json()
    assert mine["total"] == 1 and mine["items"][0]["owner_id"] == user.id
