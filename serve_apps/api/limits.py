"""A cap on request bodies, enforced before anything is parsed or spooled to disk.

A declared Content-Length over the cap is answered 413 at once; a chunked body is counted as
it arrives and cut off with 413 when it passes the cap.
"""

from __future__ import annotations

from fastapi import HTTPException, status
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    @property
    def message(self) -> str:
        return f"request body is larger than {self.max_bytes} bytes, the limit"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = JSONResponse({"detail": self.message}, status.HTTP_413_CONTENT_TOO_LARGE)
            return await response(scope, receive, send)
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, self.message)
            return message

        await self.app(scope, counting_receive, send)
