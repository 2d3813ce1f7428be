"""The OAuth 2.0 JWT bearer flow (RFC 7523) of a Salesforce External Client App.

Hand-written (30 lines) because simple-salesforce builds the token URL as
`https://{domain}.salesforce.com`, which neither a My Domain login URL nor a private endpoint
fits; the token it returns is handed to simple-salesforce as a session. Username-password
login is not offered: Salesforce retires SOAP login (API 65.0 and later refuse it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
import requests

from infra.settings import Settings

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME_S = 180  # Salesforce accepts assertions valid for at most 3 minutes


class AuthError(RuntimeError):
    """Salesforce refused the assertion: the app, the user or the certificate is wrong."""


@dataclass(frozen=True)
class Session:
    access_token: str
    instance_url: str


def login(settings: Settings, http: requests.Session) -> Session:
    """A fresh access token for the integration user."""
    key = settings.salesforce_private_key_path.read_text()
    audience = settings.salesforce_login_url.rstrip("/")
    assertion = jwt.encode(
        {
            "iss": settings.salesforce_client_id,
            "sub": settings.salesforce_username,
            "aud": audience,
            "exp": int(time.time()) + ASSERTION_LIFETIME_S,
        },
        key,
        algorithm="RS256",
    )
    response = http.post(
        f"{audience}/services/oauth2/token",
        data={"grant_type": GRANT_TYPE, "assertion": assertion},
        timeout=settings.salesforce_timeout_s,
        verify=verify(settings),
    )
    if response.status_code != 200:
        raise AuthError(f"Salesforce refused the JWT bearer login: {response.text[:300]}")
    body = response.json()
    return Session(body["access_token"], body["instance_url"])


def verify(settings: Settings) -> str | bool:
    """TLS verification for every call: the configured CA, else the system's. Given per
    request, because requests lets REQUESTS_CA_BUNDLE override a session's own setting."""
    return str(settings.salesforce_ca_bundle) if settings.salesforce_ca_bundle else True
