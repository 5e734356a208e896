"""A build's life after writing: reading its files, validating it, rolling back, discarding.

``assistant.build.index`` writes builds and opens the served one for search; this module holds what the
ingestion job and the admin commands do with builds as files: read a stored build without opening
its vector collection (to reuse vectors and carry documents over), validate a fresh build before
it is served, serve the previous build again, and delete a build that must never be served.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assistant.build.index import (
    MANIFEST,
    Index,
    drop_server_collection,
    pointer,
    read_jsonl,
    swap,
)
from assistant.errors import BuildError, NoBuildError
from assistant.types import BuildInfo, Chunk, Document, Page

if TYPE_CHECKING:
    from assistant.settings import Settings


def validate_build(settings: Settings, build_id: str, *, probes: int = 3) -> None:
    """Open a freshly written build and check it answers: counts agree, and probe queries made
    with stored vectors find their own chunks first. Raises BuildError."""
    index = Index(settings, build_id)
    expected = index.info.chunk_count
    if len(index.chunks) != expected:
        raise BuildError(f"build {build_id}: {len(index.chunks)} chunks, manifest says {expected}")
    if index.count() != expected:
        raise BuildError(f"build {build_id}: collection holds {index.count()}, expected {expected}")
    vectors = index.vectors()
    if vectors.shape != (expected, index.info.dimensions):
        raise BuildError(f"build {build_id}: vectors {vectors.shape} do not match the chunks")
    if index.keyword.size != expected:
        raise BuildError(f"build {build_id}: keyword index size {index.keyword.size}")
    rows = sorted({0, expected // 2, expected - 1})[:probes]
    for row in rows:
        _probe(index, row, np.asarray(vectors[row], dtype=np.float32))


def _probe(index: Index, row: int, vector: np.ndarray) -> None:
    chunk = index.chunks[row]
    found = index.chroma_search(vector, 1)  # the vector collection itself, not the exact path
    if not found:
        raise BuildError(f"build {index.build_id}: probe for {chunk.chunk_id} found nothing")
    hit, score = index.chunks[found[0][0]], found[0][1]
    # An identical text elsewhere (a repeated boilerplate paragraph) may come first: same vector.
    if hit.chunk_id != chunk.chunk_id and score < 0.9999:
        raise BuildError(
            f"build {index.build_id}: probe for {chunk.chunk_id} found {hit.chunk_id} ({score:.3f})"
        )


@dataclass
class StoredBuild:
    """A complete build's files, read without opening its vector collection (used to reuse
    vectors and carry documents over into the next build)."""

    info: BuildInfo
    documents: list[Document]
    chunks: list[Chunk]
    pages: list[Page]
    vectors: np.ndarray  # memory-mapped, row i = chunk i


def read_info(settings: Settings, build_id: str) -> BuildInfo:
    """A complete build's BuildInfo, from its manifest alone. Raises BuildError."""
    try:
        manifest = json.loads((settings.builds_dir / build_id / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"build {build_id} has no readable manifest: {exc}") from exc
    known = set(BuildInfo.__dataclass_fields__)
    return BuildInfo(**{k: v for k, v in manifest.items() if k in known})


def read_build(settings: Settings, build_id: str) -> StoredBuild:
    """Read a complete build's documents, chunks, pages and vectors. Raises BuildError."""
    build_dir = settings.builds_dir / build_id
    try:
        manifest = json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
        known = set(BuildInfo.__dataclass_fields__)
        info = BuildInfo(**{k: v for k, v in manifest.items() if k in known})
        stored = StoredBuild(
            info=info,
            documents=[Document.from_dict(d) for d in read_jsonl(build_dir / "documents.jsonl")],
            chunks=[Chunk.from_dict(c) for c in read_jsonl(build_dir / "chunks.jsonl")],
            pages=[Page(**p) for p in read_jsonl(build_dir / "pages.jsonl")],
            vectors=np.load(build_dir / "vectors.npy", mmap_mode="r"),
        )
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise BuildError(f"build {build_id} cannot be read: {exc}") from exc
    if stored.vectors.shape[0] != len(stored.chunks):
        raise BuildError(
            f"build {build_id}: {stored.vectors.shape[0]} vectors for {len(stored.chunks)} chunks"
        )
    return stored


def rollback(settings: Settings) -> tuple[str, str]:
    """Serve the build the served one replaced; returns (now served, no longer served)."""
    current = pointer(settings)
    served, previous = current.get("build_id"), current.get("previous")
    if not served:
        raise NoBuildError("nothing is served yet: nothing to roll back")
    if not previous or not (settings.builds_dir / previous / MANIFEST).is_file():
        raise BuildError(f"build {served} has no previous build to roll back to")
    swap(settings, previous)
    return previous, served


def discard_build(settings: Settings, build_id: str) -> None:
    """Delete a build that must never be served (e.g. one that failed validation)."""
    build_dir = settings.builds_dir / build_id
    (build_dir / MANIFEST).unlink(missing_ok=True)  # incomplete from here on, even if rmtree stops
    if settings.chroma_url:
        drop_server_collection(settings, build_dir)
    shutil.rmtree(build_dir, ignore_errors=True)
