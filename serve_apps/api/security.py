"""Passwords (argon2) and access tokens (RS256 JWTs with issuer and audience checked).

The RSA key pair is generated on first start into the keys directory (var/keys by default),
each file mode 0600. Several replicas starting at once agree on one pair: a key is written to
a temporary file and hard-linked into place, which fails for every writer but the first.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from db.base import utcnow
from db.models import User

ALGORITHM = "RS256"


class Passwords:
    """argon2id hashing; the cost parameters come from the settings (RFC 9106 by default)."""

    def __init__(self, time_cost: int, memory_kib: int, parallelism: int):
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        # Verified against when an email is unknown, so a miss takes as long as a hit.
        self._dummy = self._hasher.hash("not a real password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return (
                self._hasher.verify(password_hash or self._dummy, password)
                and password_hash is not None
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def _write_once(path: Path, data: bytes) -> None:
    """Create `path` with `data` (mode 0600) unless it exists; never leaves half a file."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.link(temp, path)
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)


@dataclass(frozen=True)
class SigningKeys:
    private_pem: bytes
    public_pem: bytes

    @classmethod
    def load_or_create(cls, directory: Path) -> SigningKeys:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_path = directory / "jwt-private.pem"
        if not private_path.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            _write_once(private_path, pem)
        private_pem = private_path.read_bytes()
        private_key = serialization.load_pem_private_key(private_pem, password=None)
        public_pem = private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        _write_once(directory / "jwt-public.pem", public_pem)
        return cls(private_pem, public_pem)


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    email: str
    role: str
    tier: str
    family: uuid.UUID | None  # the refresh-token family this session belongs to


class TokenService:
    """Issues and checks access tokens. Only RS256 is accepted; iss, aud, exp are required."""

    def __init__(self, keys: SigningKeys, *, issuer: str, audience: str, lifetime: timedelta):
        self._private = serialization.load_pem_private_key(keys.private_pem, password=None)
        self._public = serialization.load_pem_public_key(keys.public_pem)
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime

    def issue(self, user: User, family: uuid.UUID | None = None) -> str:
        now = utcnow()
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user.id),
            "user_id": str(user.id),
            "email": user.email,
            "role": str(user.role),
            "tier": user.tier,
            "iat": now,
            "exp": now + self.lifetime,
            "jti": uuid.uuid4().hex,
        }
        if family is not None:
            claims["fam"] = str(family)
        return jwt.encode(claims, self._private, algorithm=ALGORITHM)

    def decode(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
            return AccessClaims(
                user_id=uuid.UUID(claims["user_id"]),
                email=claims["email"],
                role=claims["role"],
                tier=claims["tier"],
                family=uuid.UUID(claims["fam"]) if "fam" in claims else None,
            )
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise InvalidToken(str(exc)) from None
