"""Ingestion throughput over ../shared/corpus/real/: printed figures, not a timed test.

    .venv/bin/python benchmarks/ingest.py [CORPUS]

Prints: load+chunk pages/s (a dry run), full-ingest pages/s and chunks/s with the real packaged
embedder, the seconds of a no-change re-run (0 chunks embedded), and peak RSS. Uses a temporary
data directory; nothing under ./data is touched.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "real"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else DEFAULT_CORPUS
    if not corpus.is_dir():
        print(f"skipped: corpus not found at {corpus} (../shared beside the checkout)")
        return 0
    from assistant.embeddings import SentenceTransformerEmbedder
    from assistant.settings import Settings
    from ingest.job import run_ingest

    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    model_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="rla-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)
        dry = run_ingest(settings, [corpus], embedder=embedder, dry_run=True)
        full = run_ingest(settings, [corpus], embedder=embedder)
        again = run_ingest(settings, [corpus], embedder=embedder)
    pages = sum(o.pages for o in full.outcomes if o.status == "added")
    load = os.getloadavg()
    print(f"corpus: {corpus} ({len(full.outcomes)} files, {pages} pages, {full.chunks} chunks)")
    print(f"machine: {os.cpu_count()} cpus, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"model load:               {model_s:7.1f} s")
    print(f"load+clean+chunk (dry):   {dry.seconds:7.1f} s  {pages / dry.seconds:7.1f} pages/s")
    print(
        f"full ingest:              {full.seconds:7.1f} s  {pages / full.seconds:7.1f} pages/s  "
        f"{full.chunks_embedded / full.seconds:6.1f} chunks/s"
    )
    embed_s = max(full.seconds - dry.seconds, 1e-9)
    print(
        f"  of which embed+build:   {embed_s:7.1f} s  {full.chunks_embedded / embed_s:6.1f} chunks/s"
    )
    print(
        f"no-change re-run:         {again.seconds:7.1f} s  ({again.chunks_embedded} embedded, "
        f"{again.chunks_reused} reused, new build: {again.swapped})"
    )
    print(f"peak RSS:                 {peak_rss_mb():7.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
