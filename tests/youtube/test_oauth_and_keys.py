"""Tokens at rest and the OAuth flows: rotated keys still open old tokens, the key file is
private, states cannot be forged, and the device flow and refresh work against Google's
protocol (the fake)."""

from __future__ import annotations

import stat
import threading

import pytest

from youtube.crypto import InvalidToken, TokenCipher, rotate
from youtube.errors import NeedsReconnect
from youtube.oauth import OAuthError


def test_key_file_is_created_private_and_rotation_keeps_old_tokens(tmp_path):
    path = tmp_path / "keys" / "youtube.keys"
    old = TokenCipher(path).encrypt({"refresh_token": "1//secret"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "1//secret" not in old

    rotate(path)
    cipher = TokenCipher(path)
    assert len(path.read_bytes().split()) == 2
    assert cipher.decrypt(old) == {"refresh_token": "1//secret"}
    renewed = cipher.reencrypt(old)
    path.write_bytes(path.read_bytes().split()[0] + b"\n")  # the old key retired
    assert TokenCipher(path).decrypt(renewed) == {"refresh_token": "1//secret"}
    with pytest.raises(InvalidToken):
        TokenCipher(path).decrypt(old)


def test_state_is_sealed_and_forgery_refused(tmp_path, oauth):
    cipher = TokenCipher(tmp_path / "k")
    url = oauth.authorization_url(cipher, "user-1")
    assert "code_challenge_method=S256" in url and "access_type=offline" in url
    state = url.split("state=")[1].split("&")[0]
    import urllib.parse

    owner, verifier = oauth.open_state(cipher, urllib.parse.unquote(state))
    assert owner == "user-1" and len(verifier) >= 43
    with pytest.raises(OAuthError):
        oauth.open_state(cipher, "forged")
    with pytest.raises(OAuthError):
        oauth.open_state(TokenCipher(tmp_path / "other"), urllib.parse.unquote(state))


def test_device_flow_waits_for_approval(fake, oauth):
    device = oauth.device_start()
    threading.Timer(0.3, fake.approve_device, args=(device.user_code,)).start()
    tokens = oauth.device_wait(device, sleep=lambda s: __import__("time").sleep(0.05))
    assert tokens["refresh_token"] in fake.refresh_tokens


def test_refresh_after_revocation_needs_reconnect(fake, oauth):
    tokens = fake.grant()
    assert oauth.refresh(tokens)["access_token"] in fake.access_tokens
    assert oauth.revoke(tokens["refresh_token"])
    with pytest.raises(NeedsReconnect):
        oauth.refresh(tokens)


def test_device_flow_slows_down_when_told_and_stops_when_denied(fake, oauth):
    fake.device_interval = 5
    fake.device_slow_down = 1  # Google: "polling too fast"
    device = oauth.device_start()
    assert device.interval == 5
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            fake.approve_device(device.user_code)

    tokens = oauth.device_wait(device, sleep=sleep)
    assert waits == [10, 10]  # slow_down adds 5 s to the interval, for good
    assert tokens["refresh_token"] in fake.refresh_tokens

    denied = oauth.device_start()
    fake.deny_device(denied.user_code)
    with pytest.raises(OAuthError) as error:
        oauth.device_wait(denied, sleep=lambda s: None)
    assert error.value.error == "access_denied"
