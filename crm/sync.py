"""The sync, both ways: the outbox drained to Salesforce; grants made there applied here.

Out: due outbox rows are read in the order they were written, several rows of one record become
one upsert of its current state, and kinds go parents first (`mapping.MAPPINGS`), up to
`salesforce_batch` records per request. A row is marked done only after Salesforce confirmed
its record, so a sync that dies mid-batch sends the batch again (upserts by external id make
that harmless). A record Salesforce refuses for a passing reason is tried again later with
backoff; one it refuses for its own reason (a validation rule) is dead-lettered with that reason
and the rest flow on. When a parent kind could not be sent, its children wait for the next round.

In: grants made in Salesforce (AI_Credit__c of kind grant, not yet applied) are polled by
`SystemModstamp`, each applied to the ledger once (keyed by its Salesforce id in crm_grants, in
the grant's own transaction), then marked applied there with its ledger id as its external id.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass

from simple_salesforce.exceptions import SalesforceError

from crm import mapping
from crm.client import RETRYABLE_CODES, Client
from db import crud
from db.models import CrmGrant, LedgerEntry
from db.outbox import SALESFORCE_REFERENCE
from db.session import Database

log = logging.getLogger(__name__)


@dataclass
class Drained:
    sent: int = 0
    dead: int = 0
    waiting: int = 0  # rows to try again later


def drain(db: Database, client: Client) -> Drained:
    """Send everything due now; returns what became of it."""
    settings = client.settings
    total = Drained()
    while True:
        with db.session(write=False) as session:
            rows = crud.outbox.due(session, settings.salesforce_batch * len(mapping.MAPPINGS))
        if not rows:
            return total
        result = _send(db, client, rows)
        total.sent, total.dead = total.sent + result.sent, total.dead + result.dead
        total.waiting += result.waiting
        if result.waiting:  # something must wait: leave it to the next round
            return total


def _send(db: Database, client: Client, rows) -> Drained:
    settings = client.settings
    result = Drained()
    by_record: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in rows:
        by_record[(row.kind, row.record_id)].append(row.id)
    kinds = sorted({kind for kind, _ in by_record}, key=mapping.ORDER.__getitem__)
    for kind in kinds:
        keys = [key for key in by_record if key[0] == kind]
        for start in range(0, len(keys), settings.salesforce_batch):
            batch = keys[start : start + settings.salesforce_batch]
            with db.session(write=False) as session:
                records = [mapping.record(session, kind, record_id) for _, record_id in batch]
            try:
                answers = client.upsert(mapping.BY_KIND[kind].sobject, records)
            except SalesforceError as error:  # the whole request refused for its content
                answers = [
                    {"success": False, "errors": [{"statusCode": "REQUEST", "message": str(error)}]}
                ] * len(batch)
            done, dead, later = [], [], []
            for key, answer in zip(batch, answers, strict=True):
                ids = by_record[key]
                if answer.get("success"):
                    done += ids
                    continue
                errors = answer.get("errors") or [{}]
                reason = "; ".join(f"{e.get('statusCode')}: {e.get('message')}" for e in errors)
                if {e.get("statusCode") for e in errors} & RETRYABLE_CODES:
                    later.append((ids, reason))
                else:
                    dead.append((ids, reason))
            with db.transaction() as session:
                crud.outbox.mark_done(session, done)
                for ids, reason in dead:
                    crud.outbox.mark_dead(session, ids, reason)
                for ids, reason in later:
                    crud.outbox.retry_later(
                        session,
                        ids,
                        reason,
                        base_s=settings.salesforce_retry_base_s,
                        max_tries=settings.salesforce_retry_max,
                    )
            result.sent += len(done)
            result.dead += sum(len(ids) for ids, _ in dead)
            result.waiting += sum(len(ids) for ids, _ in later)
            for ids, reason in dead:
                log.warning("CRM: dead letter %s (%s)", ids, reason)
        if result.waiting:
            return result  # children of what must wait are sent after it, next round
    return result


GRANTS_SOQL = (
    "SELECT Id, Amount__c, Contact__r.Studio_Id__c, SystemModstamp FROM AI_Credit__c "
    "WHERE Kind__c = 'grant' AND Applied__c = false{since} ORDER BY SystemModstamp LIMIT 200"
)


def apply_grants(db: Database, client: Client, since: str | None = None) -> tuple[int, str | None]:
    """Apply new grants made in Salesforce; returns (how many applied, the newest stamp seen)."""
    where = f" AND SystemModstamp >= {since}" if since else ""
    applied = 0
    for grant in client.query(GRANTS_SOQL.format(since=where)):
        since = max(since or "", grant["SystemModstamp"])
        salesforce_id = grant["Id"]
        user_id = (grant.get("Contact__r") or {}).get(mapping.EXTERNAL_ID)
        try:
            user = uuid.UUID(user_id or "")
        except ValueError:
            log.warning("CRM: grant %s names no studio user; skipped", salesforce_id)
            continue
        with db.transaction() as session:
            done = crud.outbox.grant_applied(session, salesforce_id)
            if done is None:
                entry = crud.credits.grant(
                    session,
                    user,
                    int(grant["Amount__c"]),
                    reference=f"{SALESFORCE_REFERENCE}{salesforce_id}",
                    note="granted in Salesforce",
                )
                done = CrmGrant(salesforce_id=salesforce_id, user_id=user, ledger_entry_id=entry.id)
                session.add(done)
                applied += 1
            balance_after = session.get(LedgerEntry, done.ledger_entry_id).balance_after
            ledger_entry_id = done.ledger_entry_id
        client.update(
            "AI_Credit__c",
            salesforce_id,
            {
                "Applied__c": True,
                mapping.EXTERNAL_ID: str(ledger_entry_id),
                "Balance_After__c": balance_after,
            },
        )
        with db.transaction() as session:
            crud.outbox.grant_applied(session, salesforce_id).written_back = True
    return applied, since
