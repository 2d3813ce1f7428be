"""Sign-in throttling: a progressive delay per account and per client IP, never a lockout.

Each failed sign-in is counted under the account's email (known or not, so the answer leaks
nothing) and under the client's IP. Past the free failures, the next attempt under that key
must wait 2**(extra failures - 1) s after the last failure (1, 2, 4 … up to
`login_delay_max_s`); an attempt sent sooner is answered 429 with Retry-After and not
checked, so a guesser gets one try per delay. A failure count is forgotten
`login_failure_memory_s` after its last failure; a successful sign-in clears the account's.

A third party who knows the email can slow the account down, not lock its owner out: an IP
that signed in to the account in the last `login_known_ip_days` (the activity log says) is
held back only by its own IP count, and a password reset by email always works.

Counts live in Redis when REDIS_URL is set, else in the database (`login_failures`): every
replica and process shares them.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from sqlalchemy.orm import Session

from db import crud
from infra.settings import Settings


class FailureStore(ABC):
    """Failure counts by key: (count, time of the last failure as a UNIX timestamp).

    The database store works in the request's session (committed with the sign-in's activity
    entry; a second session would wait on the first's SQLite write lock); Redis ignores it.
    """

    @abstractmethod
    def get(self, session: Session, key: str) -> tuple[int, float] | None: ...

    @abstractmethod
    def add(self, session: Session, key: str) -> tuple[int, float]: ...

    @abstractmethod
    def clear(self, session: Session, key: str) -> None: ...


class DatabaseFailures(FailureStore):
    """In the `login_failures` table."""

    def __init__(self, memory_s: float):
        self._memory_s = memory_s

    def get(self, session: Session, key: str) -> tuple[int, float] | None:
        found = crud.login_failures.get(session, key)
        if found is None or time.time() - found[1].timestamp() > self._memory_s:
            return None
        return found[0], found[1].timestamp()

    def add(self, session: Session, key: str) -> tuple[int, float]:
        count, at = crud.login_failures.add(session, key, self._memory_s)
        return count, at.timestamp()

    def clear(self, session: Session, key: str) -> None:
        crud.login_failures.clear(session, key)


class RedisFailures(FailureStore):
    """A hash per key ({count, last}) that expires `memory_s` after its last failure."""

    def __init__(self, url: str, prefix: str, memory_s: float):
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = f"{prefix}login-failures:"
        self._memory_s = max(1, int(memory_s))

    def get(self, session: Session, key: str) -> tuple[int, float] | None:
        count, last = self._redis.hmget(self._prefix + key, "count", "last")
        return (int(count), float(last)) if count is not None and last is not None else None

    def add(self, session: Session, key: str) -> tuple[int, float]:
        now = time.time()
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(self._prefix + key, "count", 1)
            pipe.hset(self._prefix + key, "last", repr(now))
            pipe.expire(self._prefix + key, self._memory_s)
            count, _, _ = pipe.execute()
        return int(count), now

    def clear(self, session: Session, key: str) -> None:
        self._redis.delete(self._prefix + key)


@dataclass(frozen=True)
class Hold:
    """An attempt that must wait: `retry_after` seconds, because of the `reason`'s count."""

    retry_after: int
    reason: str  # "account" or "ip"


class LoginThrottle:
    def __init__(self, store: FailureStore, settings: Settings):
        self.store = store
        self.free = {"account": settings.login_free_failures_account}
        self.free["ip"] = settings.login_free_failures_ip
        self.max_delay_s = settings.login_delay_max_s

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginThrottle:
        memory = settings.login_failure_memory_s
        if settings.redis_url:
            store: FailureStore = RedisFailures(settings.redis_url, settings.redis_prefix, memory)
        else:
            store = DatabaseFailures(memory)
        return cls(store, settings)

    def delay_s(self, failures: int, free: int) -> float:
        """How long after its last failure a key with `failures` must wait."""
        if failures <= free:
            return 0.0
        return float(min(self.max_delay_s, 2 ** (failures - free - 1)))

    def hold(self, session: Session, email: str, ip: str, *, known_ip: bool) -> Hold | None:
        """Whether an attempt on `email` from `ip` must wait; None when it may be checked."""
        keys = [("ip", f"ip:{ip}")]
        if not known_ip:
            keys.insert(0, ("account", f"account:{email}"))
        now = time.time()
        for reason, key in keys:
            found = self.store.get(session, key)
            if found is None:
                continue
            count, last = found
            wait = last + self.delay_s(count, self.free[reason]) - now
            if wait > 0:
                return Hold(max(1, int(wait + 0.999)), reason)
        return None

    def failed(self, session: Session, email: str, ip: str) -> None:
        self.store.add(session, f"account:{email}")
        self.store.add(session, f"ip:{ip}")

    def succeeded(self, session: Session, email: str) -> None:
        self.store.clear(session, f"account:{email}")
