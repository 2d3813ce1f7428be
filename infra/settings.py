"""Settings for every part of the studio, read from the environment (prefix-free names).

One place a reader looks: the embedded defaults run on a laptop; setting DATABASE_URL,
REDIS_URL or S3_* switches to the production parts with no code change.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    Discriminator,
    Field,
    SecretStr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(name: str) -> AliasChoices:
    """Read a production switch from its conventional name (DATABASE_URL) or FILMSTUDIO_…."""
    return AliasChoices(name, f"FILMSTUDIO_{name}")


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _secure_url(field: str, url: str) -> str:
    """The URL without its trailing slash; https only, plain HTTP only on this machine (tests,
    dev), since tokens and keys come from it."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (
        parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    ):
        raise ValueError(f"{field}: must be an https URL (http only for a loopback host)")
    return url.rstrip("/")


class OIDCProvider(BaseModel):
    """One OpenID Connect provider: its issuer (discovery at /.well-known/openid-configuration)
    and this studio's client registered there."""

    kind: Literal["oidc"] = "oidc"
    issuer: str = Field(max_length=500)
    client_id: str = Field(min_length=1, max_length=500)
    client_secret: str = Field(min_length=1, max_length=500)
    display_name: str | None = Field(None, max_length=100)  # the button's label (default: name)
    scopes: list[str] = ["openid", "email", "profile"]

    @field_validator("issuer")
    @classmethod
    def _https(cls, issuer: str) -> str:
        return _secure_url("issuer", issuer)


class GitHubProvider(BaseModel):
    """GitHub (plain OAuth 2.0: no discovery, no ID token) and this studio's OAuth app there.
    The roots default to github.com; GitHub Enterprise Server names its own
    (`https://host`, `https://host/api/v3`)."""

    kind: Literal["github"]
    client_id: str = Field(min_length=1, max_length=500)
    client_secret: str = Field(min_length=1, max_length=500)
    display_name: str = Field("GitHub", max_length=100)
    web_root: str = Field("https://github.com", max_length=500)
    api_root: str = Field("https://api.github.com", max_length=500)

    @field_validator("web_root", "api_root")
    @classmethod
    def _https(cls, url: str, info: ValidationInfo) -> str:
        return _secure_url(str(info.field_name), url)


def _provider_kind(entry: object) -> str:
    # An entry without `kind` is OpenID Connect: the settings written before GitHub stay valid.
    if isinstance(entry, dict):
        return entry.get("kind", "oidc")
    return getattr(entry, "kind", "oidc")


SignInProvider = Annotated[
    Annotated[OIDCProvider, Tag("oidc")] | Annotated[GitHubProvider, Tag("github")],
    Discriminator(
        _provider_kind,
        custom_error_type="provider_kind",
        custom_error_message="kind: must be 'oidc' (the default) or 'github'",
    ),
]


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
    # Where users reach the studio: the links in mails and the OpenID callback start with it.
    public_url: str = "http://127.0.0.1:8000"
    require_verified_email: bool = True  # a render needs a verified email (tests turn it off)
    password_reset_minutes: float = 30  # lifetime of a mailed password-reset link
    verify_email_hours: float = 48  # lifetime of a mailed verification link
    mail_interval_s: float = 60  # at most one reset or verification mail per account per this
    # Sign-in throttling: after the free failures, each attempt waits 2**(extra failures) s, up to
    # the cap; failures are forgotten this long after the last one. An IP that signed in to the
    # account in the last `login_known_ip_days` is not held back by the account's count.
    login_free_failures_account: int = 5
    login_free_failures_ip: int = 20
    login_delay_max_s: int = 900
    login_failure_memory_s: int = 86_400
    login_known_ip_days: int = 30

    # --- Mail (password resets, verification): unset SMTP host = the links are logged ---
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout_s: float = 20.0
    mail_from: str = "AI Film Studio <no-reply@localhost>"

    # --- Sign in elsewhere: providers by name (env: a JSON object, e.g.
    # {"google": {"issuer": "https://accounts.google.com", "client_id": …, "client_secret": …},
    #  "github": {"kind": "github", "client_id": …, "client_secret": …}})
    oidc_providers: dict[str, SignInProvider] = {}

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

    # --- The LLM through any OpenAI-compatible chat API (vLLM, Ollama, OpenAI, Anthropic's
    # compatible endpoint...). Set the base URL to use it in both tiers, before any local model.
    # The key is a secret: never logged, never in a job's parameters or an API answer. ---
    llm_base_url: str | None = None  # e.g. http://localhost:11434/v1 (the path before /chat/...)
    llm_api_key: SecretStr | None = None  # sent as "Authorization: Bearer <key>"
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = 60.0  # reading one answer (a streamed one: between two chunks)
    llm_connect_timeout_s: float = 10.0
    llm_max_retries: int = Field(4, ge=0, le=10)  # on 429, 5xx, timeouts and dropped connections
    llm_retry_base_s: float = 1.0  # backoff: base * 2**n with full jitter, or the Retry-After
    llm_max_tokens: int = Field(1600, ge=16)  # completion tokens per request
    llm_token_budget: int = Field(60_000, ge=0)  # tokens one film's plan may spend, all requests
    llm_stream: bool = False  # stream answers (server-sent events)
    llm_json_mode: bool = True  # ask for response_format json_object (off for servers without it)

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

    @field_validator("oidc_providers")
    @classmethod
    def _provider_names(
        cls, providers: dict[str, OIDCProvider | GitHubProvider]
    ) -> dict[str, OIDCProvider | GitHubProvider]:
        for name in providers:  # the name is a path segment of the login and callback URLs
            if not re.fullmatch(r"[a-z0-9-]{1,32}", name):
                raise ValueError(f"oidc_providers: {name!r} must be 1-32 of a-z, 0-9 and -")
        return providers

    @property
    def youtube_configured(self) -> bool:
        return bool(self.youtube_client_id and self.youtube_client_secret)

    # --- Salesforce CRM sync (crm/): the JWT bearer flow of an External Client App. Unset:
    # the sync is off and no outbox rows are written ---
    salesforce_client_id: str | None = None  # the External Client App's consumer key
    salesforce_username: str | None = None  # the integration user
    salesforce_private_key_path: Path | None = None  # PEM key whose certificate the app holds
    salesforce_login_url: str = "https://login.salesforce.com"  # test.salesforce.com: sandboxes
    salesforce_api_version: str = "67.0"  # Summer '26; simple-salesforce's own default is 59.0
    salesforce_ca_bundle: Path | None = None  # extra CA for a private endpoint (tests' fake)
    salesforce_batch: int = 200  # records per sObject Collections request (Salesforce's limit)
    salesforce_poll_s: float = 60.0  # how often grants made in Salesforce are looked for
    salesforce_retry_max: int = 8  # tries before a record that keeps failing is dead-lettered
    salesforce_retry_base_s: float = 2.0  # backoff: base * 2**n, with full jitter
    salesforce_timeout_s: float = 30.0

    @property
    def salesforce_configured(self) -> bool:
        return bool(
            self.salesforce_client_id
            and self.salesforce_username
            and self.salesforce_private_key_path
        )

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
