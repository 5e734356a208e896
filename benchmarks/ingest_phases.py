"""Where an ingest's time goes, phase by phase (printed figures, not a test).

    .venv/bin/python benchmarks/ingest_phases.py [--corpus DIR] [--route R] [--runs 1]
        [--profile FILE]

One ``run_ingest`` of the corpus (default ../shared/corpus/real/) into a fresh data directory, in
this process, with the product's functions wrapped in timing spans: each span records wall-clock
and its own thread's CPU time, exclusive of the spans nested inside it, per thread (the main
thread embeds and writes; ``rla-prepare`` loads, chunks and tags ahead of it). The model's own
threads (OpenVINO's workers) are counted from ``/proc/self/task`` at the end, so the table shows
the model's CPU beside everything that is not the model. ``--profile FILE`` also writes a cProfile
of the main thread for reading with ``pstats``.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "real"


class Spans:
    """Wall and thread-CPU seconds per (thread, phase), exclusive of nested spans."""

    def __init__(self) -> None:
        self.wall: dict[tuple[str, str], float] = defaultdict(float)
        self.cpu: dict[tuple[str, str], float] = defaultdict(float)
        self.calls: dict[tuple[str, str], int] = defaultdict(int)
        self.thread_cpu: dict[str, float] = {}  # each thread's own CPU time at its last span's end
        self.events: list[tuple[str, str, float, float]] = []  # outermost spans: thread, phase
        self._local = threading.local()

    def wrap(self, owner: Any, attr: str, phase: str) -> None:
        original = getattr(owner, attr)
        if isinstance(owner, type) and isinstance(owner.__dict__.get(attr), staticmethod):
            original = owner.__dict__[attr].__func__

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.span(phase):
                return original(*args, **kwargs)

        if isinstance(owner, type) and isinstance(owner.__dict__.get(attr), staticmethod):
            setattr(owner, attr, staticmethod(timed))
        else:
            setattr(owner, attr, timed)

    def span(self, phase: str) -> _Span:
        return _Span(self, phase)

    def stack(self) -> list[list[float]]:
        if not hasattr(self._local, "stack"):
            self._local.stack = []
        stack: list[list[float]] = self._local.stack
        return stack


class _Span:
    def __init__(self, spans: Spans, phase: str) -> None:
        self.spans, self.phase = spans, phase

    def __enter__(self) -> None:
        # [wall start, cpu start, nested wall, nested cpu]
        self.spans.stack().append([time.perf_counter(), time.thread_time(), 0.0, 0.0])

    def __exit__(self, *exc: object) -> None:
        stack = self.spans.stack()
        start, cpu0, inner_wall, inner_cpu = stack.pop()
        wall, cpu = time.perf_counter() - start, time.thread_time() - cpu0
        key = (threading.current_thread().name, self.phase)
        self.spans.wall[key] += wall - inner_wall
        self.spans.cpu[key] += cpu - inner_cpu
        self.spans.calls[key] += 1
        self.spans.thread_cpu[key[0]] = time.thread_time()
        if stack:
            stack[-1][2] += wall
            stack[-1][3] += cpu
        else:
            self.spans.events.append((key[0], self.phase, start, start + wall))


def instrument(spans: Spans) -> None:
    """Wrap the functions an ingest spends its time in (where the callers look them up)."""
    import assistant.build.writer as writer
    import ingest.chunking as chunking
    import ingest.embedding as embedding
    import ingest.job as job
    import ingest.loaders as loaders
    import ingest.metadata as metadata
    import ingest.prepare as prepare
    import ingest.stream as stream
    import ingest.unchanged as unchanged
    import ingest.writing as writing
    from assistant.build.appending import JsonLines, NpyAppender
    from assistant.build.keyword_writer import KeywordStream
    from assistant.build.unit_store import UnitFiles
    from assistant.embedding import runtime
    from assistant.text import tokens

    table: list[tuple[Any, str, str]] = [
        (stream, "file_digest", "prepare: hash file"),
        (unchanged, "preparation_key", "prepare: preparation key"),
        (loaders, "load", "prepare: load (PDF/HTML/...)"),
        (metadata, "resolve_document", "prepare: metadata"),
        (prepare, "chunk_document", "prepare: chunking"),
        (chunking, "_fits", "prepare: chunking / word-piece fit check"),
        (tokens, "count", "prepare: chunking / tiktoken count"),
        (prepare, "_tagged", "prepare: theme tagging"),
        (prepare, "_with_themes", "prepare: theme tagging"),
        (job, "_status", "plan: compare with served"),
        (embedding, "chunk_units", "embed: unit making (text.units)"),
        (embedding, "pooled_units", "embed: pooling unit vectors"),
        (embedding, "embed_text", "embed: embed_text"),
        (embedding, "_checked", "embed: check vectors"),
        (embedding, "_unit_store", "embed: unit store"),
        (runtime.WordPieces, "encode_with_offsets", "embed: tokenise (word pieces)"),
        (runtime.WordPieces, "encode", "embed: tokenise (word pieces)"),
        (runtime.OpenVinoEmbedder, "_run", "embed: model (OpenVINO, main thread)"),
        (writing.BuildSink, "_open", "write: open build + Chroma client"),
        (writer.BuildWriter, "add", "write: append rows"),
        (KeywordStream, "add", "write: keyword tokenise"),
        (UnitFiles, "add", "write: unit files"),
        (JsonLines, "write", "write: JSON lines"),
        (NpyAppender, "append", "write: vectors"),
        (KeywordStream, "save", "finish: keyword index (bm25s)"),
        (writer.BuildWriter, "_fill_collection", "finish: Chroma fill"),
        (writer, "fsync_tree", "finish: fsync"),
        (writer.BuildWriter, "_release_client", "finish: close Chroma"),
        (writer, "return_freed_memory", "finish: malloc_trim"),
        (job, "validate_build", "validate"),
        (job, "swap", "swap + prune"),
        (job, "prune", "swap + prune"),
        (job, "read_build", "read served build"),
    ]
    for owner, attr, phase in table:
        spans.wrap(owner, attr, phase)
    try:
        from assistant.embedding.embedder import SentenceTransformerEmbedder

        spans.wrap(SentenceTransformerEmbedder, "embed_tokens", "embed: model (torch)")
    except ImportError:
        pass


def one_run(
    corpus: Path, route: str, work: Path, profile: str | None, timeline: float = 0.0
) -> None:
    from assistant.embedding.embedder import build_embedder, route_of
    from assistant.settings import Settings
    from ingest.job import run_ingest

    settings = Settings(data_dir=work, embedding_route=route, _env_file=None)
    embedder = build_embedder(settings, route=route, strict=True, throughput=True)
    import chromadb  # noqa: F401  (imported before the clock starts, as a warm process would)

    spans = Spans()
    instrument(spans)
    main0 = time.thread_time()
    cpu0 = time.process_time()
    started = time.perf_counter()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    report = run_ingest(settings, [corpus], embedder=embedder)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    print(
        f"route {route_of(embedder)}: {report.chunks} chunks, {report.units_embedded} units, "
        f"wall {wall:.2f} s ({report.chunks / wall:.1f} chunks/s), process CPU {cpu:.2f} s "
        f"({report.chunks / cpu:.1f} chunks/CPU-s), load {os.getloadavg()[0]:.1f}, "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print_table(spans, wall)
    if timeline:
        print_timeline(spans, started, wall, timeline)
    main_cpu = time.thread_time() - main0
    python = main_cpu + sum(v for k, v in spans.thread_cpu.items() if k != "MainThread")
    print(
        f"CPU: main thread {main_cpu:.2f} s, preparing thread "
        f"{spans.thread_cpu.get('rla-prepare', 0.0):.2f} s, every other thread (the model's "
        f"inference threads, the tokenizer's pool, Chroma's) {cpu - python:.2f} s"
    )


def print_timeline(spans: Spans, started: float, wall: float, step: float) -> None:
    """What each thread was doing in each ``step`` seconds: its busiest outermost phase."""
    threads = sorted({t for t, *_ in spans.events})
    print(f"{'from s':>6}  " + "  ".join(f"{t:<34}" for t in threads))
    at = 0.0
    while at < wall:
        cells = []
        for thread in threads:
            busy: dict[str, float] = defaultdict(float)
            for t, phase, s0, s1 in spans.events:
                overlap = min(s1 - started, at + step) - max(s0 - started, at)
                if t == thread and overlap > 0:
                    busy[phase] += overlap
            top = max(busy.items(), key=lambda kv: kv[1]) if busy else ("-", 0.0)
            cells.append(f"{top[0][:28]:<28} {100 * sum(busy.values()) / step:>4.0f}%")
        print(f"{at:>6.1f}  " + "  ".join(cells))
        at += step


def print_table(spans: Spans, wall: float) -> None:
    phases = sorted({p for _, p in spans.wall})
    threads = sorted({t for t, _ in spans.wall})
    print(f"{'phase':<46} " + " ".join(f"{t[:12] + ' wall':>18} {'cpu':>7}" for t in threads))
    covered: dict[str, float] = defaultdict(float)
    for phase in phases:
        cells = []
        for thread in threads:
            w, c = spans.wall.get((thread, phase), 0.0), spans.cpu.get((thread, phase), 0.0)
            covered[thread] += w
            cells.append(f"{w:>18.2f} {c:>7.2f}" if (w or c) else f"{'':>18} {'':>7}")
        print(f"{phase:<46} " + " ".join(cells))
    main = threading.main_thread().name
    print(f"{'main thread outside any span':<46} {wall - covered[main]:>18.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--route", default="openvino-int8")
    parser.add_argument("--profile", help="write a cProfile of the main thread here")
    parser.add_argument("--timeline", type=float, default=0.0, help="print a timeline, step s")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: corpus not found at {args.corpus} (../shared beside the checkout)")
        return 0
    with tempfile.TemporaryDirectory(prefix="rla-phases-") as tmp:
        one_run(args.corpus, args.route, Path(tmp), args.profile, args.timeline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
