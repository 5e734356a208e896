"""Ingest throughput by embedding route, with quality beside speed (printed figures, not a test).

    .venv/bin/python benchmarks/ingest.py [--corpus DIR] [--routes R ...] [--runs 3] [--scale 10]
        [--unit-vectors encoded pooled]

Each route runs in its own process (so one route's imports and memory never count for another),
``--runs`` times, alternating routes so a drift in machine load hits them alike. One run ingests
the corpus (default ../shared/corpus/real/) into a fresh data directory, from files to a served
build: load, clean, chunk, tag, embed chunks and their units of evidence, write Chroma and BM25,
validate, swap. Then it re-ingests the unchanged corpus, and ingests the demo library to score
retrieval on the gold questions (../shared/evals/gold-v1.jsonl).

Printed per route: chunks/s of the full ingest (median, min, max; model load shown apart), the
ratio to torch-fp32 in the same run, chunks per CPU-second (every thread counted; steadier than
wall-clock on a shared machine) and its ratio, the no-change re-run, peak RSS, and quality against
torch-fp32: cosine of the chunk vectors (mean, min), top-10 dense agreement on the gold
questions over the corpus, and gold hit@5 / recall@10 of hybrid retrieval over the demo library.
``--scale N`` also ingests N altered copies of the corpus with the default route and prints the
peak RSS next to one copy's (memory as the library grows): up to the end of the first ingest, and
with the no-change re-run after it (which reads the served build). ``--unit-vectors`` compares how
the units of evidence get their vectors (``RLA_UNIT_VECTORS``, ADR 0024): each route runs once per
kind, shown as ``route/kind``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"
DEFAULT_CORPUS = SHARED / "corpus" / "real"
GOLD = SHARED / "evals" / "gold-v1.jsonl"
ROUTES = ["torch-fp32", "torch-bf16", "openvino-fp32", "openvino-int8"]
REFERENCE = "torch-fp32"


# --- one route, in its own process --------------------------------------------------------------


def _default_unit_vectors() -> str:
    from assistant.settings import Settings

    return str(Settings.model_fields["unit_vectors"].default)


DEFAULT_UNIT_VECTORS = _default_unit_vectors()  # what `rla ingest` does unless told otherwise


def gold_questions() -> list[dict[str, object]]:
    if not GOLD.is_file():
        return []
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if not r.get("follows")]


def child(
    route: str, corpus: Path, work: Path, keep: bool, unit_vectors: str = DEFAULT_UNIT_VECTORS
) -> dict[str, object]:
    from assistant.embedding.embedder import build_embedder, route_of
    from assistant.settings import Settings
    from ingest.job import run_ingest

    started = time.perf_counter()
    settings = Settings(
        data_dir=work / "corpus", embedding_route=route, unit_vectors=unit_vectors, _env_file=None
    )
    embedder = build_embedder(settings, route=route, strict=True, throughput=True)
    load_s = time.perf_counter() - started
    used = cpu_seconds()
    first = run_ingest(settings, [corpus], embedder=embedder)
    first_cpu = cpu_seconds() - used
    first_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    again = run_ingest(settings, [corpus], embedder=embedder)
    out: dict[str, object] = {
        "route": route_of(embedder),
        "load_s": load_s,
        "ingest_s": first.seconds,
        "ingest_cpu_s": first_cpu,
        "chunks": first.chunks,
        "embedded": first.chunks_embedded,
        "units_embedded": first.units_embedded,
        "rerun_s": again.seconds,
        "rerun_embedded": again.chunks_embedded,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "first_peak_rss_mb": first_peak,  # up to the end of the first ingest
    }
    if keep:
        out.update(model_only(settings, embedder))
        out.update(quality(settings, embedder, work))
    return out


def model_only(settings, embedder) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The model alone on the build's chunks, called as ingest calls it (parts of the same size;
    token states too when unit vectors are pooled), after the ingest so its shapes are warm:
    wall and CPU seconds, to set beside the whole ingest's."""
    from assistant.build.lifecycle import open_served
    from ingest.chunking import embed_text

    texts = [embed_text(c) for c in open_served(settings).chunks]
    pooled = settings.unit_vectors == "pooled" and hasattr(embedder, "embed_tokens")
    run = embedder.embed_tokens if pooled else embedder.embed_matrix
    part = settings.embedding_batch_size * 4  # as ingest.writing passes it
    wall, cpu = time.perf_counter(), cpu_seconds()
    for start in range(0, len(texts), part):
        run(texts[start : start + part])
    return {"model_s": time.perf_counter() - wall, "model_cpu_s": cpu_seconds() - cpu}


