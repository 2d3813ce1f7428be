"""Job progress events: how a stage finishing in a Ray worker reaches a WebSocket in the ingress.

The `job_events` table is the record: the worker writes a row for every progress report and
status change, in the same transaction as the job's new state. A follower reads the rows after
the last one it sent, so it never misses one and a reconnecting client can resume from a cursor.

The bus only says "look again now":

* with REDIS_URL set, the worker PUBLISHes each event on `{prefix}job:{id}` and followers
  SUBSCRIBE, so they wake the moment something happens (and still re-read every few seconds);
* without it (the embedded default), followers poll the table a few times a second. The bus is
  "in-process" in the sense that no extra server is needed; the table is what crosses from the
  Ray worker processes to the ingress, and it survives a restart of either.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from pydantic import BaseModel

from infra.settings import Settings

FINISHED = frozenset({"succeeded", "failed", "cancelled"})


class Event(BaseModel):
    """One progress report or status change. `id` increases; followers resume after it."""

    id: int
    job_id: str
    status: str
    stage: str | None = None
    progress: float = 0.0
    message: str | None = None
    stream: str | None = None  # the live HLS playlist's URL, from the job's first segment on
    at: datetime

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @classmethod
    def from_row(cls, row) -> Event:
        """From a `job_events` row (db.models.JobEvent)."""
        return cls(
            id=row.id,
            job_id=str(row.job_id),
            status=row.status,
            stage=row.stage,
            progress=row.progress,
            message=row.message,
            stream=row.stream,
            at=row.created_at,
        )


class Wakeups(ABC):
    @abstractmethod
    async def wait(self, timeout: float) -> None:
        """Return when something may have happened to the job, or after `timeout` seconds."""


class EventBus(ABC):
    """Carries "job X has news" from whoever wrote an event to whoever follows the job."""

    @abstractmethod
    def publish(self, event: Event) -> None: ...

    @abstractmethod
    def subscribe(self, job_id: str) -> contextlib.AbstractAsyncContextManager[Wakeups]: ...

    def close(self) -> None:
        return None


class _Timer(Wakeups):
    def __init__(self, interval: float):
        self.interval = interval

    async def wait(self, timeout: float) -> None:
        await asyncio.sleep(min(timeout, self.interval))


class PollingEventBus(EventBus):
    """No server: the event row is the publication, followers look for new rows on a timer."""

    def __init__(self, interval: float = 0.25):
        self.interval = interval

    def publish(self, event: Event) -> None:
        return None

    @contextlib.asynccontextmanager
    async def subscribe(self, job_id: str) -> AsyncIterator[Wakeups]:
        yield _Timer(self.interval)


class _RedisWakeups(Wakeups):
    def __init__(self, pubsub):
        self.pubsub = pubsub

    async def wait(self, timeout: float) -> None:
        await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)


class RedisEventBus(EventBus):
    """Redis pub/sub: one channel per job; the message is the event as JSON."""

    def __init__(self, url: str, prefix: str = "filmstudio:"):
        import redis

        self.url = url
        self.prefix = prefix
        self._client = redis.Redis.from_url(url)

    def channel(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}"

    def publish(self, event: Event) -> None:
        self._client.publish(self.channel(event.job_id), event.model_dump_json())

    @contextlib.asynccontextmanager
    async def subscribe(self, job_id: str) -> AsyncIterator[Wakeups]:
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(self.url)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(self.channel(job_id))
            yield _RedisWakeups(pubsub)
        finally:
            await pubsub.aclose()
            await client.aclose()

    def close(self) -> None:
        self._client.close()


def make_event_bus(settings: Settings) -> EventBus:
    if settings.redis_url:
        return RedisEventBus(settings.redis_url, settings.redis_prefix)
    return PollingEventBus()


async def follow(
    bus: EventBus,
    job_id: str,
    read_after: Callable[[int], Awaitable[list[Event]]],
    *,
    after: int = 0,
    recheck_s: float = 5.0,
) -> AsyncIterator[Event]:
    """Every event of a job after cursor `after`, in order, ending with the one that finishes it.

    Subscribes before reading the backlog, so nothing published in between is missed; then
    reads the table again whenever the bus says so (and every `recheck_s` regardless).
    """
    async with bus.subscribe(job_id) as wakeups:
        while True:
            for event in await read_after(after):
                yield event
                after = event.id
                if event.finished:
                    return
            await wakeups.wait(recheck_s)
