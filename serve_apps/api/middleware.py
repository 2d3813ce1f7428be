"""What every response carries and every request is held to, as plain ASGI middleware.

* Security headers on every answer: a Content-Security-Policy for a same-origin web app
  (scripts and styles from the studio only; pictures and video also from `blob:`/`data:` and,
  when media is on S3, from the bucket's origin, where presigned URLs point; never framed),
  `X-Content-Type-Options: nosniff`, `Referrer-Policy`, and HSTS only over TLS: the request's
  scheme is https, or `X-Forwarded-Proto: https` came from a trusted proxy. /docs and /redoc get
  a policy that also admits the CDN their pages load from.
* CORS only when `cors_origins` lists origins, and then exactly those.
* A body cap per route, counted before anything is parsed: 413 naming the limit. Uploads keep
  their own cap (`max_upload_bytes` and the multipart envelope).
* A time limit per request: a handler that has not begun its answer after `request_timeout_s`
  gets 504 (the outcome is unknown: repeat with the same Idempotency-Key). WebSockets, uploads
  and file downloads are exempt; once an answer has begun it is never cut.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, status
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.settings import Settings

MULTIPART_OVERHEAD = 1024 * 1024  # the multipart envelope around an upload's bytes

DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


def content_security_policy(settings: Settings) -> str:
    """The web app's policy: same origin, media also from blob:/data: and the S3 origin."""
    media = ["'self'", "blob:", "data:", *_storage_origins(settings)]
    return "; ".join(
        [
            "default-src 'self'",
            # Next's static export inlines each page's bootstrap scripts and styles.
            "script-src 'self' 'unsafe-inline'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {' '.join(media)}",
            f"media-src {' '.join(media)}",
            "font-src 'self' data:",
            f"connect-src 'self' {' '.join(_storage_origins(settings))}".rstrip(),
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# FastAPI's /docs and /redoc pages load their scripts and styles from jsDelivr, inline a script,
# and show FastAPI's favicon; Redoc also loads Google fonts and runs a blob: worker.
DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)


def _storage_origins(settings: Settings) -> list[str]:
    """Where presigned media URLs point: the S3 endpoint's origin, or AWS's S3 hosts."""
    if not settings.s3_bucket:
        return []
    if settings.s3_endpoint_url:
        parts = urlsplit(settings.s3_endpoint_url)
        return [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://*.{parts.netloc}"]
    return ["https://*.amazonaws.com"]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.policy = content_security_policy(settings)
        self.trusted = set(settings.forwarded_allow_ips)
        self.hsts = f"max-age={settings.hsts_max_age_s}; includeSubDomains"

    def over_tls(self, scope: Scope) -> bool:
        if scope.get("scheme") in ("https", "wss"):
            return True
        client = scope.get("client")
        if "*" not in self.trusted and (client is None or client[0] not in self.trusted):
            return False
        forwarded = dict(scope["headers"]).get(b"x-forwarded-proto", b"")
        return forwarded.split(b",")[0].strip().lower() == b"https"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        policy = DOCS_POLICY if scope["path"] in DOCS_PATHS else self.policy
        tls = self.over_tls(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"  # frame-ancestors for older browsers
                headers["Referrer-Policy"] = "same-origin"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if tls:
                    headers["Strict-Transport-Security"] = self.hsts
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Routes:
    """Which request is which, by method and path under the API prefix."""

    def __init__(self, prefix: str):
        self.upload = re.compile(rf"^{re.escape(prefix)}/(projects/[^/]+/assets|assets/upload)/?$")
        # bodies that carry a script: generate, and a project or its storyboard as a document
        self.generate = re.compile(
            rf"^{re.escape(prefix)}/(generate/|projects(/[^/]+(/storyboard)?)?/?$)"
        )
        self.download = re.compile(
            rf"^{re.escape(prefix)}/(jobs/[^/]+/outputs/[^/]+|projects/[^/]+/assets/[^/]+/content"
            r"|projects/[^/]+/storyboard/shots/[^/]+/still)$"
        )

    def is_upload(self, scope: Scope) -> bool:
        return scope["method"] == "POST" and bool(self.upload.match(scope["path"]))


class BodyLimits:
    """The body cap of each route: uploads, scripts (/generate), and everything else.

    A declared Content-Length over the cap is answered 413 at once; a chunked body is counted
    as it arrives and cut off with 413 when it passes the cap.
    """

    def __init__(self, app: ASGIApp, settings: Settings, routes: Routes):
        self.app = app
        self.routes = routes
        self.upload = settings.max_upload_bytes + MULTIPART_OVERHEAD
        self.script = settings.max_script_body_bytes
        self.default = settings.max_body_bytes

    def limit_for(self, scope: Scope) -> int:
        if self.routes.is_upload(scope):
            return self.upload
        if self.routes.generate.match(scope["path"]):
            return self.script
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope)
        message = f"request body is larger than {limit} bytes, the limit for this route"
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            response = JSONResponse({"detail": message}, status.HTTP_413_CONTENT_TOO_LARGE)
            return await response(scope, receive, send)
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message_in = await receive()
            if message_in["type"] == "http.request":
                received += len(message_in.get("body", b""))
                if received > limit:
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, message)
            return message_in

        await self.app(scope, counting_receive, send)


class RequestTimeout:
    """504 for a request whose answer has not begun within `seconds`.

    The handler is cancelled; a synchronous one runs on a worker thread that cannot be
    interrupted, so it finishes in the background and its answer is dropped.
    """

    def __init__(self, app: ASGIApp, seconds: float, exempt: Callable[[Scope], bool]):
        self.app = app
        self.seconds = seconds
        self.exempt = exempt
        self._abandoned: set[asyncio.Task] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.seconds <= 0 or self.exempt(scope):
            return await self.app(scope, receive, send)
        started = asyncio.Event()
        timed_out = False

        async def watched_send(message: Message) -> None:
            if timed_out:
                return
            if message["type"] == "http.response.start":
                started.set()
            await send(message)

        handler = asyncio.ensure_future(self.app(scope, receive, watched_send))
        begun = asyncio.ensure_future(started.wait())
        try:
            await asyncio.wait(
                {handler, begun}, timeout=self.seconds, return_when="FIRST_COMPLETED"
            )
        finally:
            begun.cancel()
        if handler.done() or started.is_set():
            return await handler
        timed_out = True
        handler.cancel()
        self._abandoned.add(handler)  # keep a reference until it ends
        handler.add_done_callback(self._forget)
        response = JSONResponse(
            {"detail": f"the request took longer than {self.seconds:g} s, the limit"},
            status.HTTP_504_GATEWAY_TIMEOUT,
        )
        await response(scope, receive, send)

    def _forget(self, task: asyncio.Task) -> None:
        self._abandoned.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved, so asyncio does not log it as never retrieved


def install(app: FastAPI, settings: Settings, prefix: str) -> None:
    """Register the middleware, outermost first: headers, CORS, timeout, body caps."""
    routes = Routes(prefix)

    def exempt_from_timeout(scope: Scope) -> bool:
        return routes.is_upload(scope) or bool(routes.download.match(scope["path"]))

    # Starlette wraps the app in the reverse order of registration: the last added is outermost.
    app.add_middleware(BodyLimits, settings=settings, routes=routes)
    app.add_middleware(
        RequestTimeout, seconds=settings.request_timeout_s, exempt=exempt_from_timeout
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Retry-After", "Idempotent-Replayed", "Content-Disposition"],
        )
    app.add_middleware(SecurityHeaders, settings=settings)
