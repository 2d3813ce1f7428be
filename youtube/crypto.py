"""Tokens encrypted at rest: Fernet under envelope keys kept in one file, newest key first.

The file holds one urlsafe-base64 Fernet key per line. It is created with a fresh key and mode
0600 when missing. `rotate` puts a new key first: new ciphertexts use it, and every older key
stays so tokens written before the rotation still decrypt (MultiFernet).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["InvalidToken", "TokenCipher", "rotate"]


def _write_keys(path: Path, keys: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(b"\n".join(keys) + b"\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _read_keys(path: Path) -> list[bytes]:
    if not path.exists():
        _write_keys(path, [Fernet.generate_key()])
    keys = [line.strip() for line in path.read_bytes().splitlines() if line.strip()]
    if not keys:
        raise ValueError(f"{path}: no envelope key in the file")
    return keys


def rotate(path: Path) -> None:
    """Put a new key first; the old ones stay for decrypting what they wrote."""
    _write_keys(path, [Fernet.generate_key(), *_read_keys(path)])


class TokenCipher:
    """Encrypts a token bundle (a dict) to text and back."""

    def __init__(self, path: Path):
        self._fernet = MultiFernet([Fernet(key) for key in _read_keys(path)])

    def encrypt(self, tokens: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(tokens).encode()).decode()

    def decrypt(self, ciphertext: str, ttl: int | None = None) -> dict[str, Any]:
        """The bundle; InvalidToken when no key opens it (or it is older than `ttl` seconds)."""
        if ttl is None:
            return json.loads(self._fernet.decrypt(ciphertext.encode()))
        return json.loads(self._fernet.decrypt(ciphertext.encode(), ttl=ttl))

    def reencrypt(self, ciphertext: str) -> str:
        """The same bundle under the newest key (after a rotation)."""
        return self._fernet.rotate(ciphertext.encode()).decode()
