from __future__ import annotations

import pytest

from tests.utils.fake_youtube import FakeYouTube


@pytest.fixture
def fake():
    with FakeYouTube() as server:
        yield server


@pytest.fixture
def oauth(fake):
    from youtube.oauth import OAuthClient

    s = fake.settings()
    return OAuthClient(
        client_id=s["youtube_client_id"],
        client_secret=s["youtube_client_secret"],
        redirect_url="http://127.0.0.1:1/callback",
        auth_url=s["youtube_auth_url"],
        token_url=s["youtube_token_url"],
        revoke_url=s["youtube_revoke_url"],
        device_url=s["youtube_device_url"],
    )


@pytest.fixture
def service(fake, oauth):
    """The real youtube v3 client, pointed at the fake, with a consented user's tokens."""
    from youtube.client import build_youtube

    tokens = oauth.refresh(fake.grant())
    return build_youtube(oauth.credentials(tokens), fake.url + "/")
