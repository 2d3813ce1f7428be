"""Sign in with GitHub: plain OAuth 2.0 (no discovery, no ID token), so who signed in is asked
of GitHub's API with the access token the code is exchanged for.

The authorization URL carries `state` and a PKCE S256 challenge (GitHub checks the verifier at
the exchange); the exchange posts the client's credentials in the form and asks for JSON, and
GitHub answers a refused code with 200 and `{"error": …}`, so that answer is a refusal too. The
subject is the account's numeric `id` (a login can be renamed); the email is the primary one of
`/user/emails`, and only when GitHub has verified it.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx

from infra.settings import GitHubProvider, Settings
from serve_apps.api.oidc import TIMEOUT_S, Identity, OIDCError, callback_url, post_token_request

SCOPES = ("read:user", "user:email")
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


@dataclass(frozen=True)
class GitHubClient:
    name: str
    provider: GitHubProvider
    redirect_uri: str

    @property
    def display_name(self) -> str:
        return self.provider.display_name

    def authorization_url(self, *, state: str, nonce: str, challenge: str) -> str:
        """GitHub's sign-in page for this sign-in (OAuth has no nonce: it is not sent)."""
        query = {
            "client_id": self.provider.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.provider.web_root}/login/oauth/authorize?{urllib.parse.urlencode(query)}"

    def exchange(self, code: str, verifier: str) -> str:
        """The access token the code (with its PKCE verifier) is worth."""
        form = {
            "client_id": self.provider.client_id,
            "client_secret": self.provider.client_secret,
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": verifier,
        }
        endpoint = f"{self.provider.web_root}/login/oauth/access_token"
        tokens = post_token_request(self.name, endpoint, form)
        if "error" in tokens:  # GitHub refuses a code with 200 and an `error`
            raise OIDCError(400, f"{self.name} refused the sign-in code: {tokens['error']}")
        if not isinstance(tokens.get("access_token"), str):
            raise OIDCError(502, f"{self.name}: the token answer has no access_token")
        return tokens["access_token"]

    def _get(self, path: str, token: str) -> Any:
        try:
            answer = httpx.get(
                f"{self.provider.api_root}{path}",
                timeout=TIMEOUT_S,
                headers=API_HEADERS | {"Authorization": f"Bearer {token}"},
            )
            answer.raise_for_status()
            return answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OIDCError(502, f"{self.name}: GET {path} failed: {exc}") from None

    def identity(self, code: str, verifier: str, nonce: str) -> Identity:
        """Who signed in: the account's id, and its primary email if GitHub verified it."""
        token = self.exchange(code, verifier)
        user = self._get("/user", token)
        if not isinstance(user, dict) or not isinstance(user.get("id"), int):
            raise OIDCError(502, f"{self.name}: GET /user gave no account id")
        emails = self._get("/user/emails", token)
        primary = next(
            (e for e in emails if isinstance(e, dict) and e.get("primary") is True)
            if isinstance(emails, list)
            else (),
            None,
        )
        email = primary.get("email") if primary else None
        if not isinstance(email, str) or not email:
            raise OIDCError(403, f"email: {self.name} shared no primary email (scope user:email)")
        if primary.get("verified") is not True:
            raise OIDCError(403, f"email: {self.name} has not verified {email}")
        name = user.get("name") or user.get("login")
        return Identity(str(user["id"]), email.strip().lower(), name)


def client_for(settings: Settings, name: str) -> GitHubClient | None:
    """The client of the GitHub provider `name`, or None."""
    provider = settings.oidc_providers.get(name)
    if not isinstance(provider, GitHubProvider):
        return None
    return GitHubClient(name, provider, callback_url(settings, name))
