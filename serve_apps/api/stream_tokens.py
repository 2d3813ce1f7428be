"""Signed, short-lived URLs for a job's HLS segments: players (hls.js, Safari, VLC) fetch
segments with no custom header, so each segment URL in the playlist carries its own token.

A token is an HS256 JWT (PyJWT) naming the job, the file and an expiry; its key is derived from
the API's RSA signing key, so every replica that shares the keys directory accepts it. It
grants one file of one job until it expires, nothing else.
"""

from __future__ import annotations

import hashlib
import time
import uuid

import jwt

from serve_apps.api.security import SigningKeys

ALGORITHM = "HS256"


class InvalidStreamToken(Exception):
    pass


class StreamTokens:
    def __init__(self, secret: bytes, lifetime_s: int):
        self._secret = secret
        self.lifetime_s = lifetime_s

    @classmethod
    def from_keys(cls, keys: SigningKeys, lifetime_s: int) -> StreamTokens:
        # A separate key for a separate purpose: an access token is never a stream token.
        return cls(
            hashlib.sha256(b"filmstudio stream v1\0" + keys.private_pem).digest(), lifetime_s
        )

    def issue(self, job_id: uuid.UUID, name: str, now: float | None = None) -> str:
        expires = int(time.time() if now is None else now) + self.lifetime_s
        claims = {"job": str(job_id), "name": name, "exp": expires}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def check(self, token: str, job_id: uuid.UUID, name: str) -> None:
        """Raise `InvalidStreamToken` unless `token` grants `name` of `job_id` now."""
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], options={"require": ["exp"]}
            )
        except jwt.PyJWTError as exc:
            raise InvalidStreamToken(str(exc)) from None
        if claims.get("job") != str(job_id) or claims.get("name") != name:
            raise InvalidStreamToken("the token is for another file")
