"""Settings for every part of the studio, read from the environment (prefix-free names).

One place a reader looks: the embedded defaults run on a laptop; setting DATABASE_URL,
REDIS_URL or S3_* switches to the production parts with no code change.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(name: str) -> AliasChoices:
    """Read a production switch from its conventional name (DATABASE_URL) or FILMSTUDIO_…."""
    return AliasChoices(name, f"FILMSTUDIO_{name}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FILMSTUDIO_", extra="ignore")

    # Film length range (seconds). Tests lower the minimum to render short films.
    min_duration: float = 60.0
    max_duration: float = 300.0

    # Where the embedded defaults keep their state.
    var_dir: Path = Path("var")

    # Ray: object store size for a local ray.init() (bytes); None lets Ray choose.
    object_store_memory: int | None = 400 * 1024 * 1024

    # --- The platform: database, Redis, storage (unset = the embedded defaults under var/) ---
    database_url: str | None = Field(None, validation_alias=_env("DATABASE_URL"))
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"))
    redis_prefix: str = "filmstudio:"  # every Redis key and channel starts with this
    media_dir: Path | None = None  # local storage root (default var/media)
    keys_dir: Path | None = None  # JWT signing keys, generated on first start (default var/keys)
    work_dir: Path | None = None  # jobs' local scratch: inputs, stage outputs (default var/work)
    s3_bucket: str | None = Field(None, validation_alias=_env("S3_BUCKET"))
    s3_endpoint_url: str | None = Field(None, validation_alias=_env("S3_ENDPOINT_URL"))
    s3_region: str = Field("us-east-1", validation_alias=_env("S3_REGION"))
    s3_access_key_id: str | None = Field(None, validation_alias=_env("S3_ACCESS_KEY_ID"))
    s3_secret_access_key: str | None = Field(None, validation_alias=_env("S3_SECRET_ACCESS_KEY"))
    presign_seconds: int = 3600  # lifetime of presigned upload/download URLs
    stream_token_s: int = 600  # lifetime of a live stream's signed segment URLs

    # --- Accounts and tokens ---
    jwt_issuer: str = "filmstudio"
    jwt_audience: str = "filmstudio-api"
    access_token_minutes: float = 15
    refresh_token_days: float = 7
    admin_emails: list[str] = []  # get the admin role on registering (env: a JSON list)
    argon2_time_cost: int = 3  # argon2id cost (RFC 9106 low-memory profile)
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4

    # --- Rate limit per client IP (0 turns it off) ---
    rate_limit_requests: int = 100
    rate_limit_window_s: int = 300

    # --- Credits: monthly grants (the balance is topped up to this) and prices ---
    monthly_grant_free: int = 600
    monthly_grant_pro: int = 6000
    credits_script: int = 1
    credits_storyboard: int = 10
    credits_per_second_draft: float = 1.0
    credits_per_second_studio: float = 5.0

    # --- Requests: body caps per route (uploads: max_upload_bytes), a handler's time limit ---
    max_body_bytes: int = 64 * 1024  # any JSON body not named below
    max_script_body_bytes: int = 2 * 1024 * 1024  # /generate/*: a 200 000-character script
    request_timeout_s: float = 30.0  # 504 past it; 0 turns it off (WebSockets, files exempt)

    # --- Browsers: CORS is off unless origins are listed (env: a JSON list); HSTS on TLS only ---
    cors_origins: list[str] = []
    forwarded_allow_ips: list[str] = ["127.0.0.1", "::1"]  # proxies trusted for X-Forwarded-Proto
    hsts_max_age_s: int = 63_072_000  # two years, as hstspreload.org asks

    # --- Uploads ---
    max_upload_bytes: int = 50 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    max_audio_seconds: float = 900.0

    # --- The studio tier through the API: its local model directory (None: draft only,
    # unless model deployments are bound into the Serve ingress) ---
    models_dir: Path | None = None

    # --- Durable jobs ---
    job_supervisor: bool = (
        True  # False: this API only queues jobs; a supervisor elsewhere runs them
    )
    job_max_attempts: int = 3  # tries (worker deaths and errors together) before a job fails
    job_lease_s: float = 60.0  # a running job's worker renews its lease every third of this
    job_scan_s: float = 5.0  # how often the supervisor looks for orphaned jobs
    job_max_running: int = 1  # renders at once (each fans frames out over Ray Data)

    # --- Publishing to YouTube: one OAuth client for the install (unset: publishing is off) ---
    youtube_client_id: str | None = None
    youtube_client_secret: str | None = None
    youtube_redirect_url: str = "http://127.0.0.1:8000/api/v1/youtube/callback"
    youtube_key_path: Path | None = (
        None  # token envelope keys, newest first (default var/keys/youtube.keys)
    )
    # Google's endpoints; tests point them at a fake on loopback.
    youtube_api_root: str = "https://youtube.googleapis.com/"
    youtube_auth_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    youtube_token_url: str = "https://oauth2.googleapis.com/token"
    youtube_revoke_url: str = "https://oauth2.googleapis.com/revoke"
    youtube_device_url: str = "https://oauth2.googleapis.com/device/code"
    # The Google project's daily quota (reset at midnight Pacific): units, and videos.insert calls.
    youtube_daily_units: int = 10_000
    youtube_daily_uploads: int = 100
    youtube_chunk_bytes: int = 8 * 1024 * 1024  # resumable upload chunk (a multiple of 256 KiB)
    youtube_retry_max: int = 8  # tries per chunk on 5xx and dropped connections
    youtube_retry_base_s: float = 1.0  # backoff: base * 2**n, with full jitter
    credits_publish: int = 0

    @property
    def youtube_configured(self) -> bool:
        return bool(self.youtube_client_id and self.youtube_client_secret)

    @model_validator(mode="after")
    def _embedded_defaults(self) -> Settings:
        """Fill the embedded defaults with absolute paths, so Ray workers see the same files."""
        var = self.var_dir.resolve()
        if self.database_url is None:
            self.database_url = f"sqlite:///{var / 'filmstudio.db'}"
        self.media_dir = (self.media_dir or var / "media").resolve()
        self.keys_dir = (self.keys_dir or var / "keys").resolve()
        self.work_dir = (self.work_dir or var / "work").resolve()
        self.youtube_key_path = (self.youtube_key_path or self.keys_dir / "youtube.keys").resolve()
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
