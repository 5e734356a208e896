"""Latency of extractive ``ask`` and of ``search`` at 10k, 50k and 500k chunks, over a stream of
distinct questions, with and without filters (printed figures, not a test). Wall-clock and
this process's CPU milliseconds are both printed: on a shared machine the first grows with other
people's load, the second much less (the embedder's two threads can make CPU exceed wall).

    .venv/bin/python benchmarks/ask.py [--sizes 10000 50000 500000] [--questions 60]

Synthetic library: demo-library sentences are shuffled into ``--pool`` distinct chunk texts of
five sentences. Each pool text is embedded once with the default route, and so are its units of
evidence (as ingest would). Chunk ``i`` takes pool text ``i % pool``, that text's vector plus
Gaussian noise (renormalised, so dense neighbourhoods differ), and the text's units and unit
vectors. Chunks are grouped 50 to a document, one page each (citation checks do real work on
pages of a realistic size); every document gets a random type, year and themes, and every chunk 0-2 chunk-level
themes, so filters select realistic fractions. The build is written with the product's own
``write_build`` (real Chroma, BM25, units) in a temporary directory and opened like a served one.

Questions are distinct: every question is asked once, never repeated, so no cache is warmed by an
earlier ask of the same question. The gold questions come first (when ../shared is there), then
questions made from demo sentences. Filters rotate: none, theme, document type, year range, theme
and year together. The table gives p50/p95/max per size and filter kind, and search p95.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.build.index import BuildContent, Index, write_build  # noqa: E402
from assistant.build.lifecycle import swap  # noqa: E402
from assistant.build.unit_store import UnitStore  # noqa: E402
from assistant.embedding.embedder import build_embedder  # noqa: E402
from assistant.pipeline import build_assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.text.sentences import split_sentences  # noqa: E402
from assistant.types import Chunk, Document, Filters, Page  # noqa: E402

CHUNKS_PER_DOCUMENT = 50
TYPES = ("national_review", "lcspr", "rapid_review", "serious_case_review", "briefing", "guidance")
THEMES = ("adultification", "racism", "education", "police", "health", "faith", "language")
FILTER_KINDS = ("none", "theme", "type", "years", "theme+years")


def demo_sentences() -> list[str]:
    out: list[str] = []
    for path in sorted((REPO / "library" / "demo").glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[-1]
        out.extend(s for s in split_sentences(body) if len(s.split()) >= 6)
    return out


def questions(sentences: list[str], count: int, rng: random.Random) -> list[str]:
    gold = REPO.parent / "shared" / "evals" / "gold-v1.jsonl"
    found: list[str] = []
    if gold.is_file():
        rows = [json.loads(line) for line in gold.read_text("utf-8").splitlines() if line]
        found = [r["question"] for r in rows if not r.get("follows")]
    for sentence in rng.sample(sentences, len(sentences)):
        words = [w.strip(".,;:()'\"") for w in sentence.split()]
        found.append(f"What do the reviews say about {' '.join(words[2:9]).lower()}?")
    return list(dict.fromkeys(found))[:count]


def filters_for(kind: str, rng: random.Random) -> Filters:
    start = rng.randint(2012, 2021)
    theme = rng.choice(THEMES)
    return {
        "none": Filters(),
        "theme": Filters(themes=(theme,)),
        "type": Filters(doc_types=(rng.choice(TYPES),)),
        "years": Filters(year_from=start, year_to=start + 3),
        "theme+years": Filters(themes=(theme,), year_from=start, year_to=start + 5),
    }[kind]


class Pool:
    """Distinct chunk texts with their vectors and their units of evidence."""

    def __init__(self, embedder, sentences: list[str], size: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
        self.texts = [" ".join(rng.sample(sentences, 5)) for _ in range(size)]
        started = time.perf_counter()
        self.vectors = np.asarray(embedder.embed_documents(self.texts), dtype=np.float32)
        chunks = [
            Chunk(f"pool#{i}", "pool", i, t, 1, 1, "1", "1") for i, t in enumerate(self.texts)
        ]
        self.units = UnitStore.from_chunks(chunks, embedder)
        print(
            f"  pool: {size} texts, {len(self.units)} units embedded in "
            f"{time.perf_counter() - started:.1f}s"
        )

    def unit_store(self, n: int) -> UnitStore:
        by_chunk: dict[str, tuple[int, int]] = {}
        rows, pieces = [], []
        for i in range(n):
            found, vectors = self.units.for_chunk(f"pool#{i % len(self.texts)}")
            chunk_id = f"synthetic-{i // CHUNKS_PER_DOCUMENT:05d}#{i % CHUNKS_PER_DOCUMENT}"
            by_chunk[chunk_id] = (len(rows), len(rows) + len(found))
            rows.extend(found)
            pieces.append(np.asarray(vectors, dtype=np.float16))
        return UnitStore(by_chunk, rows, np.concatenate(pieces))


def content(n: int, pool: Pool, rng: random.Random, model: str, route: str) -> BuildContent:
    noise = np.random.default_rng(7).normal(0, 0.03, size=(n, pool.vectors.shape[1]))
    vectors = pool.vectors[np.arange(n) % len(pool.texts)] + noise.astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunks, pages, documents = [], [], []
    for d in range(0, n, CHUNKS_PER_DOCUMENT):
        doc_id = f"synthetic-{d // CHUNKS_PER_DOCUMENT:05d}"
        for i in range(d, min(n, d + CHUNKS_PER_DOCUMENT)):
            text = pool.texts[i % len(pool.texts)]
            themes = tuple(rng.sample(THEMES, rng.randint(0, 2)))
            page, label = i - d + 1, str(i - d + 1)
            chunks.append(
                Chunk(
                    f"{doc_id}#{i - d}",
                    doc_id,
                    i - d,
                    text,
                    page,
                    page,
                    label,
                    label,
                    themes=themes,
                )
            )
            pages.append(Page(doc_id, page, label, text))
        documents.append(
            Document(
                doc_id,
                f"Synthetic review {d // CHUNKS_PER_DOCUMENT}",
                f"/{doc_id}.md",
                year=rng.randint(2010, 2025),
                doc_type=rng.choice(TYPES),
                themes=tuple(rng.sample(THEMES, rng.randint(0, 1))),
            )
        )
    return BuildContent(
        documents,
        chunks,
        pages,
        vectors,
        model,
        embedding_route=route,
        units=pool.unit_store(n),
    )


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def bench(size: int, pool: Pool, embedder, qs: list[str], args) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(size)
    with tempfile.TemporaryDirectory(prefix="rla-bench-ask-") as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)
        started = time.perf_counter()
        built = content(size, pool, rng, embedder.name, embedder.route)
        info = write_build(settings, built)
        del built
        swap(settings, info.build_id)
        print(f"  {size} chunks: build written in {time.perf_counter() - started:.0f}s")
        started = time.perf_counter()
        assistant = build_assistant(
            settings, embedder=embedder, index=Index(settings, info.build_id)
        )
        assistant.ask("Warm-up: what do safeguarding reviews say about supervision of staff?")
        print(f"  opened and warmed up in {time.perf_counter() - started:.1f}s")
        measure(size, assistant, qs, rng)


def measure(size: int, assistant, qs: list[str], rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    wall: dict[str, list[float]] = {k: [] for k in (*FILTER_KINDS, "search")}
    cpu: dict[str, list[float]] = {k: [] for k in wall}
    statuses: dict[str, int] = {}
    steps: dict[str, list[float]] = {}
    half = len(qs) // 2
    for i, question in enumerate(qs):
        kind = FILTER_KINDS[i % len(FILTER_KINDS)] if i < half else "search"
        started, used = time.perf_counter(), time.process_time()
        if kind == "search":  # search gets questions ask never saw
            assistant.search(question, k=10)
        else:
            answer = assistant.ask(question, filters=filters_for(kind, rng))
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
            for key, value in answer.metrics.items():
                if key.endswith("_ms") and key != "total_ms":
                    steps.setdefault(key, []).append(value)
        wall[kind].append((time.perf_counter() - started) * 1000)
        cpu[kind].append((time.process_time() - used) * 1000)
    wall["ALL asks"] = [v for k in FILTER_KINDS for v in wall[k]]
    cpu["ALL asks"] = [v for k in FILTER_KINDS for v in cpu[k]]
    print(
        f"  {'':>7} {'filter':<12} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'cpu p50':>8} {'cpu p95':>8}"
    )
    for kind in (*FILTER_KINDS, "ALL asks", "search"):
        values, used = wall[kind], cpu[kind]
        if values:
            print(
                f"  {size:>7} {kind:<12} {len(values):>3} {statistics.median(values):>8.1f} "
                f"{pct(values, 95):>8.1f} {max(values):>8.1f} {statistics.median(used):>8.1f} "
                f"{pct(used, 95):>8.1f}"
            )
    slow = sorted(steps.items(), key=lambda kv: -pct(kv[1], 95))[:4]
    print("          slowest steps (p95): " + ", ".join(f"{k} {pct(v, 95):.1f}" for k, v in slow))
    print(f"          statuses: {statuses}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 500_000])
    parser.add_argument("--pool", type=int, default=600)
    parser.add_argument("--questions", type=int, default=80, help="distinct; half ask, half search")
    args = parser.parse_args()
    rng = random.Random(42)
    sentences = demo_sentences()
    settings = Settings(_env_file=None)
    embedder = build_embedder(settings, route=settings.embedding_route)
    load = os.getloadavg()
    print(
        f"ask benchmark: route {embedder.route}, {len(sentences)} demo sentences, "  # type: ignore[attr-defined]
        f"{os.cpu_count()} cpus, python {platform.python_version()}, "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    pool = Pool(embedder, sentences, args.pool, rng)
    qs = questions(sentences, args.questions, rng)
    for size in args.sizes:
        bench(size, pool, embedder, qs, args)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB; load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
