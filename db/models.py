"""The tables of the platform: who uses it, what they own, what they spent, what is rendering.

users ─┬─ credit_accounts (one row: the balance, locked on every change)
       ├─ ledger_entries  (every change to a balance, with the balance after it)
       ├─ refresh_tokens  (rotated; a family is revoked as one)
       └─ projects ─┬─ assets
                    ├─ storyboards (one: the current plan with a still per shot, versioned)
                    └─ jobs ── job_events (progress, in order)
youtube_channels (per user: encrypted tokens) ── publications (one per publish job)
youtube_quota: units and uploads spent per Google project and quota day.
idempotency_keys: a creating POST's key, claimed while it works, then its first answer.
activity: sign-ins, logouts, role changes, grants, deletions: who, when, from where.
account_tokens: single-use links mailed to a user (password reset, email verification).
login_failures: failed sign-ins per account and per IP, for the progressive delay (no Redis).
oidc_logins: a sign-in started at an OpenID provider (state, nonce, PKCE), used once.
user_identities: the provider accounts (issuer's subject) linked to a user.
subscriptions: a user's plan (free or pro), its status and when it ends.
crm_outbox: what Salesforce has yet to see, written in the change's own transaction.
crm_grants: credit grants made in Salesforce, each applied to the ledger once.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow

# An autoincrementing 64-bit key on PostgreSQL; SQLite only autoincrements INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Role(enum.StrEnum):
    free_user = "free_user"
    pro_user = "pro_user"
    admin = "admin"


class JobKind(enum.StrEnum):
    script = "script"
    storyboard = "storyboard"
    video = "video"
    publish = "publish"


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled)


class LedgerKind(enum.StrEnum):
    grant = "grant"  # an admin's grant
    monthly = "monthly"  # the monthly top-up
    reserve = "reserve"  # held for a job at submit
    capture = "capture"  # the job succeeded: the hold is spent (amount 0)
    release = "release"  # the job failed or was cancelled: the hold comes back


class AssetKind(enum.StrEnum):
    image = "image"
    audio = "audio"
    subtitles = "subtitles"  # an SRT or WebVTT file: the user's own translation of a film
    sheet = "sheet"  # a character sheet (a zip of pictures; stored as VARCHAR: no migration)
    text = "text"  # a translated script: one line per spoken line (VARCHAR: no migration)


class AssetStatus(enum.StrEnum):
    pending = "pending"  # a presigned upload was handed out, not yet confirmed
    ready = "ready"


def _enum(cls: type[enum.StrEnum]) -> Enum:
    """Store an enum as its value in a VARCHAR on every backend (no native ENUM to migrate)."""
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


def _id() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


def _created() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, default=utcnow, nullable=False)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = _id()
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.free_user)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _created()

    account: Mapped[CreditAccount] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    subscription: Mapped[Subscription | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def plan(self) -> Plan:
        """The plan in force now: the subscription's while it is active and unexpired."""
        return self.subscription.plan_at(utcnow()) if self.subscription else Plan.free

    @property
    def tier(self) -> str:
        """The tier: a pro plan, the pro_user role or admin may render the studio tier."""
        return "free" if self.role == Role.free_user and self.plan == Plan.free else "pro"

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class CreditAccount(Base):
    """A user's spendable balance: the one row every credit change locks."""

    __tablename__ = "credit_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    balance: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = _created()

    user: Mapped[User] = relationship(back_populates="account")


class LedgerEntry(Base):
    """One change to a balance. `reference` makes each change happen once (per user)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("user_id", "reference"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[LedgerKind] = mapped_column(_enum(LedgerKind))
    amount: Mapped[int] = mapped_column(Integer)  # signed change to the balance
    balance_after: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(120))  # "job:<id>:reserve", "monthly:2026-01"
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)  # kept after job deletion
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = _created()


class RefreshToken(Base):
    """A refresh token, stored only as its SHA-256. Each use rotates it within its family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # rotated
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _created()


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = _id()
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    script: Mapped[str] = mapped_column(Text, default="")  # Fountain or prose
    # The film's options besides the script (FilmOptions' fields; music: generated, none or an
    # audio asset's id), every one present, checked by the film request's own rules.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()

    assets: Mapped[list[Asset]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )
    jobs: Mapped[list[Job]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )


