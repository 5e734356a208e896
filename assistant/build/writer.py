"""Writing a build document by document, so memory does not grow with the library.

    writer = BuildWriter.open(settings, BuildSpec(dimensions=384, embedding_model=name))
    writer.add(document, chunks, pages, vectors, units)   # as each document is embedded
    info = writer.finish()                                 # manifest last: complete from here

Each ``add`` appends the document's rows to ``documents.jsonl``, ``chunks.jsonl`` and
``pages.jsonl``, its vectors to ``vectors.npy`` (``assistant.build.appending``), its units of
evidence to the unit files and its words to the keyword stream
(``assistant.build.keyword_writer``). What stays in memory as the library grows is what a build
inherently holds while it is written: the keyword stream's word ids and a line per document for
the manifest. ``finish`` scores the keyword index, then fills the Chroma collection from the
written files in small batches (its in-memory index is the one part that grows with the library,
so it comes last, when nothing else is held), syncs every file and writes ``manifest.json`` last;
``discard`` removes the partial build.
The files are the ones ``assistant.build.index`` documents and opens.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.build.appending import JsonLines, NpyAppender
from assistant.build.index import (
    FORMAT_VERSION,
    MANIFEST,
    chroma_client,
    chunk_metadata,
    close_client,
    collection_name,
    fsync_dir,
    fsync_tree,
    keyword_text,
    new_build_id,
    read_jsonl,
)
from assistant.build.keyword_writer import KeywordStream
from assistant.build.unit_store import UnitFiles, UnitStore
from assistant.errors import BuildError
from assistant.types import BuildInfo, Chunk, Document, Page

if TYPE_CHECKING:
    from assistant.settings import Settings


DOCUMENTS, CHUNKS, VECTORS = "documents.jsonl", "chunks.jsonl", "vectors.npy"

# Rows a Chroma ``add`` takes at a time. Each ``add`` has a fixed cost (about 25 ms of CPU, much
# of it in Chroma's own threads), and Chroma's memory grows with the batch as well as with the
# collection. 8,000 vectors: 100 at a time 3.1 CPU-s, 6-8 s wall, RSS +39-40 MB; 512 at a time
# 1.7 CPU-s, 2.6 s, +38-44 MB; 1,000 at a time 1.7 CPU-s, 2.8 s, +49 MB. 800 vectors: 100 at a
# time 0.31-0.39 CPU-s, 512 at a time 0.15 (ADR 0027).
CHROMA_BATCH = 512


@dataclass(frozen=True)
class BuildSpec:
    """What a build records about how it was made (the manifest's build-wide fields)."""

    dimensions: int
    embedding_model: str
    embedding_route: str = ""
    tokenizer: str = ""
    is_demo: bool = False
    units: bool = True  # write units of evidence (builds for old tests may have none)
    unit_vectors: str = ""  # encoded | pooled (ADR 0024): how the units' vectors were made
    embedding_artefact: str = ""  # the exported model's version, where the route exports one


def return_freed_memory() -> None:
    """Hand memory freed inside the C heap back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). Without it, the keyword index's temporaries stay counted in the process's
    resident memory under Chroma's index: measured 680 MB peak at 8,000 chunks, 650 MB with it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class BuildWriter:
    """One new build being written; never served until ``finish`` has written its manifest."""

    def __init__(self, settings: Settings, spec: BuildSpec, build_id: str, *, batch: int) -> None:
        self.settings = settings
        self.spec = spec
        self.build_id = build_id
        self.build_dir = settings.builds_dir / build_id
        self._batch = batch
        self._documents = JsonLines(self.build_dir / DOCUMENTS)
        self._chunks = JsonLines(self.build_dir / CHUNKS)
        self._pages = JsonLines(self.build_dir / "pages.jsonl")
        self.vectors = NpyAppender(self.build_dir / VECTORS, np.float32, spec.dimensions)
        self.units = UnitFiles(self.build_dir, spec.dimensions) if spec.units else None
        self._keyword = KeywordStream()
        self._records: dict[str, dict[str, Any]] = {}  # the manifest's documents
        self._collection: Any = None
        self._client: Any = None
        self._added = 0  # rows in the collection

    @classmethod
    def open(cls, settings: Settings, spec: BuildSpec, *, batch: int | None = None) -> BuildWriter:
        """A new build's directory and vector collection; ``batch``: rows a Chroma ``add``
        takes (default ``CHROMA_BATCH``)."""
        build_id = new_build_id()
        (settings.builds_dir / build_id).mkdir(parents=True)
        writer = cls(settings, spec, build_id, batch=batch or CHROMA_BATCH)
        try:
            client = writer._client = chroma_client(settings, writer.build_dir)
            writer._collection = client.create_collection(
                name=collection_name(build_id),
                metadata={"hnsw:space": "cosine"},
                embedding_function=None,
            )
        except Exception as exc:
            writer.discard()
            raise BuildError(f"creating the vector collection failed: {exc}") from exc
        return writer

    @property
    def chunk_count(self) -> int:
        return self.vectors.rows

    def add(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        pages: Sequence[Page],
        vectors: np.ndarray,
        units: UnitStore | None = None,
        source: Mapping[str, Any] | None = None,
    ) -> None:
        """Append one document with its chunks (row i has vector i) and pages."""
        if len(chunks) != len(vectors):
            raise BuildError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        if document.doc_id in self._records:
            raise BuildError(f"document {document.doc_id!r} is already in the build")
        self._documents.write(document.to_dict())
        for page in pages:
            self._pages.write(page.to_dict())
        rows = np.asarray(vectors, dtype=np.float32)
        for chunk in chunks:
            self._chunks.write(chunk.to_dict())
            self._keyword.add(keyword_text(chunk, document))
            if self.units is not None:
                found, unit_vectors = units.for_chunk(chunk.chunk_id) if units else ([], [])
                self.units.add(chunk.chunk_id, found, np.asarray(unit_vectors))
        self.vectors.append(rows)
        record = {"digest": document.digest, "path": document.path, "title": document.title}
        self._records[document.doc_id] = {**record, **(source or {})}

    def _fill_collection(self) -> None:
        """Add every chunk to the vector collection, ``batch`` rows at a time, read back from
        the finished files. Done last, once the keyword index is saved, so that Chroma's
        in-memory index (which grows with the library) never coincides with scoring it."""
        documents = {
            d.doc_id: d
            for d in (Document.from_dict(row) for row in read_jsonl(self.build_dir / DOCUMENTS))
        }
        vectors = np.load(self.build_dir / VECTORS, mmap_mode="r")
        part: list[Chunk] = []
        with (self.build_dir / CHUNKS).open(encoding="utf-8") as fh:
            for line in fh:
                part.append(Chunk.from_dict(json.loads(line)))
                if len(part) == self._batch:
                    self._add(part, vectors, documents)
                    part = []
        self._add(part, vectors, documents)

    def _add(self, part: list[Chunk], vectors: np.ndarray, documents: dict[str, Document]) -> None:
        if not part:
            return
        start = self._added
        try:
            self._collection.add(
                ids=[c.chunk_id for c in part],
                embeddings=np.asarray(vectors[start : start + len(part)]),
                metadatas=[chunk_metadata(c, documents[c.doc_id]) for c in part],
            )
        except Exception as exc:
            raise BuildError(f"writing the vector collection failed: {exc}") from exc
        self._added += len(part)

    def finish(self) -> BuildInfo:
        """Complete the build: keyword index, every file synced, then the manifest. The build is
        not served: the caller validates it and swaps the pointer."""
        if not self.chunk_count:
            raise BuildError("no chunks to build")
        for part in (self._documents, self._chunks, self._pages, self.vectors):
            part.close()
        if self.units is not None:
            self.units.close()
        return_freed_memory()  # what preparing and embedding the documents freed
        self._keyword.save(self.build_dir / "keyword")
        self._keyword = KeywordStream()  # its word ids are no longer needed
        return_freed_memory()  # scoring's large temporaries, before Chroma's index grows
        self._fill_collection()
        self._release_client()
        info = self._info()
        manifest = {
            "format": FORMAT_VERSION,
            **info.to_dict(),
            "chroma_url": self.settings.chroma_url,
            "documents": self._records,
        }
        fsync_tree(self.build_dir)  # everything on disk before the manifest says "complete"
        tmp = self.build_dir / (MANIFEST + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps(manifest, indent=2, ensure_ascii=False))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.build_dir / MANIFEST)
        fsync_dir(self.build_dir)
        return info

    def _info(self) -> BuildInfo:
        import chromadb

        spec = self.spec
        return BuildInfo(
            build_id=self.build_id,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            embedding_model=spec.embedding_model,
            dimensions=spec.dimensions,
            chunk_count=self.chunk_count,
            document_count=len(self._records),
            chromadb_version=chromadb.__version__,
            chroma_mode="server" if self.settings.chroma_url else "embedded",
            collection=collection_name(self.build_id),
            tokenizer=spec.tokenizer,
            is_demo=spec.is_demo,
            embedding_route=spec.embedding_route,
            keyword_tokenizer=self._keyword.tokenizer,
            unit_vectors=spec.unit_vectors,
            embedding_artefact=spec.embedding_artefact,
        )

    def _release_client(self) -> None:
        client, self._client, self._collection = self._client, None, None
        if client is not None:
            close_client(client)

    def discard(self) -> None:
        """Remove the partial build (files and, in server mode, its collection)."""
        from assistant.build.lifecycle import discard_build

        self._release_client()
        for part in (self._documents, self._chunks, self._pages, self.vectors, self.units):
            if part is not None:
                part.abandon()
        discard_build(self.settings, self.build_id)
