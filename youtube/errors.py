"""What can end a publish, each with the reason a user reads."""

from __future__ import annotations

from datetime import datetime


class YouTubeError(Exception):
    """A publish step that cannot succeed by retrying."""


class NeedsReconnect(YouTubeError):
    """Google refused the refresh token (revoked or expired): the user must connect again."""

    def __init__(self, detail: str = "the refresh token was revoked or has expired"):
        super().__init__(f"the channel needs to be reconnected: {detail}")


class QuotaExceeded(YouTubeError):
    """The Google project's daily quota is spent (ours, counted ahead, or Google's answer)."""

    def __init__(self, reason: str, reset_at: datetime, detail: str = ""):
        self.reason = reason
        self.reset_at = reset_at
        text = f"{reason}: the YouTube quota is used up until {reset_at.isoformat()}"
        super().__init__(f"{text} ({detail})" if detail else text)
