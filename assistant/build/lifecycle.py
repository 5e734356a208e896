"""A build's life after writing: which build is served, and what is done with builds as files.

``assistant.build.index`` writes a build's files and opens them (``Index``). This module holds the
served-build pointer (``<data_dir>/CURRENT``: read it, swap it atomically, open the served build),
listing and pruning builds, reading a stored build without opening its vector collection (to reuse
vectors and carry documents over), validating a fresh build before it is served, rolling back to
the previous build, and deleting a build that must never be served.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.build.index import (
    MANIFEST,
    Index,
    chroma_client,
    close_client,
    collection_name,
    fsync_dir,
    open_collection,
    read_jsonl,
)
from assistant.errors import BuildError, NoBuildError
from assistant.types import BuildInfo, Chunk, Document, Page

if TYPE_CHECKING:
    from assistant.settings import Settings


log = logging.getLogger(__name__)


# --- pointer, listing, pruning ------------------------------------------------------------------


def served_build_id(settings: Settings) -> str | None:
    try:
        data = json.loads(settings.current_pointer.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise BuildError(f"the served-build pointer is unreadable: {exc}") from exc
    return str(data["build_id"])


def pointer(settings: Settings) -> dict[str, Any]:
    """The served-build pointer's content ({} when nothing is served)."""
    try:
        return dict(json.loads(settings.current_pointer.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise BuildError(f"the served-build pointer is unreadable: {exc}") from exc


def swap(settings: Settings, build_id: str) -> str | None:
    """Atomically make ``build_id`` the served build; returns the previously served id."""
    if not (settings.builds_dir / build_id / MANIFEST).is_file():
        raise BuildError(f"build {build_id} is incomplete and cannot be served")
    previous = served_build_id(settings)
    tmp = settings.current_pointer.with_name(f"CURRENT.{os.getpid()}.tmp")
    payload = {"build_id": build_id, "previous": previous, "swapped": time.time()}
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(payload, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, settings.current_pointer)
    fsync_dir(settings.current_pointer.parent)
    return previous


def list_builds(settings: Settings) -> list[str]:
    """Complete builds, oldest first."""
    if not settings.builds_dir.is_dir():
        return []
    return sorted(p.name for p in settings.builds_dir.iterdir() if (p / MANIFEST).is_file())


def prune(settings: Settings) -> list[str]:
    """Delete incomplete builds (a killed ingest's leftovers) and complete ones beyond
    ``keep_builds``. The served build and the one it replaced (the rollback target) are kept.
    Only call this while holding the ingest lock: a build being written looks incomplete."""
    removed: list[str] = []
    if not settings.builds_dir.is_dir():
        return removed
    current = pointer(settings)
    protected = {b for b in (current.get("build_id"), current.get("previous")) if b}
    keep = set(protected)
    for build_id in reversed(list_builds(settings)):  # newest first
        if len(keep) >= settings.keep_builds:
            break
        keep.add(build_id)
    for path in sorted(settings.builds_dir.iterdir()):
        if path.name in keep or not path.is_dir():
            continue
        if settings.chroma_url:
            drop_server_collection(settings, path)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    for stale in settings.data_dir.glob("CURRENT.*.tmp"):  # a swap killed before its rename
        stale.unlink(missing_ok=True)
    return removed


def drop_server_collection(settings: Settings, build_dir: Path) -> None:
    client = None
    try:
        client = chroma_client(settings, build_dir)
        client.delete_collection(collection_name(build_dir.name))
    except Exception as exc:  # best effort: an orphaned server collection is harmless
        log.warning("could not drop server collection for %s: %s", build_dir.name, exc)
    finally:
        if client is not None:
            close_client(client)


def open_served(settings: Settings) -> Index:
    """Open the served build. Raises NoBuildError when nothing has been ingested yet."""
    build_id = served_build_id(settings)
    if build_id is None:
        raise NoBuildError.in_data_dir(settings.data_dir)
    return Index(settings, build_id)


# --- validating, reading, rolling back, discarding -----------------------------------------------


def validate_build(settings: Settings, build_id: str, *, probes: int = 3) -> None:
    """Check a freshly written build answers before it is served: every file parses, counts
    agree, and probe queries made with stored vectors find their own chunks first in the vector
    collection. Reads the files a row at a time (nothing the size of the library is held), so
    validating costs no more memory for a large library than for a small one. Raises BuildError."""
    build_dir = settings.builds_dir / build_id
    info = read_info(settings, build_id)
    expected = info.chunk_count
    try:
        vectors = np.load(build_dir / "vectors.npy", mmap_mode="r")
        rows = sorted({0, expected // 2, expected - 1})[:probes] if expected else []
        chunks, chunk_ids = _scan(build_dir / "chunks.jsonl", rows, "chunk_id")
        documents, _ = _scan(build_dir / "documents.jsonl", [], "doc_id")
        _scan(build_dir / "pages.jsonl", [], "doc_id")
        keyword = json.loads((build_dir / "keyword" / "params.index.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BuildError(f"build {build_id} cannot be read: {exc}") from exc
    counts = {
        "chunks": (chunks, expected),
        "documents": (documents, info.document_count),
        "keyword rows": (keyword.get("num_docs"), expected),
    }
    for what, (found, wanted) in counts.items():
        if found != wanted:
            raise BuildError(f"build {build_id}: {found} {what}, manifest says {wanted}")
    if vectors.shape != (expected, info.dimensions):
        raise BuildError(f"build {build_id}: vectors {vectors.shape} do not match the chunks")
    _check_units(build_dir, expected)
    client, collection = open_collection(settings, build_dir, info)
    try:
        held = int(collection.count())
        if held != expected:
            raise BuildError(f"build {build_id}: collection holds {held}, expected {expected}")
        for row in rows:
            _probe(collection, build_id, chunk_ids[row], np.asarray(vectors[row], np.float32))
    except BuildError:
        raise
    except Exception as exc:
        raise BuildError(f"build {build_id}: vector collection failed: {exc}") from exc
    finally:
        close_client(client)


def _scan(path: Path, rows: list[int], key: str) -> tuple[int, dict[int, str]]:
    """Parse every line of a JSON-lines file, one at a time: how many rows it holds, and the
    ``key`` field of the rows asked for."""
    wanted = set(rows)
    found: dict[int, str] = {}
    count = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            value = json.loads(line)[key]
            if count in wanted:
                found[count] = str(value)
            count += 1
    return count, found


def _check_units(build_dir: Path, chunks: int) -> None:
    """The unit files, when the build has them, cover every chunk and agree with each other."""
    from assistant.build.unit_store import LINES_FILE, STARTS_FILE, UNITS_FILE, VECTORS_FILE

    if not (build_dir / UNITS_FILE).is_file():
        return
    try:
        starts = np.load(build_dir / STARTS_FILE, mmap_mode="r")
        lines = np.load(build_dir / LINES_FILE, mmap_mode="r")
        vectors = np.load(build_dir / VECTORS_FILE, mmap_mode="r")
        size = (build_dir / UNITS_FILE).stat().st_size
    except (OSError, ValueError) as exc:
        raise BuildError(f"build {build_dir.name}: unit files unreadable: {exc}") from exc
    units = len(lines) - 1
    if len(starts) != chunks + 1 or int(starts[-1]) != units or len(vectors) != units:
        raise BuildError(f"build {build_dir.name}: unit files do not match the chunks")
    if int(lines[-1]) != size:
        raise BuildError(f"build {build_dir.name}: units.jsonl is {size} bytes, not {lines[-1]}")


def _probe(collection: Any, build_id: str, chunk_id: str, vector: np.ndarray) -> None:
    result = collection.query(
        query_embeddings=[vector.tolist()], n_results=1, include=["distances"]
    )
    ids = result["ids"][0] if result["ids"] else []
    if not ids:
        raise BuildError(f"build {build_id}: probe for {chunk_id} found nothing")
    hit, score = ids[0], 1.0 - float(result["distances"][0][0])
    # An identical text elsewhere (a repeated boilerplate paragraph) may come first: same vector.
    if hit != chunk_id and score < 0.9999:
        raise BuildError(f"build {build_id}: probe for {chunk_id} found {hit} ({score:.3f})")


@dataclass
class StoredBuild:
    """A complete build's files, read without opening its vector collection (used to reuse
    vectors and carry documents over into the next build)."""

    info: BuildInfo
    documents: list[Document]
    chunks: list[Chunk]
    pages: list[Page]
    vectors: np.ndarray  # memory-mapped, row i = chunk i
    # the manifest's per-document records: digest, path, title, and what the ingest job adds
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)


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
            sources=dict(manifest.get("documents") or {}),
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
