"""The CRM sync against a fake Salesforce: exactly once, parents first, nothing lost."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from crm import sync
from db import crud
from db.models import CrmGrant, LedgerEntry, OutboxEntry, OutboxState, Project, User
from db.session import Database


def make_users(db: Database, count: int) -> list[uuid.UUID]:
    with db.transaction() as session:
        return [
            crud.users.create(
                session, email=f"user{i}-{uuid.uuid4().hex[:6]}@studio.test", password_hash="-"
            ).id
            for i in range(count)
        ]


def make_projects(db: Database, owners: list[uuid.UUID], count: int, name="Film") -> list:
    with db.transaction() as session:
        projects = [
            Project(owner_id=owners[i % len(owners)], name=f"{name} {i}") for i in range(count)
        ]
        session.add_all(projects)
        session.flush()
        return [p.id for p in projects]


def grant(db: Database, owners: list[uuid.UUID], count: int) -> None:
    with db.transaction() as session:
        for i in range(count):
            crud.credits.grant(session, owners[i % len(owners)], 5, reference=f"gift:{i}")


def outbox(db: Database, state: OutboxState) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).where(OutboxEntry.state == state))


def check_mirrors(db: Database, salesforce) -> None:
    """Every studio record is in Salesforce exactly once, with its current values."""
    with db.session(write=False) as session:
        users = {str(u.id): u for u in session.scalars(select(User))}
        projects = {str(p.id): p for p in session.scalars(select(Project))}
        entries = {str(e.id): e for e in session.scalars(select(LedgerEntry))}
        balances = {str(uid): crud.credits.balance(session, uid) for uid in map(uuid.UUID, users)}
    contacts = salesforce.of_type("Contact")
    assert set(contacts) == set(users)
    assert all(contacts[k]["Studio_Balance__c"] == balances[k] for k in users)
    assert set(salesforce.of_type("AI_Project__c")) == set(projects)
    assert set(salesforce.of_type("AI_Credit__c")) == set(entries)
    assert all(count == 1 or kind == "Contact" for (kind, _), count in salesforce.upserts.items())


def test_a_thousand_changes_arrive_once_each_parents_first(studio_db, crm_client, salesforce):
    users = make_users(studio_db, 40)
    make_projects(studio_db, users, 160)
    grant(studio_db, users, 800)
    done = sync.drain(studio_db, crm_client)

    assert done.dead == 0 and outbox(studio_db, OutboxState.pending) == 0
    check_mirrors(studio_db, salesforce)
    upserts = [r for r in salesforce.requests if r.startswith("PATCH composite")]
    records = 40 + 160 + 800
    assert len(upserts) <= 10 * records / 1000
    # Parents first: the fake refuses a child whose parent it does not have, and none was refused.
    assert upserts[0].split("/")[2] == "Contact"


def test_a_rolled_back_change_is_never_synced(studio_db):
    with pytest.raises(RuntimeError), studio_db.transaction() as session:
        session.add(User(email="ghost@studio.test", password_hash="-"))
        session.flush()
        raise RuntimeError("the request failed")
    assert outbox(studio_db, OutboxState.pending) == 0


def test_no_outbox_without_salesforce(database_url, studio_db):
    plain = Database(database_url)
    make_users(plain, 3)
    assert outbox(plain, OutboxState.pending) == 0
    plain.dispose()


def test_killed_mid_batch_with_a_flaky_salesforce_loses_nothing(
    studio_db, crm_client, salesforce, monkeypatch
):
    users = make_users(studio_db, 20)
    make_projects(studio_db, users, 80)
    grant(studio_db, users, 300)
    salesforce.fail_every = 3  # a third of the requests fail: 503s, then dropped connections

    real = crud.outbox.mark_done

    def die_once(session, ids):
        monkeypatch.setattr(crud.outbox, "mark_done", real)
        raise SystemExit("worker killed after Salesforce took the batch")

    monkeypatch.setattr(crud.outbox, "mark_done", die_once)
    with pytest.raises(SystemExit):
        sync.drain(studio_db, crm_client)
    assert outbox(studio_db, OutboxState.pending) > 0  # the batch was not confirmed here

    salesforce.fail_with = "drop"
    restarted = type(crm_client)(crm_client.settings)  # a new worker: new session, new login
    sync.drain(studio_db, restarted)
    salesforce.fail_every = 0
    sync.drain(studio_db, restarted)
    assert outbox(studio_db, OutboxState.pending) == 0 and outbox(studio_db, OutboxState.dead) == 0
    check_mirrors(studio_db, salesforce)


def test_locked_rows_and_expired_sessions_are_retried(studio_db, crm_client, salesforce):
    users = make_users(studio_db, 3)
    salesforce.locked = {str(users[1])}
    sync.drain(studio_db, crm_client)
    salesforce.expire_sessions()
    with studio_db.transaction() as session:  # make the row due now rather than after backoff
        for row in session.scalars(select(OutboxEntry)):
            row.due_at = row.created_at
    sync.drain(studio_db, crm_client)
    assert set(salesforce.of_type("Contact")) == {str(u) for u in users}
    assert outbox(studio_db, OutboxState.pending) == 0


def test_a_validation_error_dead_letters_one_record_and_the_rest_flow(
    studio_db, crm_client, salesforce
):
    users = make_users(studio_db, 2)
    good = make_projects(studio_db, users, 5)
    (bad,) = make_projects(studio_db, users, 1, name="INVALID")
    done = sync.drain(studio_db, crm_client)
    assert done.dead == 1
    assert set(salesforce.of_type("AI_Project__c")) == {str(p) for p in good}
    with studio_db.session(write=False) as session:
        (letter,) = crud.outbox.status(session).dead
    assert letter.record_id == str(bad) and "FIELD_CUSTOM_VALIDATION_EXCEPTION" in letter.error


def test_a_grant_made_in_salesforce_is_applied_once(studio_db, crm_client, salesforce):
    (user,) = make_users(studio_db, 1)
    grant(studio_db, [user], 1)
    sync.drain(studio_db, crm_client)
    grant_id = salesforce.add_grant(str(user), 250)

    # The worker dies after applying the grant and before writing back to Salesforce.
    original = crm_client.update
    crm_client.update = lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed"))
    with pytest.raises(SystemExit):
        sync.apply_grants(studio_db, crm_client)
    crm_client.update = original
    applied, since = sync.apply_grants(studio_db, crm_client)  # polled again: nothing new
    assert applied == 0
    assert sync.apply_grants(studio_db, crm_client, since)[0] == 0  # and once more

    with studio_db.session(write=False) as session:
        assert crud.credits.balance(session, user) == 255
        (record,) = session.scalars(select(CrmGrant)).all()
        assert record.written_back
    sync.drain(studio_db, crm_client)
    credits = [r for r in salesforce.of_type("AI_Credit__c").values() if r.get("Id") == grant_id]
    assert credits[0]["Applied__c"] is True
    assert credits[0]["Studio_Id__c"] == str(record.ledger_entry_id)
    # The grant's ledger entry is not sent back as a second AI_Credit__c.
    assert len(salesforce.of_type("AI_Credit__c")) == 2
    assert salesforce.of_type("Contact")[str(user)]["Studio_Balance__c"] == 255
