"""Smoke eval: the gold set on the demo library, with the real model and build, must not regress
against the committed baseline (evals/results/baseline) beyond evals/thresholds.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import compare as cmp
from evals import dataset
from evals.runner import REPO, run_cases, run_config, write_run

BASELINE = REPO / "evals" / "results" / "baseline"


@pytest.mark.integration
def test_smoke_eval_does_not_regress(demo_index, real_embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from assistant.pipeline import build_assistant

    settings, index = demo_index
    assistant = build_assistant(settings, embedder=real_embedder, index=index)
    path = dataset.resolve("gold-demo-v1")
    run = run_cases(assistant, dataset.load(path), generator="extractive")
    config = run_config(
        name="smoke",
        settings=settings,
        assistant=assistant,
        dataset_path=path,
        generator="extractive",
        judge="lexical-v1",
        library="library/demo",
    )
    out = write_run(tmp_path / "smoke", config, run)
    assert (out / "report.html").stat().st_size > 10_000
    assert run.summary["headline"]["quote_fidelity"] == 1.0
    assert (BASELINE / "summary.json").is_file(), "no committed baseline in evals/results/baseline"
    baseline = cmp.load_summary(BASELINE)
    assert baseline["questions"] == run.summary["questions"]
    result = cmp.compare(baseline, run.summary, cmp.load_thresholds())
    assert result.passed, "\n" + cmp.format_table(result)
