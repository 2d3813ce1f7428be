"""A fake GitHub on loopback, speaking its OAuth 2.0 web flow and REST API to the studio.

`GET /login/oauth/authorize` plays the sign-in page (the current user consents at once and the
browser is sent back with a code and the state); `POST /login/oauth/access_token` checks the
client's credentials in the form, the code once, its redirect URI and the PKCE verifier, and
answers as GitHub does: 200 and JSON even when it refuses (`{"error": "bad_verification_code"}`).
`GET /user` and `GET /user/emails` need the bearer token it issued. The web and API roots are the
same server here.

A test changes `user` and `emails`, or sets `refuse` to the error the next exchanges answer.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import urllib.parse
from typing import Any

from tests.utils.loopback import JSONHandler, LoopbackFake

CLIENT_ID = "Iv1.filmstudio-test"
CLIENT_SECRET = "gh-s3cret/with+symbols"


class FakeGitHub(LoopbackFake):
    def __init__(self, port: int = 0) -> None:
        self.user: dict[str, Any] = {"id": 583231, "login": "octocat", "name": "The Octocat"}
        self.emails: list[dict[str, Any]] = [
            {"email": "octo@work.test", "primary": False, "verified": True, "visibility": None},
            {
                "email": "Octo@GitHub.test",
                "primary": True,
                "verified": True,
                "visibility": "public",
            },
        ]
        self.refuse: str | None = None  # e.g. "bad_verification_code"
        self.codes: dict[str, dict[str, str]] = {}
        self.tokens: set[str] = set()
        self.authorize_queries: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.listen(_handler, port)

    def provider_settings(self, **extra) -> dict[str, Any]:
        return {
            "kind": "github",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "web_root": self.url,
            "api_root": self.url,
        } | extra


def _handler(fake: FakeGitHub):
    class Handler(JSONHandler):
        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/login/oauth/authorize":
                self._authorize(dict(urllib.parse.parse_qsl(url.query)))
                return
            if url.path not in ("/user", "/user/emails"):
                self._json(404, {"message": "Not Found"})
                return
            scheme, _, token = self.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or token not in fake.tokens:
                self._json(401, {"message": "Bad credentials"})
                return
            self._json(200, fake.user if url.path == "/user" else fake.emails)

        def _authorize(self, query: dict[str, str]) -> None:
            fake.authorize_queries.append(query)
            problems = [
                query.get("client_id") != CLIENT_ID,
                query.get("code_challenge_method") != "S256",
                not query.get("code_challenge"),
                not query.get("redirect_uri"),
            ]
            if any(problems):
                self._json(400, {"error": "invalid_request", "query": query})
                return
            code = secrets.token_hex(10)
            with fake.lock:
                fake.codes[code] = {
                    "challenge": query["code_challenge"],
                    "redirect_uri": query["redirect_uri"],
                }
            back = {"code": code, "state": query.get("state", "")}
            self.send_response(302)
            self.send_header("Location", f"{query['redirect_uri']}?{urllib.parse.urlencode(back)}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            if self.path != "/login/oauth/access_token":
                self._json(404, {"message": "Not Found"})
                return
            length = int(self.headers.get("Content-Length", 0))
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                self._json(200, {"error": "incorrect_client_credentials"})
                return
            with fake.lock:
                grant = fake.codes.pop(form.get("code", ""), None)  # a code works once
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            if fake.refuse or grant is None:
                self._json(200, {"error": fake.refuse or "bad_verification_code"})
                return
            if grant["redirect_uri"] != form.get("redirect_uri"):
                self._json(200, {"error": "redirect_uri_mismatch"})
                return
            if challenge.rstrip(b"=").decode() != grant["challenge"]:
                self._json(200, {"error": "invalid_grant"})
                return
            token = f"gho_{secrets.token_hex(16)}"
            fake.tokens.add(token)
            self._json(
                200,
                {"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"},
            )

    return Handler


def main() -> None:
    """`python -m tests.utils.fake_github --port N`: serve until killed (the web app's
    end-to-end server signs in through it)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    fake = FakeGitHub(parser.parse_args().port)
    print(f"fake GitHub at {fake.url}", flush=True)
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
