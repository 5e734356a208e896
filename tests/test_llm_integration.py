"""The LLM path end to end: the real demo build, the real Assistant, the stand-in chat server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.generation.llm import build_chat_model
from assistant.prompts import message
from assistant.settings import Settings
from assistant.text.spans import markers
from tests.llm_server import StandInServer

pytestmark = pytest.mark.integration

QUESTION = "What did the Child Q review conclude about racism and adultification?"


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    srv = StandInServer(slow_seconds=5.0).start()
    yield srv
    srv.stop()


def assistant_for(demo_index, real_embedder, server: StandInServer, mode: str):  # type: ignore[no-untyped-def]
    from assistant.pipeline import build_assistant

    base, index = demo_index
    settings = Settings(
        data_dir=base.data_dir,
        llm_base_url=server.base_url,
        llm_model=f"stand-in/{mode}",
        llm_max_retries=0,
        llm_timeout_s=5.0,
        _env_file=None,
    )
    model = build_chat_model(settings)
    return build_assistant(settings, embedder=real_embedder, index=index, chat_model=model)


def test_llm_answer_citations_verify_against_the_pages(demo_index, real_embedder, server) -> None:  # type: ignore[no-untyped-def]
    answer = assistant_for(demo_index, real_embedder, server, "normal").ask(
        QUESTION, generator="llm"
    )
    assert answer.status == "answered" and answer.generator == "llm"
    assert answer.citations and all(c.verified for c in answer.citations)
    assert sorted(c.n for c in answer.citations) == sorted(markers(answer.text))
    assert message("llm_unavailable") not in answer.notices


def test_unavailable_model_falls_back_to_extractive(demo_index, real_embedder, server) -> None:  # type: ignore[no-untyped-def]
    answer = assistant_for(demo_index, real_embedder, server, "500").ask(QUESTION, generator="llm")
    assert answer.status == "answered" and answer.generator == "extractive"
    assert message("llm_unavailable") in answer.notices
    assert answer.citations and all(c.verified for c in answer.citations)


def test_stream_through_the_assistant(demo_index, real_embedder, server) -> None:  # type: ignore[no-untyped-def]
    a = assistant_for(demo_index, real_embedder, server, "normal")
    items = list(a.ask_stream(QUESTION, generator="llm"))
    assert items[-1][0] == "answer" and all(kind == "token" for kind, _ in items[:-1])
    assert len(items) > 5
    assert items[-1][1].generator == "llm"
