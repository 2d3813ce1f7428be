"""The activity log over HTTP: sign-ins (and failed ones), token reuse, logout, role changes,
grants and deletions are recorded with who, when and from where; admins read and filter all of
it, each user reads their own account's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.utils.platform import PASSWORD, Account, create_project

ADMIN_LOG = "/api/v1/admin/activity"
MY_LOG = "/api/v1/users/me/activity"


def sign_in(client, user: Account) -> Account:
    signed_in = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    tokens = signed_in.json()
    return Account(user.id, user.email, tokens["access_token"], tokens["refresh_token"])


def kinds(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [e["kind"] for e in response.json()["items"]]


def test_actions_are_logged_and_read_back(client, user, admin):
    # A failed sign-in to the user's account and to an unknown address.
    wrong = {"email": user.email, "password": "not the password"}
    assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
    nobody = {"email": "nobody@studio.test", "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=nobody).status_code == 401
    # A refresh token replayed after its rotation: the family is revoked and it is logged.
    rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert rotated.status_code == 200
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert replay.status_code == 401
    # Admin actions on the user's account.
    users = f"/api/v1/admin/users/{user.id}"
    assert client.patch(users, json={"role": "pro_user"}, headers=admin.headers).status_code == 200
    grant = client.post(
        f"{users}/credits", json={"amount": 25, "note": "thanks"}, headers=admin.headers
    )
    assert grant.status_code == 201
    # The user deletes a project, then logs out a fresh session.
    session = sign_in(client, user)
    project = create_project(client, session)
    gone = client.delete(f"/api/v1/projects/{project['id']}", headers=session.headers)
    assert gone.status_code == 204
    logout = client.post("/api/v1/auth/logout", json={"refresh_token": session.refresh_token})
    assert logout.status_code == 204

    mine = client.get(MY_LOG, params={"limit": 100}, headers=sign_in(client, user).headers)
    assert kinds(mine) == [
        "sign_in",
        "logout",
        "project_delete",
        "sign_in",
        "credit_grant",
        "role_change",
        "token_reuse",
        "sign_in_failed",
        "sign_in",
    ]
    entries = {e["kind"]: e for e in mine.json()["items"]}
    assert entries["sign_in"]["ip"] == "testclient" and entries["sign_in"]["email"] == user.email
    assert entries["role_change"]["detail"] == {"old": "free_user", "new": "pro_user"}
    assert entries["role_change"]["actor_id"] == admin.id
    assert entries["role_change"]["ip"] is None  # the admin's address is not shown to the user
    assert entries["credit_grant"]["detail"] == {"amount": 25, "note": "thanks"}
    assert entries["project_delete"]["detail"]["name"] == project["name"]
    assert all(e["user_id"] == user.id for e in mine.json()["items"])

    # The admin sees everything, filtered by account, kind and time.
    everyone = client.get(ADMIN_LOG, params={"limit": 100}, headers=admin.headers).json()
    unknown = [e for e in everyone["items"] if e["email"] == "nobody@studio.test"]
    assert [(e["kind"], e["user_id"], e["ip"]) for e in unknown] == [
        ("sign_in_failed", None, "testclient")
    ]
    failed = client.get(ADMIN_LOG, params={"kind": "sign_in_failed"}, headers=admin.headers)
    assert kinds(failed) == ["sign_in_failed", "sign_in_failed"]
    by_user = client.get(
        ADMIN_LOG, params={"user_id": user.id, "kind": "sign_in"}, headers=admin.headers
    )
    assert kinds(by_user) == ["sign_in", "sign_in", "sign_in"]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert kinds(client.get(ADMIN_LOG, params={"since": later}, headers=admin.headers)) == []
    assert client.get(ADMIN_LOG, params={"until": later}, headers=admin.headers).json()[
        "total"
    ] == len(everyone["items"])
    # Paged, newest first, with the bounds in the schema.
    first = client.get(ADMIN_LOG, params={"limit": 2}, headers=admin.headers).json()
    second = client.get(ADMIN_LOG, params={"limit": 2, "offset": 2}, headers=admin.headers).json()
    assert [e["id"] for e in first["items"] + second["items"]] == [
        e["id"] for e in everyone["items"][:4]
    ]
    too_many = client.get(ADMIN_LOG, params={"limit": 1000}, headers=admin.headers)
    assert too_many.status_code == 422 and too_many.json()["detail"][0]["loc"] == [
        "query",
        "limit",
    ]
    bad_kind = client.get(ADMIN_LOG, params={"kind": "teleport"}, headers=admin.headers)
    assert bad_kind.status_code == 422 and bad_kind.json()["detail"][0]["loc"] == ["query", "kind"]


def test_only_admins_read_the_whole_log(client, user, other_user):
    assert client.get(ADMIN_LOG, headers=user.headers).status_code == 403
    assert client.get(ADMIN_LOG).status_code == 401
    # A user's own log holds nothing of another account's.
    theirs = client.get(MY_LOG, headers=other_user.headers).json()["items"]
    assert {e["user_id"] for e in theirs} == {other_user.id}


def test_an_action_refused_leaves_no_entry(client, user, admin):
    grant = client.post(
        f"/api/v1/admin/users/{user.id}/credits", json={"amount": -(10**6)}, headers=admin.headers
    )
    assert grant.status_code == 409  # the balance would go below zero: nothing granted
    logged = client.get(ADMIN_LOG, params={"kind": "credit_grant"}, headers=admin.headers)
    assert kinds(logged) == []
