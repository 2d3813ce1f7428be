"""OpenID Connect relying party: discovery, the authorization URL, the code exchange and the
ID token's checks, for each provider in the settings (`oidc_providers`).

Hand-written on httpx and PyJWT (PyJWKClient for the provider's keys) rather than a framework
client: the flow is four requests, and the checks are the part that matters, so they are here
to read. The ID token must be signed by a key in the provider's JWKS with an asymmetric
algorithm the provider announces (never `none` or HMAC), name the provider as `iss` and this
client in `aud` (and in `azp` when present), be unexpired (60 s leeway for clock skew), and
carry the nonce this sign-in sent. Discovery is cached per process for an hour; PyJWKClient
caches the key set and fetches it again when a token names a key it does not know (rotation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from infra.settings import OIDCProvider, Settings

DISCOVERY_TTL_S = 3600
TIMEOUT_S = 10.0
LEEWAY_S = 60
# Asymmetric algorithms only: an HMAC "signature" keyed by a public value proves nothing.
ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class OIDCError(Exception):
    """The sign-in failed; `status` is the HTTP answer it deserves, the message says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) as RFC 7636 defines them."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def post_token_request(
    name: str, endpoint: str, form: dict[str, str], auth: tuple[str, str] | None = None
) -> dict[str, Any]:
    """POST the code exchange to the provider's token endpoint, asking for JSON: its answer as
    a dict (empty when it is not a JSON object); OIDCError 502 when the request fails, 400
    naming the provider's `error` when it answers other than 200."""
    try:
        answer = httpx.post(
            endpoint,
            data=form,
            auth=auth,
            timeout=TIMEOUT_S,
            headers={"Accept": "application/json"},
        )
    except httpx.HTTPError as exc:
        raise OIDCError(502, f"{name}: the token endpoint failed: {exc}") from None
    try:
        tokens = answer.json()
    except ValueError:
        tokens = {}
    if not isinstance(tokens, dict):
        tokens = {}
    if answer.status_code != 200:
        error = tokens.get("error", f"HTTP {answer.status_code}")
        raise OIDCError(400, f"{name} refused the sign-in code: {error}")
    return tokens


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: its subject and a verified email."""

    subject: str
    email: str
    name: str | None


@dataclass
class OIDCClient:
    name: str
    provider: OIDCProvider
    redirect_uri: str
    _metadata: dict[str, Any] | None = None
    _fetched_at: float = 0.0
    _jwks: jwt.PyJWKClient | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def display_name(self) -> str:
        return self.provider.display_name or self.name

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, checked to name the configured issuer."""
        with self._lock:
            if self._metadata is not None and time.monotonic() - self._fetched_at < DISCOVERY_TTL_S:
                return self._metadata
            url = f"{self.provider.issuer}/.well-known/openid-configuration"
            try:
                answer = httpx.get(url, timeout=TIMEOUT_S, headers={"Accept": "application/json"})
                answer.raise_for_status()
                metadata = answer.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise OIDCError(502, f"{self.name}: its discovery document failed: {exc}") from None
            if metadata.get("issuer", "").rstrip("/") != self.provider.issuer:
                raise OIDCError(502, f"{self.name}: the discovery document names another issuer")
            for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(metadata.get(needed), str):
                    raise OIDCError(502, f"{self.name}: the discovery document lacks {needed}")
            if self._jwks is None or self._jwks.uri != metadata["jwks_uri"]:
                self._jwks = jwt.PyJWKClient(metadata["jwks_uri"], timeout=TIMEOUT_S)
            self._metadata, self._fetched_at = metadata, time.monotonic()
            return metadata

    def authorization_url(self, *, state: str, nonce: str, challenge: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.provider.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.provider.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        endpoint = self.metadata()["authorization_endpoint"]
        joiner = "&" if "?" in endpoint else "?"
        return f"{endpoint}{joiner}{urllib.parse.urlencode(query)}"

    def exchange(self, code: str, verifier: str) -> dict[str, Any]:
        """Trade the authorization code (with its PKCE verifier) for the provider's tokens."""
        metadata = self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": verifier,
        }
        methods = metadata.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
        auth = None
        if "client_secret_basic" in methods:  # RFC 6749 2.3.1: form-encoded, then Basic
            quote = urllib.parse.quote_plus
            auth = (quote(self.provider.client_id), quote(self.provider.client_secret))
        else:
            form |= {
                "client_id": self.provider.client_id,
                "client_secret": self.provider.client_secret,
            }
        tokens = post_token_request(self.name, metadata["token_endpoint"], form, auth)
        if not isinstance(tokens.get("id_token"), str):
            raise OIDCError(502, f"{self.name}: the token answer has no id_token")
        return tokens

    def verify(self, id_token: str, nonce: str) -> Identity:
        """The ID token's claims, once every check passed; OIDCError(401) naming the first
        that failed."""
        metadata = self.metadata()
        try:
            algorithm = jwt.get_unverified_header(id_token).get("alg")
        except jwt.PyJWTError as exc:
            raise OIDCError(401, f"id_token: {exc}") from None
        announced = set(metadata.get("id_token_signing_alg_values_supported", ["RS256"]))
        if algorithm not in announced & ALGORITHMS:
            raise OIDCError(401, f"id_token: algorithm {algorithm!r} is not accepted")
        assert self._jwks is not None  # set with the metadata
        try:
            key = self._jwks.get_signing_key_from_jwt(id_token)
            claims = jwt.decode(
                id_token,
                key.key,
                algorithms=[algorithm],
                audience=self.provider.client_id,
                issuer=self.provider.issuer,
                leeway=LEEWAY_S,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWKClientConnectionError as exc:
            raise OIDCError(502, f"{self.name}: its keys could not be fetched: {exc}") from None
        except jwt.PyJWTError as exc:
            raise OIDCError(401, f"id_token: {exc}") from None
        if "azp" in claims and claims["azp"] != self.provider.client_id:
            raise OIDCError(401, "id_token: it was issued to another client (azp)")
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OIDCError(401, "id_token: the nonce is not the one this sign-in sent")
        email = claims.get("email")
        if not isinstance(email, str) or not email:
            raise OIDCError(403, f"email: {self.name} shared no email address (scope email)")
        if claims.get("email_verified") not in (True, "true"):
            raise OIDCError(403, f"email: {self.name} has not verified {email}")
        return Identity(str(claims["sub"]), email.strip().lower(), claims.get("name"))

    def identity(self, code: str, verifier: str, nonce: str) -> Identity:
        """Who signed in: the code exchanged, then its ID token checked."""
        return self.verify(self.exchange(code, verifier)["id_token"], nonce)


_clients: dict[tuple[str, str, str, str], OIDCClient] = {}
_clients_lock = threading.Lock()


def callback_url(settings: Settings, name: str) -> str:
    return f"{settings.public_url.rstrip('/')}/api/v1/auth/oidc/{name}/callback"


def client_for(settings: Settings, name: str) -> OIDCClient | None:
    """The client of the OpenID Connect provider `name` (kept per process, with its caches), or
    None."""
    provider = settings.oidc_providers.get(name)
    if not isinstance(provider, OIDCProvider):
        return None
    redirect = callback_url(settings, name)
    key = (name, provider.issuer, provider.client_id, redirect)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = OIDCClient(name, provider, redirect)
        return _clients[key]
