"""`rla eval run DATASET ...`, `rla eval compare A B` and `rla eval acceptance RUN...`: the evaluation
command-line shell.

This is an edge: it builds the real embedder, Assistant, judge and (for ``--library``) a temporary
ingest; everything else is in ``evals.runner`` and ``evals.compare``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.errors import ConfigurationError
from evals import compare as cmp
from evals import dataset
from evals.acceptance import acceptance, format_acceptance
from evals.judge import Judge, LexicalJudge, LLMJudge
from evals.metrics import default_evaluators
from evals.model import Record
from evals.runner import REPO, run_cases, run_config, write_run

log = logging.getLogger(__name__)
RESULTS = REPO / "evals" / "results"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="eval_command", required=True, metavar="ACTION")
    run = sub.add_parser("run", help="Run a dataset and write evals/results/NAME/.")
    run.add_argument(
        "dataset", metavar="DATASET", help="a dataset name in evals/datasets or a path"
    )
    run.add_argument("--name", help="run name (default: DATASET-TIMESTAMP)")
    run.add_argument(
        "--generator", choices=("extractive", "llm"), help="answerer (default: settings)"
    )
    run.add_argument("--limit", type=int, help="only the first N questions")
    run.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    run.add_argument("--library", type=Path, help="ingest PATH into a temporary data dir first")
    run.add_argument(
        "--judge",
        choices=("auto", "lexical", "llm"),
        default="auto",
        help="citation judge: auto = llm when one is configured, else lexical",
    )
    run.add_argument(
        "--compare",
        type=Path,
        metavar="RUN",
        help="after the run, compare with RUN (exit 1 on a gated regression)",
    )
    run.add_argument("--thresholds", type=Path, default=cmp.DEFAULT_THRESHOLDS)
    run.add_argument("--quiet", action="store_true", help="no per-question progress")
    comp = sub.add_parser("compare", help="Per-metric deltas; exit 1 on a gated regression.")
    comp.add_argument(
        "before",
        type=Path,
        metavar="A",
        help="baseline run: a name in evals/results, a run directory or a summary.json",
    )
    comp.add_argument("after", type=Path, metavar="B", help="new run: the same forms as A")
    comp.add_argument("--thresholds", type=Path, default=cmp.DEFAULT_THRESHOLDS)
    acc = sub.add_parser(
        "acceptance", help="The Done-when table (issue 8) per split, over one or more runs."
    )
    acc.add_argument(
        "runs", type=Path, nargs="+", metavar="RUN", help="run names in evals/results or paths"
    )


def run(args: argparse.Namespace, settings: Any) -> int:
    if args.eval_command == "compare":
        return compare_runs(args.before, args.after, args.thresholds)
    if args.eval_command == "acceptance":
        return print_acceptance(args.runs)
    return run_dataset(args, settings)


def print_acceptance(runs: list[Path]) -> int:
    """The Done-when table over the records of every run given (e.g. the demo and real sets)."""
    rows = [row for run in runs for row in cmp.load_records(cmp.resolve_run(run, RESULTS))]
    names = ", ".join(str(r) for r in runs)
    print(f"Done when (issue 8) over {len(rows)} questions from {names}")
    print(format_acceptance(acceptance(rows)))
    return 0


def compare_runs(before: Path, after: Path, thresholds: Path | None) -> int:
    before, after = cmp.resolve_run(before, RESULTS), cmp.resolve_run(after, RESULTS)
    old, new, notes = cmp.load_pair(before, after)
    result = cmp.compare(old, new, cmp.load_thresholds(thresholds))
    for note in notes:
        print(note)
    print(cmp.format_table(result))
    return 0 if result.passed else 1


def _judge(choice: str, settings: Any) -> Judge:
    if choice == "lexical" or (choice == "auto" and not settings.llm_configured):
        return LexicalJudge()
    from assistant.generation.llm import build_chat_model

    chat = build_chat_model(settings)  # the answerer's client: same endpoint, timeout, retries
    if chat is None:
        raise ConfigurationError("--judge llm needs RLA_LLM_BASE_URL and RLA_LLM_MODEL")
    return LLMJudge(chat)


@contextmanager
def _assistant(settings: Any, library: Path | None) -> Iterator[Any]:
    from assistant.embedding.embedder import build_embedder
    from assistant.pipeline import build_assistant

    if library is None:  # the served build: queries use the route it was embedded with
        yield build_assistant(settings)
        return
    embedder = build_embedder(settings)
    from ingest.job import run_ingest

    if not library.exists():
        raise ConfigurationError(f"library path not found: {library}")
    with tempfile.TemporaryDirectory(prefix="rla-eval-") as tmp:
        scratch = settings.model_copy(update={"data_dir": Path(tmp), "chroma_url": ""})
        demo = library.resolve() == Path(settings.demo_library_dir).resolve()
        run_ingest(scratch, [library], embedder=embedder, demo=demo)
        yield build_assistant(scratch, embedder=embedder)


def _progress(number: int, total: int, record: Record) -> None:
    failed = ", ".join(m.name for m in record.failures()) or "ok"
    print(
        f"[{number}/{total}] {record.case.id} {record.answer.status} "
        f"{record.latency_ms:.0f} ms  {failed}",
        file=sys.stderr,
    )


def run_dataset(args: argparse.Namespace, settings: Any) -> int:
    from datetime import UTC, datetime

    path = dataset.resolve(args.dataset)
    cases = dataset.load(path)[: args.limit] if args.limit else dataset.load(path)
    generator = args.generator or settings.generator
    if generator == "llm" and not settings.llm_configured:
        raise ConfigurationError("--generator llm needs RLA_LLM_BASE_URL and RLA_LLM_MODEL")
    judge = _judge(args.judge, settings)
    name = args.name or f"{path.stem}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    with _assistant(settings, args.library) as assistant:
        result = run_cases(
            assistant,
            cases,
            generator=generator,
            evaluators=default_evaluators(judge),
            progress=None if args.quiet else _progress,
        )
        config = run_config(
            name=name,
            settings=settings,
            assistant=assistant,
            dataset_path=path,
            generator=generator,
            judge=judge.name,
            library=str(args.library or ""),
            limit=args.limit,
        )
    out = write_run(args.out / name, config, result)
    headline = result.summary["headline"]
    shown = (
        "hit@5",
        "citation_validity",
        "quote_fidelity",
        "citation_recall",
        "abstention",
        "false_refusal",
        "equity_consistency",
        "equity_unexplained",
        "latency_p95_ms",
    )
    print(f"wrote {out}")
    print("  ".join(f"{k}={headline[k]:.3g}" for k in shown if headline.get(k) is not None))
    print(format_acceptance(result.summary["acceptance"]))
    if args.compare:
        return compare_runs(args.compare, out, args.thresholds)
    return 0
