"""A slow, failing, rate-limited or runaway model: the practitioner still gets an answer (the
extractive fallback, with a notice), through the web API and the stream. Every request to the
model carries ``max_tokens``, offers no tools, and no secret appears in any prompt."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.llm_server import StandInServer
from tests.security.support import security_app
from tests.web_fakes import csrf_token

API_KEY = "sk-test-never-in-a-prompt-0123456789"
SECRET_KEY = "security-suite-secret"
TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    srv = StandInServer(slow_seconds=TIMEOUT_S * 4).start()
    yield srv
    srv.stop()


def _app(tmp_path: Path, server: StandInServer, mode: str) -> Any:
    return security_app(
        tmp_path,
        llm_base_url=server.base_url,
        llm_model=f"stand-in/{mode}",
        llm_api_key=API_KEY,
        llm_timeout_s=TIMEOUT_S,
        llm_max_retries=1,
        llm_max_tokens=120,
        generator="llm",
    )


QUESTION = "What did the Child Q review conclude about adultification?"


@pytest.mark.parametrize("mode", ["slow", "500", "429", "429-long", "endless"])
def test_a_failing_model_still_gives_an_answer(
    tmp_path: Path, server: StandInServer, mode: str
) -> None:
    client = _app(tmp_path, server, mode).test_client()
    started = time.monotonic()
    body = client.post("/api/ask", json={"question": QUESTION}).get_json()
    elapsed = time.monotonic() - started
    assert body["status"] in ("answered", "partial")
    assert body["generator"] == "extractive" and body["citations"]
    assert any("language model" in n.lower() or "could not" in n.lower() for n in body["notices"])
    # Bounded: two attempts at the timeout plus backoff (a hang would be minutes, not seconds).
    assert elapsed < 2 * TIMEOUT_S + 6


def test_an_endless_stream_is_cut_off_in_the_page_stream(
    tmp_path: Path, server: StandInServer
) -> None:
    client = _app(tmp_path, server, "endless").test_client()
    hung_up = server.hung_up
    streamed = client.post(
        "/api/ask/stream", json={"question": QUESTION}, headers={"X-CSRFToken": csrf_token(client)}
    ).get_data(as_text=True)
    answer = json.loads(streamed.split("event: answer\ndata: ")[1].split("\n")[0])["answer"]
    assert answer["status"] in ("answered", "partial") and answer["generator"] == "extractive"
    assert "and so on" not in answer["text"]
    deadline = time.monotonic() + 5
    while server.hung_up == hung_up and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.hung_up > hung_up  # the connection to the runaway server was closed


def test_requests_carry_limits_no_tools_and_no_secrets(
    tmp_path: Path, server: StandInServer
) -> None:
    client = _app(tmp_path, server, "normal").test_client()
    before = len(server.requests)
    body = client.post("/api/ask", json={"question": QUESTION}).get_json()
    assert body["generator"] == "llm"
    sent = server.requests[before:]
    assert sent
    for request in sent:
        payload = request["body"]
        assert payload.get("max_tokens") == 120 or payload.get("max_completion_tokens") == 120
        assert not payload.get("tools") and not payload.get("functions")
        assert "tool_choice" not in payload and "function_call" not in payload
        prompt = json.dumps(payload["messages"])
        for secret in (API_KEY, SECRET_KEY):
            assert secret not in prompt
        assert request["auth"].endswith(API_KEY)  # the key goes in the header, and only there
