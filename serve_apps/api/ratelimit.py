"""Requests per client IP per window (100 per 5 minutes by default), answered 429 past the limit.

With REDIS_URL set the count lives in Redis, so every replica shares it; otherwise each process
counts on its own (the memory limiter's lock is held for microseconds, never across an
await). A client's window starts at its first request and lasts `window_s`;
Retry-After says how long until it ends.
"""

from __future__ import annotations

import math
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    remaining: int
    retry_after: int  # seconds until the window ends


class RateLimiter(ABC):
    def __init__(self, limit: int, window_s: int):
        self.limit = limit
        self.window_s = window_s

    @abstractmethod
    async def _count(self, client: str) -> tuple[int, float]:
        """Count one request; returns (requests in the window, seconds until it ends)."""

    async def aclose(self) -> None:
        return None

    async def hit(self, client: str) -> Verdict:
        count, left = await self._count(client)
        return Verdict(count <= self.limit, max(0, self.limit - count), max(1, math.ceil(left)))


class MemoryRateLimiter(RateLimiter):
    def __init__(self, limit: int, window_s: int):
        super().__init__(limit, window_s)
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    async def _count(self, client: str) -> tuple[int, float]:
        now = time.monotonic()
        with self._lock:
            start, count = self._windows.get(client, (now, 0))
            if now - start >= self.window_s:
                start, count = now, 0
            self._windows[client] = (start, count + 1)
            if len(self._windows) > 100_000:  # forget finished windows
                self._windows = {
                    k: v for k, v in self._windows.items() if now - v[0] < self.window_s
                }
        return count + 1, start + self.window_s - now


class RedisRateLimiter(RateLimiter):
    def __init__(self, limit: int, window_s: int, url: str, prefix: str = "filmstudio:"):
        import redis.asyncio

        super().__init__(limit, window_s)
        self._redis = redis.asyncio.Redis.from_url(url)
        self.prefix = prefix

    async def _count(self, client: str) -> tuple[int, float]:
        key = f"{self.prefix}ratelimit:{client}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=self.window_s, nx=True)  # opens the window on the first request
            pipe.incr(key)
            pipe.pttl(key)
            _, count, ttl_ms = await pipe.execute()
        return int(count), max(ttl_ms, 0) / 1000

    async def aclose(self) -> None:
        await self._redis.aclose()


def make_rate_limiter(
    limit: int, window_s: int, redis_url: str | None, prefix: str
) -> RateLimiter | None:
    if limit <= 0:
        return None
    if redis_url:
        return RedisRateLimiter(limit, window_s, redis_url, prefix)
    return MemoryRateLimiter(limit, window_s)
