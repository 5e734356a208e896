"""p50/p95 latency of extractive ``Assistant.ask`` at 10k and 50k chunks (printed, not a test).

Synthetic library: sentences of the demo library (``library/demo``) are shuffled into
``--pool`` distinct chunk texts of about 120 words, which are embedded with the real packaged
model. Chunk ``i`` takes pool text ``i % pool`` plus one extra random sentence (so texts differ)
and that text's vector plus small Gaussian noise, renormalised (so vectors differ and the dense
neighbourhoods stay realistic). Chunks are grouped 50 to a document, one page per document (the
page holds its chunks' text, so citation verification does real work). The build is written with
``assistant.index.write_build`` (real Chroma + BM25) in a temporary directory.

Queries: the gold questions when ../shared is present, else built-in ones. After one unrelated
warm-up question, each is asked once "cold" (its passages' sentence vectors not yet cached by the
extractive answerer) and then ``--repeats`` times "warm". Figures are wall-clock per ``ask`` and
per step (``Answer.metrics``).

    .venv/bin/python benchmarks/ask.py [--sizes 10000 50000] [--pool 600] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

from assistant.embeddings import SentenceTransformerEmbedder  # noqa: E402
from assistant.generation.sentences import split  # noqa: E402
from assistant.index import BuildContent, Index, swap, write_build  # noqa: E402
from assistant.pipeline import build_assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.types import Chunk, Document, Page  # noqa: E402

FALLBACK_QUESTIONS = [
    "What did the Child Q review conclude about racism and adultification?",
    "What are the three lead recommendations of 'It's silent'?",
    "How quickly must a local authority notify the Panel of a serious incident?",
    "How can adultification bias affect safeguarding decisions?",
    "What evidence did 'The myth of invisible men' draw on?",
]
CHUNKS_PER_DOCUMENT = 50


def demo_sentences() -> list[str]:
    sentences: list[str] = []
    for path in sorted((REPO / "library" / "demo").glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[-1]
        sentences.extend(s.text for s in split(body))
    return sentences


def questions() -> list[str]:
    gold = REPO.parent / "shared" / "evals" / "gold-v1.jsonl"
    if not gold.is_file():
        return FALLBACK_QUESTIONS
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line]
    return [r["question"] for r in rows if r.get("answerable") and not r.get("follows")][:20]


def pool(embedder, sentences: list[str], size: int, rng: random.Random):  # type: ignore[no-untyped-def]
    texts = [" ".join(rng.sample(sentences, 5)) for _ in range(size)]
    started = time.perf_counter()
    vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    print(f"  embedded {size} pool texts in {time.perf_counter() - started:.1f}s")
    return texts, vectors


def content(n, texts, vectors, sentences, rng, model_name) -> BuildContent:  # type: ignore[no-untyped-def]
    noise = np.random.default_rng(7).normal(0, 0.03, size=(n, vectors.shape[1])).astype(np.float32)
    vecs = vectors[np.arange(n) % len(texts)] + noise
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    chunks, pages, documents = [], [], []
    for d in range(0, n, CHUNKS_PER_DOCUMENT):
        doc_id = f"synthetic-{d // CHUNKS_PER_DOCUMENT:05d}"
        bodies = []
        for i in range(d, min(n, d + CHUNKS_PER_DOCUMENT)):
            text = texts[i % len(texts)] + " " + rng.choice(sentences)
            bodies.append(text)
            chunks.append(Chunk(f"{doc_id}#{i - d}", doc_id, i - d, text, 1, 1, "1", "1"))
        pages.append(Page(doc_id, 1, "1", "\n\n".join(bodies)))
        documents.append(
            Document(doc_id, f"Synthetic document {d // CHUNKS_PER_DOCUMENT}", f"/{doc_id}.md")
        )
    return BuildContent(documents, chunks, pages, vecs, model_name)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def bench(size: int, texts, vectors, sentences, embedder, args) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(size)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)
        started = time.perf_counter()
        info = write_build(settings, content(size, texts, vectors, sentences, rng, embedder.name))
        swap(settings, info.build_id)
        print(f"  wrote a {size}-chunk build in {time.perf_counter() - started:.1f}s")
        assistant = build_assistant(
            settings, embedder=embedder, index=Index(settings, info.build_id)
        )
        qs = questions()
        assistant.ask("Warm-up: what do safeguarding reviews say about supervision?")
        measure(f"{size:>6} chunks, cold", assistant, qs, 1)  # sentence vectors not cached yet
        measure(f"{size:>6} chunks, warm", assistant, qs, args.repeats)


def measure(label: str, assistant, qs: list[str], repeats: int) -> None:  # type: ignore[no-untyped-def]
    totals: list[float] = []
    steps: dict[str, list[float]] = {}
    statuses: dict[str, int] = {}
    for _ in range(repeats):
        for q in qs:
            started = time.perf_counter()
            answer = assistant.ask(q)
            totals.append((time.perf_counter() - started) * 1000)
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
            for key, value in answer.metrics.items():
                if key.endswith("_ms") and key != "total_ms" and value >= 0.05:
                    steps.setdefault(key, []).append(value)
    print(
        f"  {label}: ask p50 {percentile(totals, 50):7.1f} ms   "
        f"p95 {percentile(totals, 95):7.1f} ms   (n={len(totals)}, statuses {statuses})"
    )
    for key, values in steps.items():
        print(
            f"      {key:<20} p50 {statistics.median(values):7.1f} ms   "
            f"p95 {percentile(values, 95):7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--pool", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(42)
    sentences = demo_sentences()
    embedder = SentenceTransformerEmbedder()
    print(f"ask benchmark: {len(sentences)} demo sentences, pool {args.pool}, cpu={os.cpu_count()}")
    texts, vectors = pool(embedder, sentences, args.pool, rng)
    for size in args.sizes:
        bench(size, texts, vectors, sentences, embedder, args)


if __name__ == "__main__":
    main()
