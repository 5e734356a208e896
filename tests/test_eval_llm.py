"""The eval runner on the LLM path: the real demo build, the real Assistant, the stand-in server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evals import dataset
from evals.judge import LLMJudge
from evals.runner import run_cases
from tests.llm_server import StandInServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    srv = StandInServer(slow_seconds=5.0).start()
    yield srv
    srv.stop()


def _settings(demo_index, server: StandInServer, mode: str):  # type: ignore[no-untyped-def]
    from assistant.settings import Settings

    base, _ = demo_index
    return Settings(
        data_dir=base.data_dir,
        llm_base_url=server.base_url,
        llm_model=f"stand-in/{mode}",
        llm_max_retries=0,
        llm_timeout_s=5.0,
        _env_file=None,
    )


def test_llm_generator_run_is_scored(demo_index, real_embedder, server) -> None:  # type: ignore[no-untyped-def]
    from assistant.generation.llm import build_chat_model
    from assistant.pipeline import build_assistant

    settings = _settings(demo_index, server, "normal")
    assistant = build_assistant(
        settings, embedder=real_embedder, index=demo_index[1], chat_model=build_chat_model(settings)
    )
    cases = [c for c in dataset.load(dataset.resolve("gold-demo-v1")) if c.id in ("q14", "q15")]
    run = run_cases(assistant, cases, generator="llm")
    assert len(run.records) == 2
    for record in run.records:
        assert record.answer.generator == "llm", record.case.id
        assert record.result("citation_validity").passed is True
        assert record.result("quote_fidelity").passed is True
        assert record.result("citation_recall").value is not None


def test_llm_judge_falls_back_when_the_model_fails(demo_index, server) -> None:  # type: ignore[no-untyped-def]
    from assistant.generation.llm import build_chat_model

    judge = LLMJudge(build_chat_model(_settings(demo_index, server, "500")))
    verdict = judge.supports(
        "The reviews covered 53 children.", ["The reviews covered 53 children."]
    )
    assert verdict.supported is True and "LLM judge failed" in verdict.reason