def cpu_seconds() -> float:
    """This process's user + system CPU seconds, every thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def quality(settings, embedder, work: Path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from assistant.build.lifecycle import open_served

    questions = gold_questions()
    index = open_served(settings)
    top10 = {
        str(q["id"]): [
            c.chunk_id for c, _ in index.dense_search(embedder.embed_query(q["question"]), 10)
        ]
        for q in questions
    }
    demo = settings.model_copy(update={"data_dir": work / "demo"})
    gold = gold_retrieval(demo, embedder, questions)
    return {
        "vectors": str(index.build_dir / "vectors.npy"),
        "top10": top10,
        **gold,
    }


def gold_retrieval(demo, embedder, questions) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Hit@5 and recall@10 of hybrid retrieval on the gold questions, over the demo library
    ingested into ``demo.data_dir`` with ``embedder``."""
    from assistant.build.lifecycle import open_served
    from assistant.retrieval import Retriever
    from ingest.job import run_ingest

    run_ingest(demo, [demo.demo_library_dir], embedder=embedder, demo=True)
    retriever = Retriever(open_served(demo), embedder)
    hits, recalls, misses = [], [], []
    for q in questions:
        expected = set(q.get("expected_docs") or [])
        if not q.get("answerable") or not expected:
            continue
        passages = retriever.search(str(q["question"]), 10)
        names = [Path(p.document.path).name for p in passages]
        hits.append(float(bool(expected & set(names[:5]))))
        recalls.append(len(expected & set(names)) / len(expected))
        if hits[-1] < 1 or recalls[-1] < 1:
            misses.append(str(q["id"]))
    return {
        "misses": misses,
        "hit5": statistics.mean(hits) if hits else float("nan"),
        "recall10": statistics.mean(recalls) if recalls else float("nan"),
        "gold_n": len(hits),
    }


# --- the comparison -----------------------------------------------------------------------------


