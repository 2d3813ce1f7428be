"""The LLM through any OpenAI-compatible chat-completions API: a remote vLLM server, Ollama,
OpenAI, or a provider's compatible endpoint (Anthropic's included).

    engine = api_engine()            # from settings (FILMSTUDIO_LLM_*); None when not configured
    plan = engine.plan(script, fallback=analyze(script))

`ChatAPI` is one more backend of `LLMEngine` (see llm.py): the same prompts, the same pydantic
validation of the JSON answer, the same rule-based prompts for any chunk of shots whose answer is
missing or invalid. So a server that is down, slow, out of quota or answering nonsense costs the
film its LLM prompts (with a warning in the log), never the film.

Each request: connect and read timeouts, retries with exponential backoff and full jitter on 429,
5xx, timeouts and dropped connections (a server's Retry-After is honoured, capped), and a token
budget for the whole film's plan (the usage the server reports, else an estimate). Answers stream
(server-sent events) or not, by setting.

The API key is sent only in the Authorization header; it is never logged, and any text logged
from a server's answer has it masked. Hand-written over httpx rather than the `openai` client:
the protocol is two JSON shapes, and the retry, budget and masking rules are ours either way.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)

RETRY_AFTER_MAX_S = 60.0  # a server asking for a longer wait is treated as down
CHARS_PER_TOKEN = 4  # estimate of a prompt's tokens when the server reports no usage


class ChatAPIError(RuntimeError):
    """A request the API did not answer usefully (after its retries): the message is safe to log."""


@dataclass
class Answer:
    text: str
    tokens: int  # prompt + completion, as the server counted them (else estimated)


class ChatAPI:
    """`generate(prompts, max_new_tokens) -> texts` over POST {base_url}/chat/completions."""

    device = "remote"  # no local device: LLMEngine's health check has nothing to test

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 60.0,
        connect_timeout_s: float = 10.0,
        max_retries: int = 4,
        retry_base_s: float = 1.0,
        token_budget: int = 60_000,
        stream: bool = False,
        json_mode: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self._key = api_key or None
        self.timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self.max_retries = max_retries
        self.retry_base_s = retry_base_s
        self.token_budget = token_budget
        self.stream = stream
        self.json_mode = json_mode
        self.sleep = sleep

    def __repr__(self) -> str:  # never the key
        return f"ChatAPI({self.url!r}, model={self.model!r})"

    @classmethod
    def from_settings(cls, settings=None) -> ChatAPI | None:
        """The backend the settings configure; None without `llm_base_url`."""
        if settings is None:
            from infra.settings import get_settings

            settings = get_settings()
        if not settings.llm_base_url:
            return None
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return cls(
            settings.llm_base_url,
            settings.llm_model,
            key,
            timeout_s=settings.llm_timeout_s,
            connect_timeout_s=settings.llm_connect_timeout_s,
            max_retries=settings.llm_max_retries,
            retry_base_s=settings.llm_retry_base_s,
            token_budget=settings.llm_token_budget,
            stream=settings.llm_stream,
            json_mode=settings.llm_json_mode,
        )

    # -- the backend interface -------------------------------------------------------------

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[str]:
        """One answer per prompt, in order; "" for a prompt the API did not answer (a warning
        says why) or that the token budget no longer covers. One film's plan is one call."""
        left = self.token_budget
        answers = []
        with httpx.Client(timeout=self.timeout, headers=self._headers()) as client:
            for n, prompt in enumerate(prompts, 1):
                needed = len(prompt) // CHARS_PER_TOKEN + 16
                if left < needed + 16:
                    log.warning(
                        "LLM API: the token budget (%d) is spent; request %d of %d and the rest "
                        "keep prompts derived from the script",
                        self.token_budget,
                        n,
                        len(prompts),
                    )
                    answers += [""] * (len(prompts) - n + 1)
                    break
                try:
                    answer = self.complete(client, prompt, min(max_new_tokens, left - needed))
                except ChatAPIError as exc:
                    log.warning("LLM API: request %d of %d failed: %s", n, len(prompts), exc)
                    answers.append("")
                    continue
                left -= answer.tokens
                answers.append(answer.text)
        return answers

    # -- one request, retried --------------------------------------------------------------

    def complete(self, client: httpx.Client, prompt: str, max_tokens: int) -> Answer:
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens,
            "temperature": 0,
        }
        if self.json_mode:
            body["response_format"] = {"type": "json_object"}
        if self.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        for attempt in range(self.max_retries + 1):
            try:
                answer = self._stream(client, body) if self.stream else self._once(client, body)
            except _Retryable as exc:
                problem, wait = str(exc), exc.retry_after
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem, wait = f"{type(exc).__name__} talking to {self._where()}", None
            else:
                answer.tokens = answer.tokens or (len(prompt) + len(answer.text)) // CHARS_PER_TOKEN
                return answer
            if attempt == self.max_retries:
                raise ChatAPIError(f"{problem} (after {attempt + 1} tries)")
            delay = wait if wait is not None else random.uniform(0, self.retry_base_s * 2**attempt)
            log.info("LLM API: %s; retrying in %.2f s", problem, delay)
            self.sleep(delay)
        raise AssertionError("unreachable")

    def _once(self, client: httpx.Client, body: dict) -> Answer:
        response = client.post(self.url, json=body)
        self._check(response, response.text)
        try:
            data = response.json()
            text = data["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ChatAPIError(
                f"{self._where()} answered without choices[0].message.content: "
                f"{self._mask(response.text[:200])!r}"
            ) from exc
        return Answer(text, _total_tokens(data))

    def _stream(self, client: httpx.Client, body: dict) -> Answer:
        """Server-sent events: `data: {chunk}` lines until `data: [DONE]`."""
        parts, tokens = [], 0
        with client.stream("POST", self.url, json=body) as response:
            if response.status_code >= 400:
                response.read()
                self._check(response, response.text)
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue  # comments, event names, keep-alives
                payload = line[len("data:") :].strip()
                if payload == "[DONE]":
                    break
                try:
                    chunk = json.loads(payload)
                except ValueError as exc:
                    raise ChatAPIError(
                        f"{self._where()} streamed a chunk that is not JSON: "
                        f"{self._mask(payload[:200])!r}"
                    ) from exc
                for choice in chunk.get("choices") or []:
                    parts.append((choice.get("delta") or {}).get("content") or "")
                tokens = _total_tokens(chunk) or tokens
        return Answer("".join(parts), tokens)

    def _check(self, response: httpx.Response, text: str) -> None:
        status = response.status_code
        if status < 400:
            return
        said = self._mask(text[:200])
        if status in (408, 409, 429) or status >= 500:
            raise _Retryable(
                f"{self._where()} answered HTTP {status}: {said!r}",
                _retry_after(response.headers.get("retry-after")),
            )
        raise ChatAPIError(f"{self._where()} refused the request: HTTP {status}: {said!r}")

    # -- the key stays in the header -------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"} if self._key else {}

    def _mask(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def _where(self) -> str:
        """The server, for messages: scheme, host and port only (no user info, no query)."""
        url = httpx.URL(self.url)
        port = f":{url.port}" if url.port else ""
        return f"{url.scheme}://{url.host}{port}"


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None):
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the delta form; a date or a wait over RETRY_AFTER_MAX_S: None)."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds <= RETRY_AFTER_MAX_S else None


def _total_tokens(data: dict) -> int:
    usage = data.get("usage") if isinstance(data, dict) else None
    try:
        return int((usage or {}).get("total_tokens") or 0)
    except (TypeError, ValueError):
        return 0


def api_engine(settings=None):
    """The LLM engine over the configured chat API (`FILMSTUDIO_LLM_BASE_URL`), or None."""
    from pipelines.engines.llm import LLMEngine

    if settings is None:
        from infra.settings import get_settings

        settings = get_settings()
    backend = ChatAPI.from_settings(settings)
    if backend is None:
        return None
    return LLMEngine(backend, max_new_tokens=settings.llm_max_tokens)
