"""The sync as a service: admins see and retry it over HTTP; the Ray worker outlives its death."""

from __future__ import annotations

import time

import pytest

from crm import sync
from tests.utils.platform import ADMIN_EMAIL, create_project, register


@pytest.fixture
def crm_api(crm_settings):
    from fastapi.testclient import TestClient

    from serve_apps.api.main import create_app

    with TestClient(create_app(crm_settings)) as client:
        yield client


def test_admins_see_the_sync_and_retry_a_dead_letter(crm_api, studio_db, crm_client, salesforce):
    admin = register(crm_api, ADMIN_EMAIL)
    user = register(crm_api)
    create_project(crm_api, user, "Harbour")
    bad = create_project(crm_api, user, "INVALID name")

    waiting = crm_api.get("/api/v1/admin/crm", headers=admin.headers).json()
    assert waiting["configured"] and waiting["pending"] > 0
    assert waiting["oldest_pending_age_s"] >= 0

    sync.drain(studio_db, crm_client)
    state = crm_api.get("/api/v1/admin/crm", headers=admin.headers).json()
    assert state["pending"] == 0 and state["last_success_at"]
    (letter,) = state["dead_letters"]
    assert letter["record_id"] == bad["id"] and "FIELD_CUSTOM_VALIDATION" in letter["error"]
    assert {r["Name"] for r in salesforce.of_type("AI_Project__c").values()} == {"Harbour"}

    # Fixed in the studio, then retried: it flows.
    renamed = crm_api.patch(
        f"/api/v1/projects/{bad['id']}", json={"name": "Lamp room"}, headers=user.headers
    )
    assert renamed.status_code == 200
    retry = f"/api/v1/admin/crm/dead-letters/{letter['id']}/retry"
    assert crm_api.post(retry, headers=user.headers).status_code == 403
    assert crm_api.post(retry, headers=admin.headers).status_code == 200
    assert crm_api.post(retry, headers=admin.headers).status_code == 404  # no longer dead
    sync.drain(studio_db, crm_client)
    assert crm_api.get("/api/v1/admin/crm", headers=admin.headers).json()["dead_letters"] == []
    names = {r["Name"] for r in salesforce.of_type("AI_Project__c").values()}
    assert names == {"Harbour", "Lamp room"}


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the sync worker did not catch up"
        time.sleep(0.2)


def test_the_worker_survives_its_own_death(ray_session, crm_settings, studio_db, salesforce):
    from crm import worker
    from tests.crm.test_sync import make_users

    handle = worker.start(crm_settings)
    try:
        first = make_users(studio_db, 5)
        wait_for(lambda: {str(u) for u in first} <= set(salesforce.of_type("Contact")))
        ray_session.kill(handle, no_restart=False)  # Ray restarts it
        later = make_users(studio_db, 5)
        wait_for(lambda: {str(u) for u in later} <= set(salesforce.of_type("Contact")))
        assert all(n == 1 for n in salesforce.upserts.values())
    finally:
        ray_session.kill(handle, no_restart=True)


def test_cli_backfills_syncs_and_reports(crm_settings, studio_db, salesforce, monkeypatch):
    from typer.testing import CliRunner

    from db.session import Database
    from filmstudio.cli import app
    from tests.crm.test_sync import make_users

    before_salesforce = Database(crm_settings.database_url)  # users from before the CRM
    users = make_users(before_salesforce, 3)
    before_salesforce.dispose()
    monkeypatch.setenv("FILMSTUDIO_DATABASE_URL", crm_settings.database_url)
    monkeypatch.setenv("FILMSTUDIO_VAR_DIR", str(crm_settings.var_dir))
    for name, value in salesforce.settings().items():
        monkeypatch.setenv(f"FILMSTUDIO_{name.upper()}", str(value))
    runner = CliRunner()
    assert "queued 3 records" in runner.invoke(app, ["crm", "backfill"]).output
    assert "sent 3" in runner.invoke(app, ["crm", "sync"]).output
    status = runner.invoke(app, ["crm", "status"]).output
    assert "configured" in status and "pending: 0" in status
    assert set(salesforce.of_type("Contact")) == {str(u) for u in users}
