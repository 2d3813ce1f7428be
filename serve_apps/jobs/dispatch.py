"""The ingress's side of jobs: hand each new job to the supervisor, fire and forget.

The job row is already committed when `submit` is called, so nothing is lost if this process
dies right after, or if Ray is not running (a bare uvicorn): the supervisor finds every queued
job in the database when it (re)starts and on every scan.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from infra.settings import Settings

log = logging.getLogger(__name__)


class JobDispatcher:
    def __init__(self, settings: Settings, engines: dict[str, Any] | None = None):
        self.settings = settings
        self.engines = engines or {}
        self._supervisor = None

    def start(self) -> None:
        """Find or start this deployment's supervisor and, with Salesforce configured, its CRM
        sync worker (when Ray is up; otherwise jobs and the outbox wait)."""
        import ray

        if not self.settings.job_supervisor:
            return
        if not ray.is_initialized():
            log.warning("Ray is not running: jobs stay queued until a supervisor starts")
            return
        from serve_apps.jobs.supervisor import supervisor_for

        self._supervisor = supervisor_for(self.settings, self.engines)
        if self.settings.salesforce_configured:  # the CRM sync runs beside the supervisor
            from crm import worker

            worker.start(self.settings)

    @property
    def running(self) -> bool:
        return self._supervisor is not None

    def submit(self, job_id: uuid.UUID) -> None:
        if self._supervisor is not None:
            self._supervisor.submit.remote(str(job_id))
