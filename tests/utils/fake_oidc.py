"""A fake OpenID Connect provider on loopback, speaking the protocol to the studio's real client.

Endpoints: the discovery document, the JWKS, `GET /authorize` (plays the sign-in page: the
current `user` consents at once and the browser is sent back with a code) and `POST /token`
(client_secret_basic, the code once, its redirect URI, and the PKCE verifier against the
S256 challenge, all checked as a provider does). The ID token carries the nonce sent to
/authorize.

A test forges the next ID tokens with `forge`: another signing key under the real key's id,
another audience or issuer, an expiry in the past, another nonce, or claims replaced.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.utils.loopback import JSONHandler, LoopbackFake

CLIENT_ID = "filmstudio-test-client"
CLIENT_SECRET = "s3cret/with+symbols"  # form-encoded in the Basic header, as RFC 6749 asks
KID = "fake-key-1"


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One RSA key per name for the whole run (the provider's, and an impostor's)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeOIDC(LoopbackFake):
    def __init__(self) -> None:
        self.user: dict[str, Any] = {
            "sub": "subject-0001",
            "email": "ada@provider.test",
            "email_verified": True,
            "name": "Ada",
        }
        self.forge: dict[str, Any] = {}  # key: "impostor"; aud, iss, exp_delta, nonce; claims
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.listen(_handler)

    def provider_settings(self, **extra) -> dict[str, Any]:
        return {"issuer": self.url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET} | extra

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key("provider").public_key()))
        return {"keys": [jwk | {"kid": KID, "use": "sig", "alg": "RS256"}]}

    def id_token(self, nonce: str) -> str:
        forge = self.forge
        now = int(time.time())
        claims = {
            "iss": forge.get("iss", self.url),
            "aud": forge.get("aud", CLIENT_ID),
            "sub": self.user["sub"],
            "email": self.user["email"],
            "email_verified": self.user["email_verified"],
            "name": self.user["name"],
            "nonce": forge.get("nonce", nonce),
            "iat": now,
            "exp": now + forge.get("exp_delta", 300),
        } | forge.get("claims", {})
        key = rsa_key(forge.get("key", "provider"))
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})


def _handler(fake: FakeOIDC):
    class Handler(JSONHandler):
        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/.well-known/openid-configuration":
                self._json(200, fake.discovery())
            elif url.path == "/jwks":
                self._json(200, fake.jwks())
            elif url.path == "/authorize":
                self._authorize(query)
            else:
                self._json(404, {"error": "not_found"})

        def _authorize(self, query: dict[str, str]) -> None:
            problems = [
                query.get("response_type") != "code",
                query.get("client_id") != CLIENT_ID,
                query.get("code_challenge_method") != "S256",
                not query.get("code_challenge"),
                "openid" not in query.get("scope", "").split(),
                not query.get("redirect_uri"),
            ]
            if any(problems):
                self._json(400, {"error": "invalid_request", "query": query})
                return
            code = secrets.token_urlsafe(16)
            with fake.lock:
                fake.codes[code] = {
                    "challenge": query["code_challenge"],
                    "nonce": query.get("nonce", ""),
                    "redirect_uri": query["redirect_uri"],
                }
            back = {"code": code, "state": query.get("state", "")}
            self.send_response(302)
            self.send_header("Location", f"{query['redirect_uri']}?{urllib.parse.urlencode(back)}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            if self.path != "/token":
                self._json(404, {"error": "not_found"})
                return
            length = int(self.headers.get("Content-Length", 0))
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            fake.token_requests.append(form)
            scheme, _, credentials = self.headers.get("Authorization", "").partition(" ")
            client = base64.b64decode(credentials).decode() if scheme == "Basic" else ":"
            client_id, _, secret = (urllib.parse.unquote_plus(p) for p in client.partition(":"))
            if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
                self._json(401, {"error": "invalid_client"})
                return
            with fake.lock:
                grant = fake.codes.pop(form.get("code", ""), None)  # a code works once
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            if (
                form.get("grant_type") != "authorization_code"
                or grant is None
                or grant["redirect_uri"] != form.get("redirect_uri")
                or challenge.rstrip(b"=").decode() != grant["challenge"]
            ):
                self._json(400, {"error": "invalid_grant"})
                return
            self._json(
                200,
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "id_token": fake.id_token(grant["nonce"]),
                },
            )

    return Handler
