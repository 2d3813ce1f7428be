"""Revoked refresh-token families, checked on every request that carries an access token.

Logging out, or replaying a rotated refresh token, revokes a family in the database (the
record) and here (the fast check), so the access tokens of that session stop working at once
instead of living out their 15 minutes. With REDIS_URL set every replica sees the revocation;
otherwise it is known to this process only (the embedded default runs one).
"""

from __future__ import annotations

import threading
import time
import uuid
from abc import ABC, abstractmethod


class RevokedFamilies(ABC):
    @abstractmethod
    def revoke(self, family: uuid.UUID, ttl_s: float) -> None: ...

    @abstractmethod
    def is_revoked(self, family: uuid.UUID) -> bool: ...


class MemoryRevokedFamilies(RevokedFamilies):
    def __init__(self) -> None:
        self._until: dict[uuid.UUID, float] = {}
        self._lock = threading.Lock()

    def revoke(self, family: uuid.UUID, ttl_s: float) -> None:
        with self._lock:
            now = time.monotonic()
            self._until = {f: t for f, t in self._until.items() if t > now}
            self._until[family] = now + ttl_s

    def is_revoked(self, family: uuid.UUID) -> bool:
        return self._until.get(family, 0.0) > time.monotonic()


class RedisRevokedFamilies(RevokedFamilies):
    def __init__(self, url: str, prefix: str = "filmstudio:"):
        import redis

        self._redis = redis.Redis.from_url(url)
        self.prefix = prefix

    def _key(self, family: uuid.UUID) -> str:
        return f"{self.prefix}revoked-family:{family}"

    def revoke(self, family: uuid.UUID, ttl_s: float) -> None:
        self._redis.set(self._key(family), 1, ex=max(1, int(ttl_s)))

    def is_revoked(self, family: uuid.UUID) -> bool:
        return bool(self._redis.exists(self._key(family)))


def make_revoked_families(redis_url: str | None, prefix: str) -> RevokedFamilies:
    return RedisRevokedFamilies(redis_url, prefix) if redis_url else MemoryRevokedFamilies()
