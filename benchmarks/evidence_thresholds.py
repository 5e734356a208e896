"""Evidence thresholds swept on the tune split, for one kind of unit vectors (printed, not a test).

    .venv/bin/python benchmarks/evidence_thresholds.py --kind pooled \\
        --set unseen-demo-v1=library/demo --set gold-demo-v1=library/demo \\
        --set unseen-real-v1=../shared/corpus/real --no-evidence 0.38 0.40 --answered 0.48 0.50

Each library is ingested once (``RLA_UNIT_VECTORS=KIND``) into a scratch folder; then, for every
(no_evidence, answered, relative) triple, every dataset's **tune** cases are answered (the test split is
dropped before anything is asked: never compute test figures while tuning) and the Done-when
figures are printed per dataset and pooled over all of them: expected document cited, key fact in
the answer, absent subject refused, false refusals, correct abstention, median length. Also
printed: the best evidence score of each tune question, by what the question expects, so a
threshold can be read off the two distributions (ADR 12's method, ADR 0024).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

METRICS = (
    ("expected_doc_cited", "doc cited"),
    ("key_fact_in_answer", "key fact"),
    ("absent_refused", "absent refused"),
    ("false_refusal", "false refusals"),
    ("correct_abstention", "abstention"),
    ("median_answer_chars", "median chars"),
    ("partial_recognised", "partial as partial"),
    ("lead_answers", "lead answers"),
)


def tune_cases(name: str):  # type: ignore[no-untyped-def]
    from evals import dataset

    tune = [c for c in dataset.load(dataset.resolve(name)) if dataset.split_of(c.id) == "tune"]
    ids = {c.id for c in tune}
    return [c for c in tune if not c.follows or c.follows in ids]  # history from tune only


def served(library: Path, kind: str, scratch: Path, settings):  # type: ignore[no-untyped-def]
    from assistant.embedding.embedder import build_embedder
    from ingest.job import run_ingest

    data = settings.model_copy(update={"data_dir": scratch, "unit_vectors": kind})
    embedder = build_embedder(data, throughput=True)
    demo = library.resolve() == Path(settings.demo_library_dir).resolve()
    run_ingest(data, [library], embedder=embedder, demo=demo)
    return data


def best_scores(assistant, cases) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    """Best evidence score of each case, grouped by whether it should be answered."""
    out: dict[str, list[float]] = {"answerable": [], "abstain": []}
    for case in cases:
        if case.follows:
            continue
        best = assistant.evidence(case.question).best_score
        out["answerable" if case.answerable else "abstain"].append(best)
    return out


def figures(assistant, cases) -> dict[str, tuple[float | None, int]]:  # type: ignore[no-untyped-def]
    from evals.judge import LexicalJudge
    from evals.metrics import default_evaluators
    from evals.runner import run_cases

    run = run_cases(assistant, cases, evaluators=default_evaluators(LexicalJudge()))
    rows = {row["metric"]: row["tune"] for row in run.summary["acceptance"]}
    return {m: (rows[m]["value"], rows[m]["n"]) for m, _ in METRICS if m in rows}


def show(label: str, got: dict[str, tuple[float | None, int]]) -> str:
    cells = []
    for metric, _ in METRICS:
        value, n = got.get(metric, (None, 0))
        if value is None:
            cells.append(f"{'n/a':>16}")
        elif metric == "median_answer_chars":
            cells.append(f"{value:>10.0f} (n={n:>3})")
        else:
            cells.append(f"{round(value * n):>4}/{n:<3} {100 * value:5.1f}%")
    return f"{label:<34}" + " ".join(cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=["encoded", "pooled"], required=True)
    parser.add_argument("--set", action="append", required=True, help="DATASET=LIBRARY")
    parser.add_argument("--no-evidence", nargs="*", type=float, default=[])
    parser.add_argument("--answered", nargs="*", type=float, default=[])
    parser.add_argument("--relative", nargs="*", type=float, default=[])
    parser.add_argument("--work", type=Path, help="scratch data folders (default: temporary)")
    args = parser.parse_args()
    from assistant.embedding.embedder import build_embedder
    from assistant.evidence.calibration import calibration_for
    from assistant.pipeline import build_assistant
    from assistant.settings import Settings

    settings = Settings(_env_file=None)
    pairs = [tuple(s.split("=", 1)) for s in args.set]
    work = args.work or Path(tempfile.mkdtemp(prefix="rla-thresholds-"))
    builds = {}
    for library in dict.fromkeys(Path(lib) for _, lib in pairs):
        scratch = work / f"{library.name}-{args.kind}"
        builds[library] = served(library, args.kind, scratch, settings)
    model = "all-MiniLM-L6-v2"
    base = calibration_for(model, unit_vectors=args.kind)
    print(f"unit vectors: {args.kind}; calibration in the code: {base}")
    grid = [
        (ne, an, rel)
        for ne in args.no_evidence or [base.no_evidence]
        for an in args.answered or [base.answered]
        for rel in args.relative or [base.relative]
        if an >= ne
    ]
    for name, library in pairs:
        data = builds[Path(library)]
        embedder = build_embedder(data)
        assistant = build_assistant(data, embedder=embedder)
        scores = best_scores(assistant, tune_cases(name))
        for group, values in scores.items():
            if values:
                q = statistics.quantiles(values, n=10) if len(values) > 1 else values * 9
                print(
                    f"{name} best score, {group} (n={len(values)}): min {min(values):.3f} "
                    f"p10 {q[0]:.3f} median {statistics.median(values):.3f} max {max(values):.3f}"
                )
    header = f"{'no_evidence/answered/relative':<34}" + " ".join(f"{t:>16}" for _, t in METRICS)
    for ne, an, rel in grid:
        print(f"\n{header}")
        got: list[dict[str, tuple[float | None, int]]] = []
        for name, library in pairs:
            data = builds[Path(library)].model_copy(
                update={
                    "evidence_no_evidence": ne,
                    "evidence_answered": an,
                    "evidence_relative": rel,
                }
            )
            assistant = build_assistant(data, embedder=build_embedder(data))
            got.append(figures(assistant, tune_cases(name)))
            print(show(f"{ne:.2f}/{an:.2f}/{rel:.2f} {name}", got[-1]))
            sys.stdout.flush()
        print(show(f"{ne:.2f}/{an:.2f}/{rel:.2f} all sets", pooled_counts(got)))
    return 0


def pooled_counts(
    got: list[dict[str, tuple[float | None, int]]],
) -> dict[str, tuple[float | None, int]]:
    """The sets' counts added up (medians are not added: shown as the median of the medians)."""
    out: dict[str, tuple[float | None, int]] = {}
    for metric, _ in METRICS:
        rows = [g[metric] for g in got if metric in g and g[metric][0] is not None]
        n = sum(r[1] for r in rows)
        if not rows:
            continue
        if metric == "median_answer_chars":
            out[metric] = (statistics.median(float(r[0]) for r in rows), n)  # type: ignore[arg-type]
        else:
            out[metric] = (sum(float(r[0]) * r[1] for r in rows) / n, n)  # type: ignore[arg-type]
    return out


if __name__ == "__main__":
    sys.exit(main())
