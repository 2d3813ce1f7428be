"""YouTube Data API quota: units per call, a publish's estimate, and when the day resets.

Since June 2026 `videos.insert` has its own daily bucket (100 calls by default); every other
method spends from 10,000 units a day. Every call costs, even a refused one. The day resets
at midnight Pacific time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from youtube.errors import QuotaExceeded

PACIFIC = ZoneInfo("America/Los_Angeles")

COST = {
    "videos.insert": 0,  # counted in the upload bucket instead
    "thumbnails.set": 50,
    "captions.insert": 400,
    "playlists.insert": 50,
    "playlists.list": 1,
    "playlistItems.insert": 50,
    "channels.list": 1,
}


def quota_day(now: datetime | None = None) -> date:
    """The quota day (Pacific) that `now` falls in."""
    return (now or datetime.now(UTC)).astimezone(PACIFIC).date()


def reset_at(now: datetime | None = None) -> datetime:
    """When the current quota day ends (next midnight Pacific), in UTC."""
    day = quota_day(now) + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=PACIFIC).astimezone(UTC)


@dataclass(frozen=True)
class Spend:
    units: int = 0
    uploads: int = 0

    def __add__(self, other: Spend) -> Spend:
        return Spend(self.units + other.units, self.uploads + other.uploads)


def publish_estimate(
    *, captions: int, thumbnail: bool, playlist: bool, create_playlist: bool
) -> Spend:
    """The most one publish spends: the upload, and the units of every step after it."""
    units = COST["thumbnails.set"] * thumbnail + COST["captions.insert"] * captions
    if playlist:
        units += COST["playlistItems.insert"]
    if create_playlist:
        units += COST["playlists.list"] + COST["playlists.insert"]
    return Spend(units=units, uploads=1)


def check(
    used: Spend, needed: Spend, *, daily_units: int, daily_uploads: int, now: datetime | None = None
) -> None:
    """QuotaExceeded (with the reset time) when `needed` does not fit in what is left today."""
    if used.uploads + needed.uploads > daily_uploads:
        raise QuotaExceeded(
            "uploadLimitExceeded",
            reset_at(now),
            f"{used.uploads} of {daily_uploads} uploads used today",
        )
    if used.units + needed.units > daily_units:
        raise QuotaExceeded(
            "quotaExceeded",
            reset_at(now),
            f"{used.units} of {daily_units} units used today, this publish needs {needed.units}",
        )
