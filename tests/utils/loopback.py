"""What the fake services (OpenID provider, GitHub, YouTube) share: an HTTP server on loopback,
served by a daemon thread while the fake is open (`with`), and a quiet handler answering JSON."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class LoopbackFake:
    """A fake service on http://127.0.0.1:PORT (`url`); its requests go to `handler(self)`."""

    def listen(self, handler: Callable[[Any], type[BaseHTTPRequestHandler]], port: int = 0) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class JSONHandler(BaseHTTPRequestHandler):
    """A handler that logs nothing and answers JSON bodies."""

    def log_message(self, *args) -> None:  # quiet
        pass

    def _json(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
