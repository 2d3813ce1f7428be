"""A fake YouTube Data API v3 and Google OAuth server on loopback, for the real Google client.

It speaks the protocol the studio uses: the resumable upload session (start → Location; PUT
chunks with Content-Range → 308 with Range; `bytes */N` status queries; the final 200 with the
video), thumbnails.set, captions.insert (multipart), playlists.list/insert, playlistItems.insert,
channels.list, and the OAuth token (authorization code with PKCE, refresh, device code), device
and revoke endpoints. `GET /auth` plays Google's consent page: it approves at once and
redirects to the redirect URI with a code.

Faults a test can inject: drop the connection after N bytes of a chunk, answer 503, expire the
access tokens (the next call gets 401), revoke refresh tokens, and quota errors.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.utils.loopback import LoopbackFake

CLIENT_ID = "fake-client.apps.googleusercontent.com"
CLIENT_SECRET = "fake-secret"
CHANNEL = {"id": "UCfakechannel0000000001", "title": "The Lighthouse Films"}

COSTS = {
    "channels.list": 1,
    "playlists.list": 1,
    "playlists.insert": 50,
    "playlistItems.insert": 50,
    "thumbnails.set": 50,
    "captions.insert": 400,
    "videos.insert": 0,
}


@dataclass
class Session:
    resource: dict
    total: int
    data: bytearray = field(default_factory=bytearray)
    video_id: str | None = None


class FakeYouTube(LoopbackFake):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: dict[str, dict] = {}  # authorization code → challenge, redirect
        self.devices: dict[str, dict] = {}  # device_code → user_code, approved, denied
        self.device_interval = 0  # the polling interval the device endpoint asks for (s)
        self.device_slow_down = 0  # answer the next N device-token polls with slow_down
        self.device_polls = 0
        self.refresh_tokens: set[str] = set()
        self.access_tokens: set[str] = set()
        self.revoked: list[str] = []
        self.sessions: dict[str, Session] = {}
        self.videos: dict[str, dict] = {}
        self.thumbnails: dict[str, bytes] = {}
        self.captions: dict[str, dict[str, str]] = {}  # video → language → text
        self.caption_names: dict[str, dict[str, str]] = {}  # video → language → track name
        self.playlists: dict[str, dict] = {}
        self.calls: list[str] = []
        self.units = 0
        self.uploads = 0
        self.bytes_received = 0  # every upload byte read, re-sent ones included
        # injected faults
        self.drop_after: list[int] = []  # each: drop the next chunk PUT after N bytes
        self.fail_503 = 0  # answer the next N chunk PUTs with 503
        self.quota_reason: str | None = None  # every API call answers 403 with this reason
        self.failures: list[dict] = []  # each injected failure, with bytes received before it
        self.stall_put: int | None = None  # hold the Nth chunk PUT (1-based) until `release`
        self.stalled = threading.Event()  # set while a chunk PUT is held
        self.release = threading.Event()  # then the held PUT is dropped unread
        self.chunk_puts = 0
        self.listen(_handler)

    # --- what tests read and do ----------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return dict(
            youtube_client_id=CLIENT_ID,
            youtube_client_secret=CLIENT_SECRET,
            youtube_api_root=self.url + "/",
            youtube_auth_url=self.url + "/auth",
            youtube_token_url=self.url + "/token",
            youtube_revoke_url=self.url + "/revoke",
            youtube_device_url=self.url + "/device/code",
        )

    def grant(self) -> dict[str, str]:
        """Tokens as if a user had consented (for tests that skip the browser)."""
        with self.lock:
            return self._issue(refresh=True)

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def revoke_all(self) -> None:
        with self.lock:
            self.revoked.extend(self.refresh_tokens)
            self.refresh_tokens.clear()
            self.access_tokens.clear()

    def approve_device(self, user_code: str) -> None:
        with self.lock:
            for device in self.devices.values():
                if device["user_code"] == user_code:
                    device["approved"] = True

    def deny_device(self, user_code: str) -> None:
        with self.lock:
            for device in self.devices.values():
                if device["user_code"] == user_code:
                    device["denied"] = True

    def video_bytes(self, video_id: str) -> bytes:
        for session in self.sessions.values():
            if session.video_id == video_id:
                return bytes(session.data)
        raise KeyError(video_id)

    # --- internals ------------------------------------------------------------------------------

    def _issue(self, refresh: bool) -> dict[str, Any]:
        access = "ya29.fake-" + secrets.token_urlsafe(24)
        self.access_tokens.add(access)
        answer = {
            "access_token": access,
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": "https://www.googleapis.com/auth/youtube.force-ssl",
        }
        if refresh:
            token = "1//fake-refresh-" + secrets.token_urlsafe(24)
            self.refresh_tokens.add(token)
            answer["refresh_token"] = token
        return answer


def _error(code: int, reason: str, message: str = "") -> tuple[int, dict]:
    return code, {
        "error": {
            "code": code,
            "message": message or reason,
            "errors": [{"reason": reason, "message": message or reason, "domain": "youtube"}],
        }
    }


def _handler(fake: FakeYouTube):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        # --- plumbing -----------------------------------------------------------------------

        def _send(self, code: int, body: Any = None, headers: dict | None = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(code)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization", "")
            token = header[7:] if header.startswith("Bearer ") else ""
            with fake.lock:
                ok = token in fake.access_tokens
            if not ok:
                self._body()
                self._send(*_error(401, "authError", "Invalid Credentials"))
            return ok

        def _api(self, method: str) -> bool:
            """Count the call; False (answered) when unauthorized or over quota."""
            if not self._authorized():
                return False
            with fake.lock:
                fake.calls.append(method)
                fake.units += COSTS.get(method, 1)
                reason = fake.quota_reason
            if reason:
                self._body()
                self._send(*_error(403, reason, "The request cannot be completed: quota"))
                return False
            return True

        def _route(self) -> tuple[str, dict[str, str]]:
            url = urllib.parse.urlsplit(self.path)
            return url.path, dict(urllib.parse.parse_qsl(url.query))

        # --- verbs --------------------------------------------------------------------------

        def do_GET(self) -> None:
            path, query = self._route()
            if path == "/auth":
                return self._consent(query)
            if path == "/youtube/v3/channels" and self._api("channels.list"):
                item = {"kind": "youtube#channel", "id": CHANNEL["id"]}
                item["snippet"] = {"title": CHANNEL["title"]}
                return self._send(200, {"items": [item]})
            if path == "/youtube/v3/playlists" and self._api("playlists.list"):
                with fake.lock:
                    items = [
                        {"id": pid, "snippet": {"title": p["title"]}}
                        for pid, p in fake.playlists.items()
                    ]
                return self._send(200, {"items": items})
            if path not in ("/youtube/v3/channels", "/youtube/v3/playlists"):
                self._send(404, {"error": "not found"})

        def do_POST(self) -> None:
            path, query = self._route()
            if path == "/token":
                return self._token()
            if path == "/device/code":
                return self._device()
            if path == "/revoke":
                return self._revoke(query)
            if path == "/upload/youtube/v3/videos":
                if self._api("videos.insert"):
                    self._start_upload(query)
                return None
            if path == "/upload/youtube/v3/thumbnails/set":
                if self._api("thumbnails.set"):
                    data = self._body()
                    with fake.lock:
                        fake.thumbnails[query["videoId"]] = data
                    self._send(200, {"kind": "youtube#thumbnailSetResponse", "items": [{}]})
                return None
            if path == "/upload/youtube/v3/captions":
                if self._api("captions.insert"):
                    self._caption()
                return None
            if path == "/youtube/v3/playlists":
                if self._api("playlists.insert"):
                    body = json.loads(self._body())
                    pid = "PL" + secrets.token_hex(8)
                    with fake.lock:
                        fake.playlists[pid] = {"title": body["snippet"]["title"], "items": []}
                    self._send(200, {"id": pid, **body})
                return None
            if path == "/youtube/v3/playlistItems":
                if self._api("playlistItems.insert"):
                    body = json.loads(self._body())
                    snippet = body["snippet"]
                    with fake.lock:
                        playlist = fake.playlists.setdefault(
                            snippet["playlistId"], {"title": "", "items": []}
                        )
                        playlist["items"].append(snippet["resourceId"]["videoId"])
                    self._send(200, {"id": "PLI" + secrets.token_hex(8), **body})
                return None
            self._body()
            self._send(404, {"error": "not found"})

        def do_PUT(self) -> None:
            path, query = self._route()
            if path != "/upload/youtube/v3/videos" or "upload_id" not in query:
                self._body()
                return self._send(404, {"error": "not found"})
            if not self._authorized():
                return None
            self._chunk(query["upload_id"])

        # --- OAuth --------------------------------------------------------------------------

        def _consent(self, query: dict[str, str]) -> None:
            code = "4/fake-code-" + secrets.token_urlsafe(16)
            with fake.lock:
                fake.codes[code] = {
                    "challenge": query.get("code_challenge"),
                    "redirect": query["redirect_uri"],
                    "client_id": query["client_id"],
                }
            target = (
                query["redirect_uri"]
                + "?"
                + urllib.parse.urlencode(
                    {"code": code, "state": query["state"], "scope": query.get("scope", "")}
                )
            )
            self._send(302, None, {"Location": target})

        def _token(self) -> None:
            form = dict(urllib.parse.parse_qsl(self._body().decode()))
            if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                return self._send(401, {"error": "invalid_client"})
            grant = form.get("grant_type")
            with fake.lock:
                if grant == "authorization_code":
                    issued = fake.codes.pop(form.get("code", ""), None)
                    verifier = form.get("code_verifier", "")
                    digest = hashlib.sha256(verifier.encode()).digest()
                    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                    if issued is None or issued["challenge"] != challenge:
                        return self._send(400, {"error": "invalid_grant"})
                    if issued["redirect"] != form.get("redirect_uri"):
                        return self._send(400, {"error": "redirect_uri_mismatch"})
                    return self._send(200, fake._issue(refresh=True))
                if grant == "refresh_token":
                    if form.get("refresh_token") not in fake.refresh_tokens:
                        return self._send(
                            400,
                            {
                                "error": "invalid_grant",
                                "error_description": "Token has been expired or revoked.",
                            },
                        )
                    return self._send(200, fake._issue(refresh=False))
                if grant == "urn:ietf:params:oauth:grant-type:device_code":
                    device = fake.devices.get(form.get("device_code", ""))
                    fake.device_polls += 1
                    if device is None:
                        return self._send(400, {"error": "expired_token"})
                    if fake.device_slow_down > 0:  # polled faster than the interval
                        fake.device_slow_down -= 1
                        return self._send(403, {"error": "slow_down"})
                    if device.get("denied"):
                        del fake.devices[form["device_code"]]
                        return self._send(403, {"error": "access_denied"})
                    if not device["approved"]:
                        return self._send(428, {"error": "authorization_pending"})
                    del fake.devices[form["device_code"]]
                    return self._send(200, fake._issue(refresh=True))
            self._send(400, {"error": "unsupported_grant_type"})

        def _device(self) -> None:
            form = dict(urllib.parse.parse_qsl(self._body().decode()))
            if form.get("client_id") != CLIENT_ID:
                return self._send(401, {"error": "invalid_client"})
            if not form.get("scope"):
                return self._send(400, {"error": "invalid_scope"})
            device_code = secrets.token_urlsafe(16)
            user_code = secrets.token_hex(4).upper()
            with fake.lock:
                fake.devices[device_code] = {"user_code": user_code, "approved": False}
            self._send(
                200,
                {
                    "device_code": device_code,
                    "user_code": user_code,
                    "verification_url": fake.url + "/device",
                    "expires_in": 1800,
                    "interval": fake.device_interval,
                },
            )

        def _revoke(self, query: dict[str, str]) -> None:
            form = dict(urllib.parse.parse_qsl(self._body().decode()))
            token = form.get("token") or query.get("token", "")
            with fake.lock:
                known = token in fake.refresh_tokens or token in fake.access_tokens
                fake.refresh_tokens.discard(token)
                fake.access_tokens.discard(token)
                if known:
                    fake.revoked.append(token)
            self._send(200 if known else 400, {} if known else {"error": "invalid_token"})

        # --- uploads ------------------------------------------------------------------------

        def _start_upload(self, query: dict[str, str]) -> None:
            if query.get("uploadType") != "resumable":
                self._body()
                return self._send(*_error(400, "badRequest", "only resumable uploads"))
            resource = json.loads(self._body() or b"{}")
            total = int(self.headers.get("X-Upload-Content-Length", "-1"))
            upload_id = secrets.token_urlsafe(12)
            with fake.lock:
                fake.sessions[upload_id] = Session(resource=resource, total=total)
            location = (
                f"{fake.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
            )
            self._send(200, None, {"Location": location})

        def _chunk(self, upload_id: str) -> None:
            session = fake.sessions.get(upload_id)
            length = int(self.headers.get("Content-Length") or 0)
            if session is None:
                self.rfile.read(length)
                return self._send(*_error(404, "notFound", "upload session not found"))
            spec = self.headers.get("Content-Range", "")
            unit, _, span = spec.partition(" ")
            first_last, _, _total = span.partition("/")
            if first_last == "*":  # where do we stand?
                self.rfile.read(length)
                return self._state(session)
            with fake.lock:
                drop = fake.drop_after.pop(0) if fake.drop_after else None
                fail = fake.fail_503 > 0
                fake.fail_503 -= 1 if fail else 0
                fake.chunk_puts += 1
                stall = fake.chunk_puts == fake.stall_put
            if stall:  # the uploader hangs here (a test kills it); its bytes never arrive
                fake.stalled.set()
                fake.release.wait(60)
                with fake.lock:
                    fake.failures.append({"kind": "stall", "at": len(session.data), "read": 0})
                self.close_connection = True
                return None
            if drop is not None:
                data = self.rfile.read(min(drop, length))
                with fake.lock:
                    fake.bytes_received += len(data)
                    fake.failures.append(
                        {"kind": "drop", "at": len(session.data), "read": len(data)}
                    )
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return None
            data = self.rfile.read(length)
            with fake.lock:
                fake.bytes_received += len(data)
            if fail:
                with fake.lock:
                    fake.failures.append(
                        {"kind": "503", "at": len(session.data), "read": len(data)}
                    )
                return self._send(*_error(503, "backendError", "try again"))
            first = int(first_last.split("-")[0])
            if first == len(session.data):  # anything else is a byte we already hold
                session.data += data
            if len(session.data) >= session.total:
                return self._finish(session)
            self._state(session)

        def _state(self, session: Session) -> None:
            if session.video_id is not None:
                return self._send(200, fake.videos[session.video_id])
            headers = {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}
            self._send(308, None, headers)

        def _finish(self, session: Session) -> None:
            video_id = secrets.token_urlsafe(8)[:11]
            resource = {
                "kind": "youtube#video",
                "id": video_id,
                **session.resource,
                "sha256": hashlib.sha256(session.data).hexdigest(),
            }
            with fake.lock:
                session.video_id = video_id
                fake.videos[video_id] = resource
                fake.uploads += 1
            self._send(200, resource)

        def _caption(self) -> None:
            body = self._body()
            head = f"Content-Type: {self.headers.get('Content-Type')}\r\n\r\n".encode()
            message = BytesParser(policy=HTTP).parsebytes(head + body)
            parts = list(message.iter_parts())
            meta = json.loads(parts[0].get_payload(decode=True))
            text = parts[1].get_payload(decode=True).decode()
            snippet = meta["snippet"]
            with fake.lock:
                fake.captions.setdefault(snippet["videoId"], {})[snippet["language"]] = text
                names = fake.caption_names.setdefault(snippet["videoId"], {})
                names[snippet["language"]] = snippet.get("name", "")
            self._send(200, {"kind": "youtube#caption", "id": secrets.token_hex(6), **meta})

    return Handler