class Asset(Base):
    """An uploaded image or audio track, checked by content. The bytes live in storage."""

    __tablename__ = "assets"

    id: Mapped[uuid.UUID] = _id()
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[AssetKind | None] = mapped_column(
        _enum(AssetKind)
    )  # known once the content is read
    status: Mapped[AssetStatus] = mapped_column(_enum(AssetStatus), default=AssetStatus.ready)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    storage_key: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime] = _created()

    project: Mapped[Project] = relationship(back_populates="assets")


class Storyboard(Base):
    """A project's current plan: scenes → shots → lines, each shot's picture and still.

    `document` is the plan as the API shows and edits it (serve_apps/jobs/storyboard.py);
    `version` goes up by one on every change, and an edit names the version it was made on.
    """

    __tablename__ = "storyboards"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what it was made with
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the job that made it
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class Job(Base):
    """A render, durable: written before work starts, leased by the worker that runs it."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_lease", "status", "lease_expires_at"),)

    id: Mapped[uuid.UUID] = _id()
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[JobKind] = mapped_column(_enum(JobKind))
    tier: Mapped[str] = mapped_column(String(16), default="draft")
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    cost: Mapped[int] = mapped_column(Integer)

    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus), default=JobStatus.queued)
    stage: Mapped[str | None] = mapped_column(String(40))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)

    # Durability: who holds the job, until when, and how many times it was started.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker_pid: Mapped[int | None] = mapped_column(Integer)

    created_at: Mapped[datetime] = _created()
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = _created()

    project: Mapped[Project] = relationship(back_populates="jobs")


class JobEvent(Base):
    """One progress report or status change; `id` orders a job's events for followers."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus))
    stage: Mapped[str | None] = mapped_column(String(40))
    progress: Mapped[float] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(String(500))
    # The URL of the job's live HLS playlist, on events from its first segment on.
    stream: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = _created()


class IdempotencyKey(Base):
    """A creating POST's Idempotency-Key: claimed before the work, then its first answer.

    A row with no status_code is a claim: the request holding `claim` is doing the work. Its
    answer is stored in the same transaction as what it created; a claim whose request failed
    is deleted (nothing was made), and one left by a dead process expires (serve_apps/api).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(80))  # "user:<id>", or "anonymous" before login
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path and body
    claim: Mapped[str | None] = mapped_column(String(32))  # the working request's token
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)  # None while the work runs
    body: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = _created()


class ActivityKind(enum.StrEnum):
    """What the activity log records. Stored as text: a new kind needs no migration."""

    sign_in = "sign_in"
    sign_in_failed = "sign_in_failed"
    token_reuse = "token_reuse"  # a rotated refresh token was replayed: its family is revoked
    logout = "logout"
    role_change = "role_change"
    account_status = "account_status"  # an admin disabled or re-enabled the account
    credit_grant = "credit_grant"
    project_delete = "project_delete"
    publish = "publish"
    password_change = "password_change"
    password_reset = "password_reset"
    password_reset_requested = "password_reset_requested"  # a reset link was mailed
    email_verified = "email_verified"
    identity_linked = "identity_linked"  # an OpenID provider's account was linked on sign-in
    plan_change = "plan_change"  # an admin set or ended a subscription, or it expired


class ActivityEntry(Base):
    """One security-relevant action: who did it, to whose account, when, from where, what.

    `actor_id` is who acted (None for a failed sign-in to an unknown email); `user_id` is the
    account it concerns (the one its owner sees in their own log). Rows outlive their users.
    """

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_user_created", "user_id", "created_at"),
        Index("ix_activity_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    email: Mapped[str | None] = mapped_column(String(320))  # the account's email at the time
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class TokenPurpose(enum.StrEnum):
    password_reset = "password_reset"
    verify_email = "verify_email"


class AccountToken(Base):
    """A link mailed to a user, stored only as its SHA-256: it works once, until `expires_at`."""

    __tablename__ = "account_tokens"

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[TokenPurpose] = mapped_column(_enum(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _created()


class LoginFailure(Base):
    """Failed sign-ins under one key ("account:<email>" or "ip:<address>") since the first of
    them that is still remembered; the database store of serve_apps/api/throttle.py."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OIDCLogin(Base):
    """A sign-in sent to an OpenID provider, waiting for its callback (then deleted: used once).

    The state is stored as its SHA-256; `binding_hash` is that of a cookie the browser that
    started the sign-in holds, so a callback link replayed in another browser is refused.
    """

    __tablename__ = "oidc_logins"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    binding_hash: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(8))  # "cookie" (browser) or "body" (JSON answer)
    return_to: Mapped[str] = mapped_column(String(512))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class UserIdentity(Base):
    """A provider's account (its issuer-unique `sub`) linked to one of ours."""

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320))  # the verified email it was linked by
    created_at: Mapped[datetime] = _created()


