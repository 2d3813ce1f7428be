"""`make bench`: the Salesforce sync's lag and request count.

1,000 changes (users, projects, ledger entries) are committed over 10 s against a fake
Salesforce on loopback (HTTPS, the real simple-salesforce client) while the sync drains the
outbox every 0.5 s, as its worker does. Reported: the lag from each change's commit to the fake
holding it (p50, p99), and upsert requests per 1,000 records.

Prints a human summary, then one JSON object as the last line.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHANGES = 1000
SPREAD_S = 10.0
POLL_S = 0.5


def main() -> None:
    from crm import sync
    from crm.client import Client
    from db import crud
    from db.migrate import upgrade
    from db.session import Database
    from infra.settings import Settings
    from tests.utils.fake_salesforce import FakeSalesforce

    tmp = Path(tempfile.mkdtemp())
    fake = FakeSalesforce(tmp)
    url = f"sqlite:///{tmp / 'studio.db'}"
    upgrade(url)
    settings = Settings(var_dir=tmp / "var", database_url=url, **fake.settings())
    db, client = Database.from_settings(settings), Client(settings)

    committed: dict[str, float] = {}  # external id → commit time
    arrived: dict[str, float] = {}
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            sync.drain(db, client)
            now = time.perf_counter()
            for kind in ("Contact", "AI_Project__c", "AI_Credit__c"):
                for key in fake.of_type(kind):
                    arrived.setdefault(key, now)
            time.sleep(POLL_S)

    worker = threading.Thread(target=drain, daemon=True)
    worker.start()
    users: list[uuid.UUID] = []
    started = time.perf_counter()
    for i in range(CHANGES):
        with db.transaction() as session:
            if i % 10 == 0 or not users:
                made = crud.users.create(session, email=f"u{i}@bench.test", password_hash="-")
                users.append(made.id)
                key = str(made.id)
            elif i % 5 == 1:
                owner = crud.users.get(session, users[-1])
                project = crud.projects.create(session, owner=owner, name=f"Film {i}")
                key = str(project.id)
            else:
                entry = crud.credits.grant(session, users[i % len(users)], 1, reference=f"b{i}")
                key = str(entry.id)
        committed[key] = time.perf_counter()
        time.sleep(max(0.0, started + SPREAD_S * (i + 1) / CHANGES - time.perf_counter()))
    deadline = time.perf_counter() + 60
    while len(set(committed) & set(arrived)) < len(committed) and time.perf_counter() < deadline:
        time.sleep(0.2)
    stop.set()
    worker.join()
    lags = sorted(arrived[k] - committed[k] for k in committed if k in arrived)
    upserts = sum(1 for r in fake.requests if r.startswith("PATCH composite"))
    records = len(fake.upserts)
    result = {
        "crm_lag_p50_s": round(lags[len(lags) // 2], 2),
        "crm_lag_p99_s": round(lags[int(len(lags) * 0.99) - 1], 2),
        "crm_requests_per_1000_records": round(upserts * 1000 / records, 1),
        "crm_records_missing": len(committed) - len(lags),
    }
    fake.close()
    print(f"\nSalesforce sync: {CHANGES} changes over {SPREAD_S:g} s, drained every {POLL_S} s")
    print(
        f"  lag commit → Salesforce: p50 {result['crm_lag_p50_s']} s, p99 {result['crm_lag_p99_s']} s"
    )
    print(f"  upsert requests per 1,000 records: {result['crm_requests_per_1000_records']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
