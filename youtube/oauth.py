"""OAuth 2.0 with Google for one installation's client: web flow, device flow, refresh, revoke.

The web flow is the authorization-code flow with PKCE (S256) and offline access, so Google
returns a refresh token. Its `state` is sealed (encrypted and timestamped) with the token keys
and carries who asked and the PKCE verifier, so the callback needs no server-side session and
a forged or stale state is refused. Token bundles are plain dicts: {"access_token",
"refresh_token", "expiry" (ISO UTC), "scopes"}; callers encrypt them before storing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.oauth2.credentials import Credentials

from youtube.crypto import InvalidToken, TokenCipher
from youtube.errors import NeedsReconnect, YouTubeError

SCOPES = ["https://www.googleapis.com/auth/youtube.force-ssl"]
STATE_TTL_S = 600
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class OAuthError(YouTubeError):
    """Google refused a grant; `error` is its OAuth error code (invalid_grant, access_denied…)."""

    def __init__(self, error: str, description: str = ""):
        self.error = error
        super().__init__(f"{error}: {description}" if description else error)


@dataclass
class DeviceCode:
    device_code: str
    user_code: str
    verification_url: str
    expires_in: int
    interval: int


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    redirect_url: str
    auth_url: str
    token_url: str
    revoke_url: str
    device_url: str
    timeout_s: float = 30.0

    @classmethod
    def from_settings(cls, settings) -> OAuthClient:
        return cls(
            client_id=settings.youtube_client_id,
            client_secret=settings.youtube_client_secret,
            redirect_url=settings.youtube_redirect_url,
            auth_url=settings.youtube_auth_url,
            token_url=settings.youtube_token_url,
            revoke_url=settings.youtube_revoke_url,
            device_url=settings.youtube_device_url,
        )

    # --- the web-server flow ------------------------------------------------------------------

    def authorization_url(self, cipher: TokenCipher, owner: str) -> str:
        """Google's consent page for `owner`; the sealed state holds the PKCE verifier."""
        verifier = secrets.token_urlsafe(64)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        state = cipher.encrypt({"owner": owner, "verifier": verifier})
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_url,
            "scope": " ".join(SCOPES),
            "access_type": "offline",
            "include_granted_scopes": "true",
            "prompt": "consent",  # a refresh token comes only with a consent grant
            "state": state,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        return f"{self.auth_url}?{urllib.parse.urlencode(query)}"

    @staticmethod
    def open_state(cipher: TokenCipher, state: str) -> tuple[str, str]:
        """(owner, PKCE verifier) of a state this server sealed in the last ten minutes."""
        try:
            sealed = cipher.decrypt(state, ttl=STATE_TTL_S)
        except (InvalidToken, ValueError):
            raise OAuthError("invalid_state", "the sign-in link is invalid or expired") from None
        return sealed["owner"], sealed["verifier"]

    def exchange_code(self, code: str, verifier: str) -> dict[str, Any]:
        return self._grant(
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            redirect_uri=self.redirect_url,
        )

    # --- the device flow (CLI) ----------------------------------------------------------------

    def device_start(self) -> DeviceCode:
        answer = self._post(self.device_url, client_id=self.client_id, scope=" ".join(SCOPES))
        return DeviceCode(
            device_code=answer["device_code"],
            user_code=answer["user_code"],
            verification_url=answer.get("verification_url") or answer["verification_uri"],
            expires_in=int(answer.get("expires_in", 1800)),
            interval=int(answer.get("interval", 5)),
        )

    def device_wait(self, device: DeviceCode, sleep=time.sleep) -> dict[str, Any]:
        """Poll until the user approves (tokens), denies or the code expires (OAuthError)."""
        deadline = time.monotonic() + device.expires_in
        interval = device.interval
        while time.monotonic() < deadline:
            try:
                return self._grant(grant_type=DEVICE_GRANT, device_code=device.device_code)
            except OAuthError as exc:
                if exc.error == "slow_down":
                    interval += 5
                elif exc.error != "authorization_pending":
                    raise
            sleep(interval)
        raise OAuthError("expired_token", "the device code expired before it was approved")

    # --- tokens -------------------------------------------------------------------------------

    def credentials(self, tokens: dict[str, Any]) -> Credentials:
        """google-auth credentials that refresh themselves at our token endpoint."""
        expiry = tokens.get("expiry")
        return Credentials(
            token=tokens.get("access_token"),
            refresh_token=tokens.get("refresh_token"),
            token_uri=self.token_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            scopes=tokens.get("scopes") or SCOPES,
            # google-auth compares naive UTC datetimes
            expiry=datetime.fromisoformat(expiry).astimezone(UTC).replace(tzinfo=None)
            if expiry
            else None,
        )

    @staticmethod
    def bundle(credentials: Credentials) -> dict[str, Any]:
        """The token bundle of credentials (after a refresh, to store again)."""
        expiry = credentials.expiry
        return {
            "access_token": credentials.token,
            "refresh_token": credentials.refresh_token,
            "expiry": expiry.replace(tzinfo=UTC).isoformat() if expiry else None,
            "scopes": list(credentials.scopes or SCOPES),
        }

    def refresh(self, tokens: dict[str, Any]) -> dict[str, Any]:
        """A fresh access token; NeedsReconnect when Google no longer honours the refresh token."""
        try:
            fresh = self._grant(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        except OAuthError as exc:
            if exc.error == "invalid_grant":
                raise NeedsReconnect() from None
            raise
        return {**tokens, **{k: v for k, v in fresh.items() if v}}

    def revoke(self, token: str) -> bool:
        """Revoke at Google; True when revoked or already invalid there."""
        try:
            self._post(self.revoke_url, token=token)
        except OAuthError as exc:
            return exc.error == "invalid_token"
        return True

    def _grant(self, **fields: str) -> dict[str, Any]:
        answer = self._post(
            self.token_url, client_id=self.client_id, client_secret=self.client_secret, **fields
        )
        expires_in = int(answer.get("expires_in", 3600))
        return {
            "access_token": answer["access_token"],
            "refresh_token": answer.get("refresh_token"),
            "expiry": (datetime.now(UTC) + timedelta(seconds=expires_in)).isoformat(),
            "scopes": answer.get("scope", " ".join(SCOPES)).split(),
        }

    def _post(self, url: str, **fields: str) -> dict[str, Any]:
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read() or b"{}")
            except ValueError:
                error = {}
            raise OAuthError(
                error.get("error", f"http_{exc.code}"), error.get("error_description", "")
            ) from None
        return json.loads(body or b"{}")
