"""Subscriptions over HTTP: an admin sets a plan, which sets the tier and the monthly grant
(recorded in the ledger per plan); an expired plan falls back to free at the next grant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.utils.platform import create_project

FILM = {"script": "Dawn breaks over the sea.", "duration": 4, "tier": "studio"}


def subscription_url(user) -> str:
    return f"/api/v1/admin/users/{user.id}/subscription"


def studio_render(client, user) -> int:
    project = create_project(client, user)
    body = {"project_id": project["id"], **FILM}
    return client.post("/api/v1/generate/video", json=body, headers=user.headers).status_code


def test_a_pro_plan_sets_tier_and_grant_until_it_ends(client, user, admin):
    mine = client.get("/api/v1/users/me/subscription", headers=user.headers).json()
    assert mine["current_plan"] == "free" and mine["tier"] == "free"
    assert studio_render(client, user) == 403  # the studio tier needs pro

    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    put = client.put(
        subscription_url(user), json={"plan": "pro", "expires_at": until}, headers=admin.headers
    )
    assert put.status_code == 200, put.text
    assert put.json()["current_plan"] == "pro" and put.json()["monthly_grant"] == 6000
    me = client.get("/api/v1/users/me", headers=user.headers).json()
    assert me["plan"] == "pro" and me["tier"] == "pro"
    assert client.get("/api/v1/credits/balance", headers=user.headers).json()["balance"] == 6000
    ledger = client.get("/api/v1/credits/ledger", headers=user.headers).json()["items"]
    assert "(plan pro)" in ledger[0]["note"] and ledger[0]["kind"] == "monthly"
    # The plan is set again: no second grant this month.
    client.put(subscription_url(user), json={"plan": "pro"}, headers=admin.headers)
    assert client.get("/api/v1/credits/ledger", headers=user.headers).json()["total"] == 2
    assert studio_render(client, user) != 403  # past the tier check (no models here: 422)

    ended = client.delete(subscription_url(user), headers=admin.headers)
    assert ended.json()["status"] == "cancelled" and ended.json()["tier"] == "free"
    assert studio_render(client, user) == 403
    log = client.get(
        "/api/v1/admin/activity", params={"kind": "plan_change"}, headers=admin.headers
    )
    assert [e["detail"]["new"] for e in log.json()["items"]] == ["free", "pro", "pro"]
    # Only admins set plans.
    assert (
        client.put(subscription_url(user), json={"plan": "pro"}, headers=user.headers).status_code
        == 403
    )


def test_an_expired_plan_falls_back_to_free_at_the_next_grant(client, user, admin):
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    client.put(subscription_url(user), json={"plan": "pro"}, headers=admin.headers)
    client.put(
        subscription_url(user), json={"plan": "pro", "expires_at": past}, headers=admin.headers
    )
    mine = client.get("/api/v1/users/me/subscription", headers=user.headers).json()
    assert mine["status"] == "expired" and mine["current_plan"] == "free"
    assert client.get("/api/v1/users/me", headers=user.headers).json()["tier"] == "free"
    # Next month's grant: the subscription is marked expired and the free grant applies.
    platform = client.app.state.platform
    next_month = (datetime.now(UTC).replace(day=1) + timedelta(days=32)).replace(day=1)
    with platform.db.transaction() as session:
        from db import crud

        platform.top_up(
            session, crud.users.get(session, __import__("uuid").UUID(user.id)), next_month
        )
    mine = client.get("/api/v1/users/me/subscription", headers=user.headers).json()
    assert mine["status"] == "expired" and mine["monthly_grant"] == 600
    ledger = client.get("/api/v1/credits/ledger", headers=user.headers).json()["items"]
    assert ledger[0]["note"].endswith("(plan free)")
    assert ledger[0]["balance_after"] == 6000  # the grant tops up to 600, never takes away
