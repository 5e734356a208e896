"""Smoke eval: a fixed slice of the gold set on the demo library (real model, real build) must not
regress against the same questions of the committed baseline run (evals/results/baseline) beyond
evals/thresholds.json. The slice covers every question kind and keeps `make test` fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import compare as cmp
from evals import dataset
from evals.runner import REPO, run_cases, run_config, write_run

BASELINE = REPO / "evals" / "results" / "baseline"
SMOKE_IDS = (
    "q01", "q10", "q14", "q23",  # factual
    "q29", "q30",  # thematic
    "q36",  # comparison
    "q40",  # follow-up (of q14)
    "q46", "q54",  # out-of-scope
    "q49",  # unanswerable
    "q55", "q57",  # adversarial
)  # fmt: skip


@pytest.mark.integration
def test_smoke_eval_does_not_regress(demo_index, real_embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from assistant.pipeline import build_assistant

    settings, index = demo_index
    assistant = build_assistant(settings, embedder=real_embedder, index=index)
    path = dataset.resolve("gold-demo-v1")
    cases = [c for c in dataset.load(path) if c.id in SMOKE_IDS]
    assert len(cases) == len(SMOKE_IDS)
    run = run_cases(assistant, cases, generator="extractive")
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
    assert (BASELINE / "records.jsonl").is_file(), "no committed baseline in evals/results/baseline"
    before = cmp.headline_from_records(cmp.load_records(BASELINE), SMOKE_IDS)
    after = cmp.headline_from_records([r.to_dict() for r in run.records])
    assert before["questions"] == after["questions"] == len(SMOKE_IDS)
    result = cmp.compare(before, after, cmp.load_thresholds())
    assert result.passed, "\n" + cmp.format_table(result)
