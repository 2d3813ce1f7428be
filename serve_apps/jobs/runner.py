"""The Ray task that runs one job: claim it, hold its lease, do the work, settle it once.

    claim (attempt n, lease) ─▶ work (progress → events; stage outputs → storage) ─▶
        succeeded: outputs stored, credits captured
        cancelled: credits released
        bad input: failed, credits released (retrying cannot help)
        error:     back to the queue ("retry"), until the attempts run out → failed, released

If this worker process is killed, nothing here runs: Ray runs the task again (same launch id,
so it reclaims the job at once) or, when the task is gone with its owner, the lease runs out
and the supervisor starts it again. Either way the next attempt resumes from the stage outputs
kept in storage.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
import uuid
from typing import Any

import ray

from db import crud
from db.models import JobEvent
from db.session import Database
from infra import metrics
from infra.events import Event, EventBus, make_event_bus
from infra.progress import StageClock, StageEvent
from infra.settings import Settings
from infra.storage import make_storage
from pipelines.errors import InputError
from serve_apps.jobs.work import WORK, Cancelled, JobContext

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.5  # at most two progress rows a second (plus one per stage start and end)
CANCEL_CHECK_S = 1.0  # a cancel is seen within this, however long the lease (one UPDATE a beat)


class Lease(threading.Thread):
    """Renews the job's lease in the background (every second at most, so a cancel stops a
    render at once, not a third of a lease later); notices a cancel request or a lost lease."""

    def __init__(self, db: Database, job_id: uuid.UUID, launch_id: str, lease_s: float):
        super().__init__(name=f"lease-{job_id}", daemon=True)
        self.db, self.job_id, self.launch_id, self.lease_s = db, job_id, launch_id, lease_s
        self.lost = False
        self.cancel_requested = False
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(min(self.lease_s / 3, CANCEL_CHECK_S)):
            try:
                with self.db.transaction() as session:
                    held, cancel = crud.jobs.renew_lease(
                        session, self.job_id, self.launch_id, self.lease_s
                    )
                self.lost = self.lost or not held
                self.cancel_requested = cancel
            except Exception:  # a database hiccup: try again next beat
                log.exception("job %s: lease renewal failed", self.job_id)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    @property
    def should_stop(self) -> bool:
        return self.lost or self.cancel_requested


class JobRun:
    def __init__(
        self, job_id: uuid.UUID, launch_id: str, settings: Settings, engines: dict[str, Any]
    ):
        self.job_id = job_id
        self.launch_id = launch_id
        self.settings = settings
        self.engines = engines
        self.db = Database.from_settings(settings)
        self.bus: EventBus = make_event_bus(settings)
        self.lease = Lease(self.db, job_id, launch_id, settings.job_lease_s)
        self._last_report = 0.0
        self.clock = StageClock()  # seconds per stage, for the studio's metrics
        self.tier = "draft"
        self.cost = 0
        self.stream: str | None = None  # the live playlist's URL, once its first segment is out
        self._last_event: StageEvent | None = None

    def publish(self, row: JobEvent | None) -> None:
        if row is not None:
            try:
                self.bus.publish(Event.from_row(row))
            except Exception:  # followers still find the row in the table
                log.exception("job %s: could not publish an event", self.job_id)

    def run(self) -> str:
        with self.db.transaction() as session:
            job, event = crud.jobs.claim(
                session,
                self.job_id,
                self.launch_id,
                lease_s=self.settings.job_lease_s,
                pid=os.getpid(),
            )
            context = None
            if job is not None:
                self.tier, self.cost = job.tier, job.cost
                context = JobContext(
                    job_id=job.id,
                    owner_id=job.owner_id,
                    project_id=job.project_id,
                    kind=job.kind,
                    params=dict(job.params),
                    attempt=job.attempts,
                    last_attempt=job.attempts >= job.max_attempts,
                    settings=self.settings,
                    storage=make_storage(self.settings),
                    workspace=self.settings.work_dir / str(job.id),
                    progress=self.report,
                    engines=self.engines,
                    on_stream=self.announce_stream,
                )
        self.publish(event)
        if context is None:
            self.close()
            return "skipped"
        self.lease.start()
        try:
            return self._work(context)
        finally:
            self.lease.stop()
            self.close()

    def close(self) -> None:
        self.db.dispose()
        self.bus.close()

    def _work(self, context: JobContext) -> str:
        try:
            result = WORK[context.kind](context)
        except Cancelled:
            if self.lease.lost:
                return "lost"
            self._settle(crud.jobs.cancelled)
            context.clean_up()
            return "cancelled"
        except InputError as exc:
            metrics.render_failed("inputs", self.tier)
            self._settle(crud.jobs.fail, f"{exc.field}: {exc.message}")
            context.clean_up()
            return "failed"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.error(
                "job %s attempt %d failed:\n%s",
                self.job_id,
                context.attempt,
                traceback.format_exc(),
            )
            metrics.render_failed(self.clock.stage or "inputs", self.tier)
            if context.last_attempt:
                self._settle(crud.jobs.fail, f"gave up after {context.attempt} attempts: {error}")
                context.clean_up()
                return "failed"
            self._settle(crud.jobs.retry, error)
            return "retry"
        self._settle(crud.jobs.succeed, result)
        metrics.record_stages(self.clock.stop(), self.tier)
        metrics.credits_spent(self.cost, self.tier)
        if "duration" in result:
            metrics.film_rendered(result["duration"], self.tier)
        context.clean_up()
        return "succeeded"

    def _settle(self, transition, *args) -> None:
        with self.db.transaction() as session:
            event = transition(session, self.job_id, self.launch_id, *args)
        self.publish(event)

    def announce_stream(self, url: str) -> None:
        """The render's first HLS segment is out: an event now carries the stream's URL (and
        every event after it, so a client that joins later finds it too)."""
        self.stream = url
        if self._last_event is not None:
            self._record(self._last_event)

    def report(self, event: StageEvent) -> None:
        """The render's progress listener: records progress and stops the render on cancel."""
        self.clock(event)
        self._last_event = event
        if self.lease.should_stop:
            raise Cancelled("cancelled" if self.lease.cancel_requested else "lease lost")
        now = time.monotonic()
        if event.kind == "progress" and now - self._last_report < PROGRESS_INTERVAL_S:
            return
        self._record(event)

    def _record(self, event: StageEvent) -> None:
        self._last_report = time.monotonic()
        stage, percent, message = event.stage, event.percent, event.message
        with self.db.transaction() as session:
            event = crud.jobs.report_progress(
                session, self.job_id, self.launch_id, stage, percent, message, self.stream
            )
        if event is None:  # another worker holds the job now
            self.lease.lost = True
            raise Cancelled("lease lost")
        self.publish(event)


@ray.remote(num_cpus=0, retry_exceptions=False)
def run_job(
    job_id: str, launch_id: str, settings: Settings, engines: dict[str, Any] | None = None
) -> str:
    """Run one job; returns how it ended: succeeded, failed, cancelled, retry, lost or skipped."""
    return JobRun(uuid.UUID(job_id), launch_id, settings, engines or {}).run()
