"""Publishing to one connected channel, the same for every front door (the platform's publish
job, `filmstudio publish`, bulk renders): the day's quota checked before the upload, every call
counted, a revoked grant marking the channel "needs reconnect", a refreshed access token kept.

Where those records live is the caller's (`Records`; the platform's database implements it in
`db.crud.youtube.ChannelRecords`), and so is how an error reaches its user: this module raises
`youtube.errors` and names no front door's fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from infra.settings import Settings
from youtube import quota
from youtube.client import build_youtube
from youtube.crypto import TokenCipher
from youtube.errors import NeedsReconnect
from youtube.oauth import OAuthClient
from youtube.publish import Publication, PublishPlan

Progress = Callable[[str, float, str], None]


class Records(Protocol):
    """The install's YouTube records: quota spent per Google project and quota day (the
    project is the records'), and the channel's status and encrypted tokens."""

    def quota_used(self, day: str) -> tuple[int, int]:
        """(units, uploads) spent on that quota day."""

    def quota_spend(self, day: str, units: int, uploads: int) -> None: ...

    def needs_reconnect(self) -> None:
        """Mark the channel: its grant was revoked."""

    def save_tokens(self, ciphertext: str) -> None: ...


def estimate(plan: PublishPlan) -> quota.Spend:
    """The most `plan` spends: the upload and every step after it."""
    return quota.publish_estimate(
        captions=len(plan.captions),
        thumbnail=plan.thumbnail is not None,
        playlist=bool(plan.playlist_id or plan.playlist_name),
        create_playlist=bool(plan.playlist_name),
    )


def check_quota(records: Records, settings: Settings, needed: quota.Spend) -> None:
    """QuotaExceeded (with the reset time) when `needed` does not fit in what is left today."""
    units, uploads = records.quota_used(str(quota.quota_day()))
    quota.check(
        quota.Spend(units, uploads),
        needed,
        daily_units=settings.youtube_daily_units,
        daily_uploads=settings.youtube_daily_uploads,
    )


def spender(records: Records) -> Callable[[str], None]:
    """Count one API call (`method`) in today's quota."""

    def spend(method: str) -> None:
        records.quota_spend(
            str(quota.quota_day()),
            quota.COST.get(method, 1),
            1 if method == "videos.insert" else 0,
        )

    return spend


def publish(
    records: Records,
    settings: Settings,
    ciphertext: str,
    plan: PublishPlan,
    state: dict[str, Any],
    save: Callable[[dict[str, Any]], None],
    progress: Progress = lambda stage, percent, message: None,
    *,
    oauth: OAuthClient | None = None,
    cipher: TokenCipher | None = None,
) -> dict[str, Any]:
    """Run `plan`'s steps (`youtube.publish.Publication`) on the channel whose encrypted tokens
    are `ciphertext`, resuming from `state` (kept through `save`); the final state. A revoked
    grant marks the channel before NeedsReconnect propagates; a refreshed access token is
    stored whatever the outcome. Check the quota first (`check_quota`), before the upload."""
    oauth = oauth or OAuthClient.from_settings(settings)
    cipher = cipher or TokenCipher(settings.youtube_key_path)
    credentials = oauth.credentials(cipher.decrypt(ciphertext))
    service = build_youtube(credentials, settings.youtube_api_root)
    token_before = credentials.token
    try:
        return Publication(service, plan, state, save, spender(records), progress).run()
    except NeedsReconnect:
        records.needs_reconnect()
        raise
    finally:
        if credentials.token != token_before and credentials.refresh_token:
            records.save_tokens(cipher.encrypt(oauth.bundle(credentials)))
