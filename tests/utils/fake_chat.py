"""A local server speaking the OpenAI chat-completions protocol, with scripted faults.

    with FakeChat() as chat:
        chat.replies += [Reply(status=429), Reply(content='{"shots": []}')]
        ... FILMSTUDIO_LLM_BASE_URL=chat.base_url ...
        chat.requests    # what each request carried: headers and JSON body

Each request takes the next reply (the last one repeats): an HTTP error status (with a
Retry-After, and the content as the error's message), a delay before answering (to trip a client's read timeout), or the content as a
chat completion — as one JSON body, or as server-sent events when the request asks to stream
(split into small deltas, usage in the last chunk as `stream_options.include_usage` asks).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    retry_after: str | None = None
    delay_s: float = 0.0
    total_tokens: int = 100


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict


class FakeChat:
    def __init__(self):
        self.replies: list[Reply] = []
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests.append(Seen(self.path, dict(self.headers), body))
                    reply = fake.replies.pop(0) if len(fake.replies) > 1 else fake.replies[0]
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if self.path != "/v1/chat/completions":
                    return self._json(404, {"error": {"message": "no such route"}})
                if reply.status != 200:
                    headers = {"Retry-After": reply.retry_after} if reply.retry_after else {}
                    return self._json(
                        reply.status, {"error": {"message": reply.content or "slow down"}}, headers
                    )
                if body.get("stream"):
                    return self._events(body, reply)
                return self._json(
                    200,
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "model": body.get("model"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": reply.content},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"total_tokens": reply.total_tokens},
                    },
                )

            def _json(self, status, data, headers=None):
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def _events(self, body, reply):
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                text = reply.content
                pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
                chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
                chunks += [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
                if (body.get("stream_options") or {}).get("include_usage"):
                    chunks.append({"choices": [], "usage": {"total_tokens": reply.total_tokens}})
                for chunk in chunks:
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b": keep-alive comment\n\ndata: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeChat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