class Plan(enum.StrEnum):
    free = "free"
    pro = "pro"


class SubscriptionStatus(enum.StrEnum):
    active = "active"
    cancelled = "cancelled"  # an admin ended it
    expired = "expired"  # past expires_at; written at the next monthly grant


class Subscription(Base):
    """A user's plan: it sets their tier and monthly grant while active and unexpired."""

    __tablename__ = "subscriptions"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    plan: Mapped[Plan] = mapped_column(_enum(Plan))
    status: Mapped[SubscriptionStatus] = mapped_column(
        _enum(SubscriptionStatus), default=SubscriptionStatus.active
    )
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: until cancelled
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()

    def plan_at(self, now: datetime) -> Plan:
        running = self.status == SubscriptionStatus.active
        if running and (self.expires_at is None or self.expires_at > now):
            return self.plan
        return Plan.free


class ChannelStatus(enum.StrEnum):
    connected = "connected"
    needs_reconnect = "needs_reconnect"  # Google refused the refresh token: connect again


class YouTubeChannel(Base):
    """A YouTube channel a user connected; `tokens` is the encrypted token bundle, never shown."""

    __tablename__ = "youtube_channels"
    __table_args__ = (UniqueConstraint("owner_id", "channel_id"),)

    id: Mapped[uuid.UUID] = _id()
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[str] = mapped_column(String(64))  # YouTube's id ("UC…")
    title: Mapped[str] = mapped_column(String(200), default="")
    tokens: Mapped[str] = mapped_column(Text)
    status: Mapped[ChannelStatus] = mapped_column(
        Enum(
            ChannelStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=ChannelStatus.connected,
    )
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class Publication(Base):
    """A publish job's progress at YouTube: kept after every step so a retry resumes."""

    __tablename__ = "publications"

    id: Mapped[uuid.UUID] = _id()
    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), unique=True
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    render_job_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("youtube_channels.id", ondelete="SET NULL"), index=True
    )
    video_id: Mapped[str | None] = mapped_column(String(32))
    url: Mapped[str | None] = mapped_column(String(200))
    playlist_id: Mapped[str | None] = mapped_column(String(64))
    steps: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    upload_session_uri: Mapped[str | None] = mapped_column(Text)
    bytes_acknowledged: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class YouTubeQuota(Base):
    """What one Google project spent on one quota day (Pacific): units, and uploads apart."""

    __tablename__ = "youtube_quota"

    project: Mapped[str] = mapped_column(String(200), primary_key=True)  # the OAuth client id
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, Pacific
    units: Mapped[int] = mapped_column(Integer, default=0)
    uploads: Mapped[int] = mapped_column(Integer, default=0)


class OutboxState(enum.StrEnum):
    pending = "pending"
    done = "done"
    dead = "dead"  # failed for a reason retrying cannot fix; an admin may retry it


class OutboxEntry(Base):
    """A record Salesforce should see again: (kind, record id). The sync reads the record's
    state when it sends it, so several changes to one record become one upsert."""

    __tablename__ = "crm_outbox"
    __table_args__ = (Index("ix_crm_outbox_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))  # a key of crm.mapping.MAPPINGS
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[OutboxState] = mapped_column(_enum(OutboxState), default=OutboxState.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = _created()  # not retried before this
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CrmGrant(Base):
    """A grant made in Salesforce (an AI_Credit__c of kind grant), applied to the ledger once."""

    __tablename__ = "crm_grants"

    salesforce_id: Mapped[str] = mapped_column(String(18), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    ledger_entry_id: Mapped[int] = mapped_column(BigInteger)
    written_back: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = _created()
