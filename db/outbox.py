"""The CRM outbox: every change Salesforce should see is noted in the change's own transaction.

An `after_flush` listener on the write sessions (`Database(url, outbox=True)`, which the
platform sets when Salesforce is configured) adds one `crm_outbox` row per changed record, so
nothing that rolled back is synced and nothing that committed is missed, whichever code path
made the change. Rows name the record, not its values: the sync reads the record when it sends
it (see crm/sync.py).
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from db.models import Job, JobKind, JobStatus, LedgerEntry, OutboxEntry, Project, Publication, User

FINISHED = {JobStatus.succeeded, JobStatus.failed}
# Grants made in Salesforce carry this reference; the sync writes their ledger id back there.
SALESFORCE_REFERENCE = "salesforce:"
NOTED = "crm_outbox_noted"  # session.info: (kind, id) pairs noted in this transaction


def changed_records(obj, deleted: bool) -> list[tuple[str, str]]:
    """(kind, record id) pairs Salesforce should see for a new, changed or deleted object."""
    if isinstance(obj, User):
        return [("contact", str(obj.id))]
    if isinstance(obj, Project):
        return [("project", str(obj.id))]
    if isinstance(obj, LedgerEntry) and not deleted:
        entries = [("contact", str(obj.user_id))]  # the balance changed
        if not obj.reference.startswith(SALESFORCE_REFERENCE):
            entries.append(("credit", str(obj.id)))
        return entries
    if isinstance(obj, Job) and obj.kind == JobKind.video and not deleted:
        status = inspect(obj).attrs.status.history.added
        if status and status[0] in FINISHED:
            return [("project", str(obj.project_id))]  # renders, last film, needs attention
    if isinstance(obj, Publication):
        return [("publication", str(obj.id))]
    return []


def _note_changes(session: Session, _context) -> None:
    """After a flush (new rows have their ids; the session still lists what it flushed), add
    the outbox rows, which the transaction's next flush writes before it commits."""
    seen: set[tuple[str, str]] = session.info.setdefault(NOTED, set())  # once per transaction
    for objects, deleted in ((session.new, False), (session.dirty, False), (session.deleted, True)):
        for obj in list(objects):
            if isinstance(obj, OutboxEntry) or (not deleted and not session.is_modified(obj)):
                continue
            for kind, record_id in changed_records(obj, deleted):
                if (kind, record_id) not in seen:
                    seen.add((kind, record_id))
                    session.add(OutboxEntry(kind=kind, record_id=record_id))


def _forget_noted(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(NOTED, None)


def install(sessions) -> None:
    """Note changes made through `sessions` (a sessionmaker) in the outbox."""
    event.listen(sessions, "after_flush", _note_changes)
    event.listen(sessions, "after_transaction_end", _forget_noted)
