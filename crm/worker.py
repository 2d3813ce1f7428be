"""The sync worker: a detached Ray actor beside the job supervisor, one per database.

It drains the outbox whenever there is something due (every `POLL_OUTBOX_S`) and looks for grants
made in Salesforce every `salesforce_poll_s`. Ray restarts it if it dies; everything it needs
to resume is in the database (rows not yet confirmed are still pending), so a restart repeats
at most one batch, which the upserts make harmless.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time

import ray

from crm import sync
from crm.client import Client, Unavailable
from db.session import Database
from infra.settings import Settings

log = logging.getLogger(__name__)

NAMESPACE = "filmstudio"
POLL_OUTBOX_S = 0.5
BACKOFF_MAX_S = 60.0


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class CrmSync:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.db = Database.from_settings(settings)
        self.client = Client(settings)
        self.rounds = 0
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def ping(self) -> int:
        return self.rounds

    async def _loop(self) -> None:
        since: str | None = None
        next_poll = 0.0
        failures = 0
        while True:
            try:
                await asyncio.to_thread(sync.drain, self.db, self.client)
                if time.monotonic() >= next_poll:
                    _, since = await asyncio.to_thread(
                        sync.apply_grants, self.db, self.client, since
                    )
                    next_poll = time.monotonic() + self.settings.salesforce_poll_s
                failures = 0
            except (Unavailable, OSError) as error:
                failures += 1
                log.warning("CRM sync: Salesforce unavailable (%s); backing off", error)
            except Exception:  # noqa: BLE001 - the worker outlives any one round's bug
                failures += 1
                log.exception("CRM sync round failed")
            self.rounds += 1
            await asyncio.sleep(min(BACKOFF_MAX_S, POLL_OUTBOX_S * 2**failures))


def worker_name(settings: Settings) -> str:
    return "crm-sync-" + hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]


def start(settings: Settings):
    """The running sync worker for this database, started if there is none."""
    handle = CrmSync.options(
        name=worker_name(settings), namespace=NAMESPACE, lifetime="detached", get_if_exists=True
    ).remote(settings)
    ray.get(handle.ping.remote())
    return handle
