"""The YouTube Data API v3 client, built from the discovery document inside the wheel.

No discovery request goes out. The document's root URL is rewritten when `api_root` is not
Google's, so every call, uploads included, goes there (a test's fake on loopback); the client's
`api_endpoint` option alone keeps https for media uploads.
"""

from __future__ import annotations

import json

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.errors import HttpError

from youtube.errors import NeedsReconnect

GOOGLE_ROOT = "https://youtube.googleapis.com/"


def discovery_document(api_root: str = GOOGLE_ROOT) -> dict:
    doc = json.loads(get_static_doc("youtube", "v3"))
    if api_root.rstrip("/") != doc["rootUrl"].rstrip("/"):
        root = api_root.rstrip("/") + "/"
        doc["rootUrl"] = root
        doc["baseUrl"] = root + doc["servicePath"]
        doc.pop("mtlsRootUrl", None)
    return doc


def build_youtube(credentials, api_root: str = GOOGLE_ROOT, timeout_s: float = 120.0):
    """A youtube v3 service whose requests carry (and refresh) `credentials`."""
    transport = httplib2.Http(timeout=timeout_s)
    # 308 is "resume incomplete" in the upload protocol, not a redirect (as in build_http()).
    transport.redirect_codes = transport.redirect_codes - {308}
    http = google_auth_httplib2.AuthorizedHttp(credentials, http=transport)
    return build_from_document(discovery_document(api_root), http=http)


def error_reason(exc: HttpError) -> str:
    """The first `reason` of a Google error answer ("quotaExceeded"), or ""."""
    try:
        details = exc.error_details
        if isinstance(details, list) and details and isinstance(details[0], dict):
            return details[0].get("reason", "")
        body = json.loads(exc.content or b"{}")
        return body.get("error", {}).get("errors", [{}])[0].get("reason", "")
    except (ValueError, AttributeError, IndexError, TypeError):
        return ""


def reconnect_error(exc: RefreshError) -> NeedsReconnect | None:
    """NeedsReconnect when a refresh failed because Google revoked the grant; None otherwise."""
    return NeedsReconnect() if "invalid_grant" in str(exc) else None