def run_child(args: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def scaled_corpus(corpus: Path, copies: int, into: Path) -> Path:
    """``copies`` copies of every file, each altered by a trailing comment so digests differ."""
    into.mkdir(parents=True)
    for n in range(copies):
        for path in sorted(p for p in corpus.iterdir() if p.is_file()):
            tail = f"\n% copy {n}\n" if path.suffix == ".pdf" else f"\n\n(copy {n})\n"
            (into / f"copy{n:02d}-{path.name}").write_bytes(path.read_bytes() + tail.encode())
    return into


def machine() -> str:
    load = os.getloadavg()
    cpu = platform.processor() or platform.machine()
    return (
        f"{os.cpu_count()} cpus ({cpu}), python {platform.python_version()}, "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )


def spread(values: list[float], fmt: str = "{:.1f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def compare(results: dict[str, list[dict[str, object]]], reference: str = REFERENCE) -> None:
    import numpy as np

    ref = results.get(reference, [{}])[0]
    ref_vectors = np.load(ref["vectors"]) if "vectors" in ref else None
    ref_speed = [float(r["chunks"]) / float(r["ingest_s"]) for r in results.get(reference, [])]
    ref_cpu = [float(r["chunks"]) / float(r["ingest_cpu_s"]) for r in results.get(reference, [])]
    width = max(14, *(len(label) for label in results))
    print(
        f"{'route':<{width}} {'chunks/s median (min-max)':<26} {'x fp32':>6} {'chunks/cpu-s':>12} "
        f"{'x fp32':>6} {'load s':>6} "
        f"{'re-run s (%)':>13} {'peak MB':>8} {'cos mean/min':>13} {'top10':>6} "
        f"{'hit@5':>6} {'rec@10':>6}"
    )
    for route, runs in results.items():
        speed = [float(r["chunks"]) / float(r["ingest_s"]) for r in runs]
        ratios = [s / f for s, f in zip(speed, ref_speed, strict=False)] if ref_speed else []
        per_cpu = [float(r["chunks"]) / float(r["ingest_cpu_s"]) for r in runs]
        cpu_ratio = statistics.median(per_cpu) / statistics.median(ref_cpu) if ref_cpu else 0.0
        rerun = statistics.median(float(r["rerun_s"]) for r in runs)
        first = statistics.median(float(r["ingest_s"]) for r in runs)
        q = runs[0]
        cos, agree = "", ""
        if ref_vectors is not None and "vectors" in q:
            vectors = np.load(q["vectors"])
            rows = np.sum(vectors * ref_vectors, axis=1)
            cos = f"{rows.mean():.4f}/{rows.min():.3f}"
            overlaps = [
                len(set(q["top10"][k]) & set(ref["top10"][k])) / max(1, len(ref["top10"][k]))
                for k in ref["top10"]
            ]
            agree = f"{statistics.mean(overlaps):.3f}" if overlaps else ""
        print(
            f"{route:<{width}} {spread(speed):<26} "
            f"{(statistics.median(ratios) if ratios else float('nan')):>6.2f} "
            f"{statistics.median(per_cpu):>12.1f} {cpu_ratio:>6.2f} "
            f"{statistics.median(float(r['load_s']) for r in runs):>6.1f} "
            f"{rerun:>6.2f} ({100 * rerun / first:>3.0f}%) "
            f"{max(float(r['peak_rss_mb']) for r in runs):>8.0f} {cos:>13} {agree:>6} "
            f"{float(q.get('hit5', float('nan'))):>6.3f} {float(q.get('recall10', float('nan'))):>6.3f}"
        )
    runs_all = [r for rs in results.values() for r in rs]
    chunks = runs_all[0]["chunks"] if runs_all else 0
    embedded = {label: rs[0]["rerun_embedded"] for label, rs in results.items()}
    units = {label: rs[0].get("units_embedded") for label, rs in results.items()}
    print(f"chunks per ingest: {chunks}; chunks embedded by the no-change re-run: {embedded}")
    print("the model alone on the same chunks (first run, after the ingest) against the ingest:")
    for label, rs in results.items():
        r = rs[0]
        if "model_s" not in r:
            continue
        n, model_s, model_cpu = float(r["chunks"]), float(r["model_s"]), float(r["model_cpu_s"])
        ingest_s, ingest_cpu = float(r["ingest_s"]), float(r["ingest_cpu_s"])
        print(
            f"  {label}: model {n / model_s:.1f} chunks/s, {n / model_cpu:.1f} chunks/CPU-s; "
            f"model {model_s:.1f} of the ingest's {ingest_s:.1f} s wall "
            f"({100 * model_s / ingest_s:.0f}%), {model_cpu:.1f} of {ingest_cpu:.1f} CPU-s "
            f"({100 * model_cpu / ingest_cpu:.0f}%); the rest {ingest_s - model_s:.1f} s wall, "
            f"{ingest_cpu - model_cpu:.1f} CPU-s"
        )
    print(f"units of evidence made by the first ingest: {units}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--routes", nargs="+", default=ROUTES)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=int, default=0, help="also ingest N copies (peak RSS)")
    parser.add_argument(
        "--unit-vectors",
        nargs="+",
        default=[DEFAULT_UNIT_VECTORS],
        choices=["encoded", "pooled"],
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind = args.unit_vectors[0]
        print(json.dumps(child(args.child, args.corpus, args.work, args.keep, kind)))
        return 0
    if not args.corpus.is_dir():
        print(f"skipped: corpus not found at {args.corpus} (../shared beside the checkout)")
        return 0
    print(f"ingest benchmark: {args.corpus}, {args.runs} run(s) a route")
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="rla-bench-ingest-") as tmp:
        kinds = args.unit_vectors
        plain = len(kinds) == 1  # one kind: rows are named by route alone
        label = (lambda r, k: r) if plain else (lambda r, k: f"{r}/{k}")  # noqa: E731
        results: dict[str, list[dict[str, object]]] = {
            label(r, k): [] for r in args.routes for k in kinds
        }
        for n in range(args.runs):
            for route in args.routes:
                for kind in kinds:
                    work = Path(tmp) / f"{route}-{kind}-{n}"
                    extra = ["--keep"] if n == 0 else []
                    child_args = ["--child", route, "--corpus", str(args.corpus)]
                    child_args += ["--work", str(work), "--unit-vectors", kind]
                    results[label(route, kind)].append(run_child(child_args + extra))
        compare(results, label(REFERENCE, "encoded" if "encoded" in kinds else kinds[0]))
        if args.scale:
            scale(args.corpus, args.scale, Path(tmp))
    print(f"machine after: {machine()}")
    return 0


def scale(corpus: Path, copies: int, tmp: Path) -> None:
    from assistant.embedding.routes import resolve

    route = resolve("auto")
    big = scaled_corpus(corpus, copies, tmp / "scaled")
    rows = []
    for label, source in (("1x", corpus), (f"{copies}x", big)):
        work = tmp / f"scale-{label}"
        result = run_child(["--child", route, "--corpus", str(source), "--work", str(work)])
        rows.append((label, result))
    print(f"memory as the library grows ({route}):")
    first = float(rows[0][1].get("first_peak_rss_mb", 0)) or 1.0
    for label, r in rows:
        speed = float(r["chunks"]) / float(r["ingest_s"])
        peak = float(r.get("first_peak_rss_mb", 0))
        print(
            f"  {label:>4}: {r['chunks']:>6} chunks in {float(r['ingest_s']):6.1f} s "
            f"({speed:5.1f} chunks/s, {float(r['chunks']) / float(r['ingest_cpu_s']):5.1f} "
            f"chunks/CPU-s), peak RSS {peak:6.0f} MB first ingest ({100 * peak / first:3.0f}% "
            f"of 1x), {float(r['peak_rss_mb']):6.0f} MB with the no-change re-run"
        )


if __name__ == "__main__":
    sys.exit(main())
