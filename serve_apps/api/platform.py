"""Everything a request handler needs, built once per process from the settings.

`Platform.start(settings)` migrates the database, loads (or creates) the signing keys and
connects the parts the settings choose: SQLite or PostgreSQL, local files or S3, Redis or
in-process rate limits, revocations and events. The FastAPI app keeps it on `app.state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from db import crud
from db.migrate import upgrade
from db.models import ActivityKind, User
from db.session import Database
from infra.events import EventBus, make_event_bus
from infra.settings import Settings
from infra.storage import Storage, make_storage
from serve_apps.api.mail import Mailer
from serve_apps.api.ratelimit import RateLimiter, make_rate_limiter
from serve_apps.api.revocation import RevokedFamilies, make_revoked_families
from serve_apps.api.security import Passwords, SigningKeys, TokenService
from serve_apps.api.stream_tokens import StreamTokens
from serve_apps.api.throttle import LoginThrottle
from serve_apps.jobs.dispatch import JobDispatcher


@dataclass
class Platform:
    settings: Settings
    db: Database
    storage: Storage
    tokens: TokenService
    passwords: Passwords
    revoked: RevokedFamilies
    limiter: RateLimiter | None
    bus: EventBus
    jobs: JobDispatcher
    throttle: LoginThrottle
    mailer: Mailer
    stream_tokens: StreamTokens
    engines: dict[str, Any] = field(default_factory=dict)  # Serve handles of model deployments

    @classmethod
    def start(cls, settings: Settings, engines: dict[str, Any] | None = None) -> Platform:
        upgrade(settings.database_url)
        keys = SigningKeys.load_or_create(settings.keys_dir)
        platform = cls(
            settings=settings,
            db=Database.from_settings(settings),
            storage=make_storage(settings),
            tokens=TokenService(
                keys,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                lifetime=timedelta(minutes=settings.access_token_minutes),
            ),
            passwords=Passwords(
                settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
            ),
            revoked=make_revoked_families(settings.redis_url, settings.redis_prefix),
            limiter=make_rate_limiter(
                settings.rate_limit_requests,
                settings.rate_limit_window_s,
                settings.redis_url,
                settings.redis_prefix,
            ),
            bus=make_event_bus(settings),
            jobs=JobDispatcher(settings, engines or {}),
            throttle=LoginThrottle.from_settings(settings),
            mailer=Mailer(settings),
            stream_tokens=StreamTokens.from_keys(keys, settings.stream_token_s),
            engines=engines or {},
        )
        platform.jobs.start()
        return platform

    async def aclose(self) -> None:
        if self.limiter is not None:
            await self.limiter.aclose()
        self.bus.close()
        self.db.dispose()

    @property
    def refresh_lifetime(self) -> timedelta:
        return timedelta(days=self.settings.refresh_token_days)

    def monthly_allowance(self, user: User) -> int:
        """The free grant for the free tier; a pro plan, pro users and admins get the pro one."""
        if user.tier == "free":
            return self.settings.monthly_grant_free
        return self.settings.monthly_grant_pro

    def top_up(self, session: Session, user: User, now: datetime | None = None) -> None:
        """Apply this month's grant of the user's plan if not yet applied (on register, login,
        refresh, submit and a plan change). A lapsed subscription is marked expired first, so
        its month's grant is the free one."""
        if (lapsed := crud.subscriptions.expire_lapsed(session, user, now)) is not None:
            crud.activity.record(
                session, ActivityKind.plan_change, user=user, old=lapsed, new="free"
            )
        crud.credits.top_up_monthly(
            session, user, self.monthly_allowance(user), now=now, plan=str(user.plan)
        )
