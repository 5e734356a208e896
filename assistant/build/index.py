"""A build's files: writing them (``write_build``) and opening them for search (``Index``).

A build is one immutable directory ``<data_dir>/builds/<build_id>/``::

    documents.jsonl   one Document a line
    chunks.jsonl      one Chunk a line; row i is vector i and keyword row i
    pages.jsonl       one Page a line (the text quotes are verified against; the viewer's text)
    vectors.npy       float32 [chunks x dimensions], normalised (reused by the next ingest)
    keyword/          BM25 index (bm25s)
    chroma/           embedded Chroma (absent in server mode: the collection is on the server)
    manifest.json     written last: a build without it is incomplete and is never served

``<data_dir>/CURRENT`` names the served build; ``assistant.build.lifecycle`` swaps it (only after
the new build validated, so a failed or killed ingest leaves the served build exactly as it was),
prunes old builds, rolls back and opens the served one.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from assistant.build.dense import DenseSearch
from assistant.build.filtering import RowFilter
from assistant.build.unit_store import UnitStore
from assistant.errors import BuildError, ConfigurationError
from assistant.keyword import KeywordIndex
from assistant.types import BuildInfo, Chunk, Document, Filters, Page

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


# --- Chroma clients -----------------------------------------------------------------------------


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def chroma_client(settings: Settings, build_dir: Path) -> Any:
    """Embedded client for this build's own directory, or the configured server's client."""
    import chromadb

    if not settings.chroma_url:
        return chromadb.PersistentClient(
            path=str(build_dir / "chroma"), settings=_chroma_settings()
        )
    url = urlparse(settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ConfigurationError(f"RLA_CHROMA_URL is not an http(s) URL: {settings.chroma_url!r}")
    port = url.port or (443 if url.scheme == "https" else 8000)
    try:
        return chromadb.HttpClient(
            host=url.hostname, port=port, ssl=url.scheme == "https", settings=_chroma_settings()
        )
    except Exception as exc:
        raise BuildError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from exc


def open_collection(settings: Settings, build_dir: Path, info: BuildInfo) -> tuple[Any, Any]:
    """(client, collection): a written build's vector collection and the client that holds it
    open (``close_client`` it when done). Raises BuildError."""
    client = chroma_client(settings, build_dir)
    try:
        return client, client.get_collection(info.collection)
    except Exception as exc:
        close_client(client)
        raise BuildError(f"build {info.build_id}: vector collection unavailable: {exc}") from exc


def close_client(client: Any) -> None:
    """Release a Chroma client's files and threads (an embedded client keeps its SQLite and index
    files open until closed: one set per build opened, otherwise, for the life of the process)."""
    close = getattr(client, "close", None)
    if close is not None:
        with contextlib.suppress(Exception):
            close()


def collection_name(build_id: str) -> str:
    return f"rla-{build_id}"


def chunk_metadata(chunk: Chunk, document: Document) -> dict[str, Any]:
    """Flat Chroma metadata: themes become boolean keys so any Chroma version can filter them."""
    meta: dict[str, Any] = {
        "doc_id": chunk.doc_id,
        "n": chunk.n,
        "doc_type": document.doc_type,
        "year": document.year if document.year is not None else -1,
        "area": document.area,
    }
    for theme in set(chunk.themes) | set(document.themes):
        meta[f"theme:{theme}"] = True
    return meta


def matches(filters: Filters | None, chunk: Chunk, document: Document) -> bool:
    """One chunk against the filters, in Python (``assistant.build.filtering`` does whole builds)."""
    if filters is None or filters.is_empty():
        return True
    f = filters
    if f.doc_types and document.doc_type not in f.doc_types:
        return False
    if f.areas and document.area not in f.areas:
        return False
    if f.doc_ids and chunk.doc_id not in f.doc_ids:
        return False
    if f.themes and not (set(f.themes) & (set(chunk.themes) | set(document.themes))):
        return False
    if f.year_from is not None and (document.year is None or document.year < f.year_from):
        return False
    return not (f.year_to is not None and (document.year is None or document.year > f.year_to))


# --- writing ------------------------------------------------------------------------------------


def new_build_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@dataclass
class BuildContent:
    """Everything a build holds, in row order (chunk i has vector i)."""

    documents: Sequence[Document]
    chunks: Sequence[Chunk]
    pages: Sequence[Page]
    vectors: np.ndarray
    embedding_model: str
    tokenizer: str = ""
    is_demo: bool = False
    embedding_route: str = ""  # how the vectors were made (assistant.embedding.routes)
    units: UnitStore | None = (
        None  # units of evidence and their vectors (assistant.build.unit_store)
    )
    # more per-document fields for the manifest's ``documents`` records (ingest.unchanged)
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def write_build(
    settings: Settings, content: BuildContent, *, batch: int | None = None
) -> BuildInfo:
    """Write a complete new build (not yet served) from content held in memory, through the same
    writer an ingest streams documents into. Raises BuildError; leaves CURRENT alone."""
    from assistant.build.writer import BuildSpec, BuildWriter

    if len(content.chunks) != len(content.vectors):
        raise BuildError(f"{len(content.chunks)} chunks but {len(content.vectors)} vectors")
    if not content.chunks:
        raise BuildError("no chunks to build")
    vectors = np.asarray(content.vectors, dtype=np.float32)
    spec = BuildSpec(
        dimensions=int(vectors.shape[1]),
        embedding_model=content.embedding_model,
        embedding_route=content.embedding_route,
        tokenizer=content.tokenizer,
        is_demo=content.is_demo,
        units=content.units is not None,
        unit_vectors=content.units.kind if content.units is not None else "",
    )
    rows: dict[str, list[int]] = {}
    for i, chunk in enumerate(content.chunks):
        rows.setdefault(chunk.doc_id, []).append(i)
    order = [i for d in content.documents for i in rows.get(d.doc_id, [])]
    if order != list(range(len(content.chunks))):  # row i must stay chunk i
        raise BuildError("chunks must come grouped by document, in the documents' order")
    pages: dict[str, list[Page]] = {}
    for page in content.pages:
        pages.setdefault(page.doc_id, []).append(page)
    writer = BuildWriter.open(settings, spec, batch=batch)
    try:
        for document in content.documents:
            mine = rows.get(document.doc_id, [])
            writer.add(
                document,
                [content.chunks[i] for i in mine],
                pages.get(document.doc_id, []),
                vectors[mine],
                content.units,
                content.sources.get(document.doc_id, {}),
            )
        return writer.finish()
    except BaseException:
        writer.discard()
        raise


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """fsync every file and directory under ``root`` (Chroma's files included)."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            try:
                with open(os.path.join(dirpath, name), "rb") as fh:
                    os.fsync(fh.fileno())
            except OSError:
                continue
        fsync_dir(Path(dirpath))


def keyword_text(chunk: Chunk, document: Document) -> str:
    """What BM25 indexes: the chunk, its heading path and its document's title."""
    return " ".join([document.title, " ".join(chunk.section), chunk.text])


# --- reading ------------------------------------------------------------------------------------


class Index:
    """An opened, immutable build: documents, chunks, pages, dense and keyword search."""

    def __init__(self, settings: Settings, build_id: str) -> None:
        self.build_dir = settings.builds_dir / build_id
        manifest_path = self.build_dir / MANIFEST
        if not manifest_path.is_file():
            raise BuildError(f"build {build_id} is missing or incomplete")
        try:
            self._read(manifest_path)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # damaged files: one error
            raise BuildError(
                f"build {build_id} is damaged ({type(exc).__name__} reading it): "
                "roll back with `rla library rollback` or re-run `rla ingest`"
            ) from exc
        self._open_vectors(settings, build_id)

    def _read(self, manifest_path: Path) -> None:
        """The manifest, documents, chunks, pages and keyword index of the build."""
        self.manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        known = set(BuildInfo.__dataclass_fields__)
        self.info = BuildInfo(**{k: v for k, v in self.manifest.items() if k in known})
        self.documents = [
            Document.from_dict(d) for d in read_jsonl(self.build_dir / "documents.jsonl")
        ]
        self._docs = {d.doc_id: d for d in self.documents}
        self.chunks = [Chunk.from_dict(c) for c in read_jsonl(self.build_dir / "chunks.jsonl")]
        self._row = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self._pages: dict[str, list[Page]] = {}
        for row in read_jsonl(self.build_dir / "pages.jsonl"):
            self._pages.setdefault(row["doc_id"], []).append(Page(**row))
        self.keyword = KeywordIndex.load(
            self.build_dir / "keyword", len(self.chunks), self.info.keyword_tokenizer
        )

    def _open_vectors(self, settings: Settings, build_id: str) -> None:
        server_mode = self.info.chroma_mode == "server"
        if server_mode and not settings.chroma_url:
            raise ConfigurationError(
                f"build {build_id} lives on a Chroma server ({self.manifest.get('chroma_url')}); "
                "set RLA_CHROMA_URL"
            )
        self._settings = settings
        self._chroma: Any = None  # opened on first use: small libraries are searched exactly
        self._client: Any = None
        self._vectors: np.ndarray | None = None
        self.rows = RowFilter(self.documents, self.chunks)
        self.dense = DenseSearch(
            self.vectors,
            self.chroma_search,
            len(self.chunks),
            exact_limit=settings.exact_search_limit,
        )

    @property
    def _collection(self) -> Any:
        if self._chroma is None:
            self._client, self._chroma = open_collection(self._settings, self.build_dir, self.info)
        return self._chroma

    def close(self) -> None:
        """Release the vector collection's client (files, threads); searching opens it again."""
        client, self._client, self._chroma = self._client, None, None
        if client is not None:
            close_client(client)

    @property
    def build_id(self) -> str:
        return self.info.build_id

    def document(self, doc_id: str) -> Document | None:
        return self._docs.get(doc_id)

    def chunk(self, chunk_id: str) -> Chunk | None:
        row = self._row.get(chunk_id)
        return None if row is None else self.chunks[row]

    def pages(self, doc_id: str) -> list[Page]:
        return self._pages.get(doc_id, [])

    @functools.cached_property
    def units(self) -> UnitStore | None:
        """The build's units of evidence with their vectors (None for builds made before them)."""
        return UnitStore.load(self.build_dir, self._row)

    def vectors(self) -> np.ndarray:
        """The build's vectors, memory-mapped once (row i = chunk i)."""
        if self._vectors is None:
            self._vectors = np.load(self.build_dir / "vectors.npy", mmap_mode="r")
        return self._vectors

    def dense_search(
        self, vector: Sequence[float], k: int, filters: Filters | None = None
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity (higher is closer), filtered by row mask
        (``assistant.build.filtering``), never by a Chroma ``where`` scan."""
        query = np.asarray(vector, dtype=np.float32)
        found = self.dense.top(query, max(1, k), self.rows.allowed(filters))
        return [(self.chunks[row], score) for row, score in found]

    def chroma_search(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        """Chroma's HNSW neighbours of ``query``, unfiltered: [(row, cosine)], best first."""
        try:
            result = self._collection.query(
                query_embeddings=[query.tolist()], n_results=n, include=["distances"]
            )
        except Exception as exc:
            raise BuildError(f"vector search failed: {exc}") from exc
        ids = result["ids"][0] if result["ids"] else []
        dists = result["distances"][0] if result.get("distances") else []
        out = []
        for chunk_id, dist in zip(ids, dists, strict=False):
            row = self._row.get(chunk_id)
            if row is not None:
                out.append((row, 1.0 - float(dist)))
        return out

    def keyword_search(
        self, query: str, k: int, filters: Filters | None = None
    ) -> list[tuple[Chunk, float]]:
        """Best BM25 chunks with a positive score, filtered like ``dense_search``."""
        found = self.keyword.top(query, k, self.rows.allowed(filters))
        return [(self.chunks[row], score) for row, score in found]

    def count(self) -> int:
        return int(self._collection.count())
