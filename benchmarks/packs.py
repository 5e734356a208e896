"""Time to draft a session pack, compare and build the silence map on the demo library (printed).

The demo library (``library/demo``) is ingested with the real packaged model into a temporary
data directory (or ``--data-dir`` if it already serves a build). For each topic: wall-clock to
draft the pack (evidence + comparison + checks), then to render each format; then a comparison,
and the silence map cold (computed) and warm (read from the per-build cache).

    .venv/bin/python benchmarks/packs.py [--data-dir DIR] [--topics adultification "faith and culture"]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.build.lifecycle import served_build_id  # noqa: E402
from assistant.embedding.embedder import SentenceTransformerEmbedder  # noqa: E402
from assistant.packs.comparison import compare  # noqa: E402
from assistant.packs.evidence_source import evidence_source  # noqa: E402
from assistant.packs.formats import FORMATS, render  # noqa: E402
from assistant.packs.question_bank import load_bank  # noqa: E402
from assistant.packs.session import draft_pack  # noqa: E402
from assistant.packs.silence_map import silence_map  # noqa: E402
from assistant.pipeline import build_assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402

TOPICS = ["adultification", "faith and culture", "What do reviews say about interpreters?"]


def seconds(started: float) -> str:
    return f"{time.perf_counter() - started:6.2f} s"


def web_draft(settings: Settings, embedder: SentenceTransformerEmbedder) -> None:
    """What a trainer waits for on the Packs page: the first draft of a fresh server (the
    Assistant is built on first use), then another topic."""
    import re

    from web import create_app

    def factory() -> object:
        return build_assistant(settings, embedder=embedder)

    app = create_app(
        settings.model_copy(update={"rate_limit": "1000/minute"}), assistant_factory=factory
    )
    client = app.test_client()
    started = time.perf_counter()
    page = client.get("/packs").get_data(as_text=True)  # builds the Assistant (loads the model)
    print(f"web: open the Packs page (cold) {seconds(started)}")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    for topic in ("adultification", "faith and culture"):
        started = time.perf_counter()
        data = {"topic": topic, "csrf_token": token.group(1) if token else ""}
        response = client.post("/packs", data=data, buffered=True)
        print(f"web: draft {topic[:18]:<18}    {seconds(started)}  HTTP {response.status_code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--topics", nargs="+", default=TOPICS)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="rla-packs-bench-"))
    settings = Settings(data_dir=data_dir, _env_file=None)
    embedder = SentenceTransformerEmbedder()
    if served_build_id(settings) is None:
        from ingest.job import run_ingest

        started = time.perf_counter()
        run_ingest(settings, [REPO / "library" / "demo"], embedder=embedder, demo=True)
        print(f"ingest demo library           {seconds(started)}")
    started = time.perf_counter()
    assistant = evidence_source(build_assistant(settings, embedder=embedder))
    bank = load_bank()
    print(
        f"open build                    {seconds(started)}  ({len(assistant.index.documents)} documents)"
    )
    for topic in args.topics:
        started = time.perf_counter()
        pack = draft_pack(assistant, topic, bank)
        print(
            f"draft pack {topic[:18]:<18} {seconds(started)}  status={pack.status} "
            f"points={len(pack.points)} summaries={len(pack.summaries)}"
        )
        for name in FORMATS:
            started = time.perf_counter()
            size = len(render(pack, name))
            print(f"  render {name:<5}                {seconds(started)}  {size:,} bytes")
    started = time.perf_counter()
    rows = compare(assistant, bank.theme("adultification").search).rows
    print(f"compare (adultification)      {seconds(started)}  rows={len(rows)}")
    web_draft(settings, embedder)
    cache = data_dir / "cache" / "silence-map"
    for label in ("cold", "warm"):
        started = time.perf_counter()
        result = silence_map(assistant, bank, cache_dir=cache)
        print(
            f"silence map {label}              {seconds(started)}  {len(result.rows)} x {len(result.themes)}"
        )


if __name__ == "__main__":
    main()
