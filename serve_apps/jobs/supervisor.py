"""The JobSupervisor: one detached actor per deployment that sees every job through to the end.

It owns the render tasks, not the ingress, so replacing or restarting an ingress replica never
kills a render. It keeps at most `job_max_running` renders going (each fans its frames out over
Ray Data, so on a small machine one at a time is fastest), and every `job_scan_s` it asks the
database for jobs nobody is working on — queued ones it has not seen (submitted while it was
down, or by an ingress that died before telling it) and running ones whose lease ran out (their
worker died) — and runs them again.

Ray retries a task whose worker process died (same launch id, so it reclaims the job at once);
a task that raised asks to be retried by returning "retry"; the database counts attempts across
all of these, and `claim` fails the job (releasing its credits) once they are used up. If the
supervisor itself dies, Ray restarts it (max_restarts=-1) and the first scan picks everything up.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections import deque
from typing import Any

import ray

from db import crud
from db.session import Database
from infra import metrics
from infra.settings import Settings

log = logging.getLogger(__name__)

NAMESPACE = "filmstudio"
RETRY_DELAY_S = 1.0


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class JobSupervisor:
    def __init__(self, settings: Settings, engines: dict[str, Any] | None = None):
        self.settings = settings
        self.engines = engines or {}
        self.db = Database.from_settings(settings)
        self.pending: deque[uuid.UUID] = deque()
        self.running: dict[uuid.UUID, ray.ObjectRef] = {}
        self._watchers: set[asyncio.Task] = set()  # held, so the loop never drops one unfinished
        self._last_scan = 0.0
        # An async actor is constructed on its event loop: the loop starts with the actor,
        # also when Ray restarts it after a crash.
        self._wake = asyncio.Event()
        self._loop_task = asyncio.get_running_loop().create_task(self._loop())

    async def submit(self, job_id: str) -> None:
        self._enqueue(uuid.UUID(job_id))

    async def state(self) -> dict[str, list[str]]:
        return {
            "pending": [str(j) for j in self.pending],
            "running": [str(j) for j in self.running],
        }

    def _enqueue(self, job_id: uuid.UUID) -> None:
        if job_id not in self.running and job_id not in self.pending:
            self.pending.append(job_id)
            self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                if time.monotonic() - self._last_scan >= self.settings.job_scan_s:
                    self._last_scan = time.monotonic()
                    for job_id in await asyncio.to_thread(self._orphans):
                        self._enqueue(job_id)
                while self.pending and len(self.running) < self.settings.job_max_running:
                    self._launch(self.pending.popleft())
                metrics.set_queue_depth(len(self.pending) + len(self.running), "jobs")
            except Exception:
                log.exception("job supervisor: scheduling round failed; trying again")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.job_scan_s)
            except TimeoutError:
                pass

    def _orphans(self) -> list[uuid.UUID]:
        with self.db.session(write=False) as session:
            return crud.jobs.orphans(session, exclude=set(self.running) | set(self.pending))

    def _launch(self, job_id: uuid.UUID) -> None:
        from serve_apps.jobs.runner import run_job

        launch_id = uuid.uuid4().hex
        ref = run_job.options(max_retries=self.settings.job_max_attempts).remote(
            str(job_id), launch_id, self.settings, self.engines
        )
        self.running[job_id] = ref
        watcher = asyncio.create_task(self._watch(job_id, ref))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)

    async def _watch(self, job_id: uuid.UUID, ref: ray.ObjectRef) -> None:
        try:
            outcome = await ref
        except Exception as exc:  # the worker died more often than Ray retries, or Ray failed
            log.warning("job %s: task lost (%s); the next scan takes it up again", job_id, exc)
            outcome = "lost"
        finally:
            self.running.pop(job_id, None)
        if outcome == "retry":
            await asyncio.sleep(RETRY_DELAY_S)
            self._enqueue(job_id)
        self._wake.set()


def supervisor_name(settings: Settings) -> str:
    """One supervisor per configuration: apps sharing settings share their jobs' supervisor."""
    digest = hashlib.sha256(settings.model_dump_json().encode()).hexdigest()[:16]
    return f"job-supervisor-{digest}"


def supervisor_for(settings: Settings, engines: dict[str, Any] | None = None):
    """The running supervisor for these settings, started if there is none."""
    handle = JobSupervisor.options(
        name=supervisor_name(settings),
        namespace=NAMESPACE,
        lifetime="detached",
        get_if_exists=True,
    ).remote(settings, engines)
    ray.get(handle.state.remote())  # wait until it is up
    return handle
