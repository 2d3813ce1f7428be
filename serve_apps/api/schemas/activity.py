"""The activity log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from serve_apps.api.schemas.common import Out


class ActivityOut(Out):
    id: int
    kind: str
    created_at: datetime
    user_id: uuid.UUID | None  # the account concerned
    actor_id: uuid.UUID | None  # who acted: the user, an admin, or None (unknown email)
    email: str | None
    ip: str | None  # omitted in a user's own log where someone else acted
    detail: dict[str, Any]
