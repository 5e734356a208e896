"""Running a dataset through an Assistant: records, metrics, summary, and the run directory.

``run_cases`` is the core (inject any object with ``ask``, ``search`` and ``index``);
``write_run`` lays out ``evals/results/NAME/`` (config.json, records.jsonl, summary.json,
report.md, report.html). ``commands_eval`` builds the real Assistant at the edge.
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from assistant.protocols import AssistantLike
from assistant.types import Answer, Passage, Turn
from evals import dataset
from evals.equity import GroupResult, evaluate_equity
from evals.metrics import Evaluator, default_evaluators, evaluate
from evals.model import Case, Record
from evals.report import render_html, render_markdown
from evals.summary import summarise

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[1]
RETRIEVAL_K = 10


@dataclass(frozen=True)
class Run:
    records: tuple[Record, ...]
    groups: tuple[GroupResult, ...]
    summary: dict[str, Any]


def _ask(
    assistant: AssistantLike, question: str, history: Sequence[Turn], generator: str | None
) -> Answer:
    try:
        if generator:
            return assistant.ask(question, history, generator=generator)
        return assistant.ask(question, history)
    except Exception as exc:  # ask() promises never to raise; a record must exist regardless
        log.warning("ask raised %s", type(exc).__name__)
        return Answer(status="error", text=f"{type(exc).__name__}: {exc}")


def _history(
    case: Case,
    cases: Mapping[str, Case],
    answers: dict[str, Answer],
    assistant: AssistantLike,
    generator: str | None,
) -> list[Turn]:
    """The chain of ``follows`` ancestors, oldest first, asked now when not yet answered."""
    chain: list[Case] = []
    current = cases.get(case.follows)
    while current is not None and current not in chain:
        chain.insert(0, current)
        current = cases.get(current.follows)
    turns: list[Turn] = []
    for earlier in chain:
        if earlier.id not in answers:
            answers[earlier.id] = _ask(assistant, earlier.question, turns, generator)
        turns.append(Turn(question=earlier.question, answer=answers[earlier.id].text))
    return turns


def _sources(
    assistant: AssistantLike, answer: Answer, cache: dict[str, dict[int, str]]
) -> dict[str, dict[int, str]]:
    """Page texts of the cited documents (from the build), for quote fidelity."""
    out = {}
    for doc_id in {c.doc_id for c in answer.citations}:
        if assistant.index.document(doc_id) is None:
            continue
        if doc_id not in cache:
            cache[doc_id] = {p.index: p.text for p in assistant.index.pages(doc_id)}
        out[doc_id] = cache[doc_id]
    return out


def _retrieved(assistant: AssistantLike, case: Case, answer: Answer, k: int) -> tuple[Passage, ...]:
    if case.answerable is not True and not case.template:
        return ()
    try:
        return tuple(assistant.search(answer.search_query or case.question, k=k))
    except Exception as exc:
        log.warning("search raised %s; using the answer's passages", type(exc).__name__)
        return tuple(answer.passages)


def run_case(
    assistant: AssistantLike,
    case: Case,
    history: Sequence[Turn],
    *,
    generator: str | None,
    cache: dict[str, dict[int, str]],
    k: int,
) -> Record:
    started = time.perf_counter()
    answer = _ask(assistant, case.question, history, generator)
    latency = (time.perf_counter() - started) * 1000.0
    return Record(
        case=case,
        answer=answer,
        expected=dataset.expected(case, assistant.index.documents),
        retrieved=_retrieved(assistant, case, answer, k),
        sources=_sources(assistant, answer, cache),
        latency_ms=latency,
    )


def run_cases(
    assistant: AssistantLike,
    cases: Sequence[Case],
    *,
    generator: str | None = None,
    evaluators: Sequence[Evaluator] | None = None,
    k: int = RETRIEVAL_K,
    progress: Callable[[int, int, Record], None] | None = None,
) -> Run:
    """Ask every case (follow-ups with their history), evaluate, and summarise."""
    by_id = {c.id: c for c in cases}
    answers: dict[str, Answer] = {}
    cache: dict[str, dict[int, str]] = {}
    evaluators = evaluators if evaluators is not None else default_evaluators()
    records: list[Record] = []
    for number, case in enumerate(cases, start=1):
        history = _history(case, by_id, answers, assistant, generator) if case.follows else []
        record = evaluate(
            run_case(assistant, case, history, generator=generator, cache=cache, k=k), evaluators
        )
        answers[case.id] = record.answer
        records.append(record)
        if progress:
            progress(number, len(cases), record)
    records, groups = evaluate_equity(records, chunks=getattr(assistant.index, "chunks", None))
    return Run(tuple(records), tuple(groups), summarise(records, groups))


# --- the run directory ----------------------------------------------------------------------------


def settings_snapshot(settings: Any) -> dict[str, Any]:
    """Settings as JSON without secrets (SecretStr fields are left out, URLs lose credentials)."""
    out: dict[str, Any] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            out[name] = "(set)" if value.get_secret_value() else ""
            continue
        if isinstance(value, str) and "@" in value and "://" in value:
            scheme, rest = value.split("://", 1)
            value = f"{scheme}://{rest.split('@', 1)[1]}"
        if isinstance(value, Path):
            value = portable_path(value)
        out[name] = value if isinstance(value, int | float | bool | str | None) else str(value)
    return out


def portable_path(path: Path) -> str:
    """A path inside the checkout as relative to it, so committed results name no machine."""
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return str(path)


def git_commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "", "dirty": None}


def prompt_versions() -> dict[str, str]:
    try:
        from assistant.prompts import prompt_versions as versions

        return dict(versions())
    except Exception as exc:  # recorded, never fatal
        return {"error": f"{type(exc).__name__}: {exc}"}


def run_config(
    *,
    name: str,
    settings: Any,
    assistant: AssistantLike,
    dataset_path: Path,
    generator: str,
    judge: str,
    library: str = "",
    limit: int | None = None,
) -> dict[str, Any]:
    info = getattr(assistant.index, "info", None)
    return {
        "name": name,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": {
            "name": dataset_path.stem,
            "path": portable_path(dataset_path),
            "sha256": dataset.sha256(dataset_path),
            "limit": limit,
        },
        "generator": generator,
        "judge": judge,
        "library": library or "(served build)",
        "build": info.to_dict() if info is not None else {},
        "embedding_model": getattr(info, "embedding_model", ""),
        "prompt_versions": prompt_versions(),
        "git": git_commit(),
        "settings": settings_snapshot(settings) if settings is not None else {},
    }


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_run(out_dir: Path, config: Mapping[str, Any], run: Run) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    _dump(out_dir / "config.json", dict(config))
    with (out_dir / "records.jsonl").open("w", encoding="utf-8") as fh:
        for record in run.records:
            fh.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
    _dump(out_dir / "summary.json", run.summary)
    (out_dir / "report.md").write_text(
        render_markdown(config, run.records, run.summary), encoding="utf-8"
    )
    (out_dir / "report.html").write_text(
        render_html(config, run.records, run.summary), encoding="utf-8"
    )
    return out_dir
