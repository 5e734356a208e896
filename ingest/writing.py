"""Where an ingest's documents go once planned: embedded a group at a time and appended to the
new build (``assistant.build.writer``), so memory stays flat as the library grows.

The build is opened only once the run is known to change something: while every document so far
is unchanged (a re-ingest), documents are held, as the served build already holds them, and a run
that changes nothing writes nothing. A group of about ``GROUP_CHUNKS`` chunks is embedded at once
(vectors reused from the served build by chunk digest, and from earlier in this run), then each of
its documents is appended. ``close`` removes a build that was not finished.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.build.lifecycle import StoredBuild
from assistant.build.unit_store import UnitStore
from assistant.build.writer import BuildSpec, BuildWriter
from assistant.embedding.embedder import Embedder, artefact_of, route_of
from assistant.embedding.pooling import POOLED
from assistant.text import tokens
from assistant.types import BuildInfo, Chunk, Document, Page
from ingest.chunking import EMBED_FORMAT
from ingest.embedding import unit_vector_kind, vectors_for
from ingest.stream import RunChunks, RunUnits, Turns

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger(__name__)

GROUP_CHUNKS = (
    64  # chunks embedded together: enough to batch by width; small, so embedding starts early
)


@dataclass(frozen=True)
class Entry:
    """One document as it goes into the build."""

    document: Document
    chunks: Sequence[Chunk]
    pages: Sequence[Page]
    source: Mapping[str, Any] = field(default_factory=dict)  # the manifest's extra fields


@dataclass
class Counts:
    embedded: int = 0  # chunk vectors computed (identical chunks once)
    reused: int = 0  # chunks whose vector came from the served build
    units_embedded: int = 0


class BuildSink:
    """Documents in plan order, written into one new build as they come."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        usable: StoredBuild | None,
        turns: Turns,
        *,
        demo: bool,
        write: bool,
        must_write: bool,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.usable = usable
        self.turns = turns
        self.demo = demo
        self.write = write  # False: a dry run, or a run that will build nothing
        self.must_write = must_write  # True: a build is written even if no document changed
        self.counts = Counts()
        self.writer: BuildWriter | None = None
        self.finished = False
        self._held: list[Entry] = []
        self._group: list[Entry] = []
        self._group_chunks = 0
        self._chunks: RunChunks | None = None
        self._units: RunUnits | None = None
        self._previous_units: UnitStore | None = None

    def add(self, entry: Entry, *, changed: bool) -> None:
        if not self.write:
            return
        if self.writer is None and not (changed or self.must_write):
            self._held.append(entry)  # the served build holds these already
            return
        self._open()
        self._queue(entry)

    def open_now(self) -> None:
        """Open the build at once when the run writes one whatever its files hold (no usable
        served build): the Chroma client and collection are then made while the first file is
        read, rather than after it, when the model could start."""
        if self.write and self.must_write:
            self._open()

    def stop(self) -> None:
        """Nothing will be built: drop what is held and write no more."""
        self.write = False
        self._held, self._group = [], []

    def finish(self) -> BuildInfo:
        """Embed and write what is left, and complete the build (not yet validated or served)."""
        self._open()
        self._write_group()
        assert self.writer is not None
        info = self.writer.finish()
        self.finished = True
        return info

    def close(self) -> None:
        """Remove the build if it was started but not finished (an error, or nothing to build)."""
        if self.writer is not None and not self.finished:
            self.writer.discard()
            self.writer = None

    # -- writing -----------------------------------------------------------------------------

    def _open(self) -> None:
        if self.writer is not None:
            return
        settings, embedder = self.settings, self.embedder
        spec = BuildSpec(
            dimensions=embedder.dimensions,
            embedding_model=embedder.name,
            embedding_route=route_of(embedder),
            tokenizer=f"{tokens.ENCODING_NAME}; chunk_tokens={settings.chunk_tokens}; "
            f"overlap={settings.chunk_overlap}; embed={EMBED_FORMAT}",
            is_demo=self.demo,
            unit_vectors=unit_vector_kind(settings.unit_vectors, embedder),
            embedding_artefact=artefact_of(embedder),
        )
        self.writer = BuildWriter.open(settings, spec)
        self._chunks = RunChunks(self.writer.vectors)
        usable = self.usable
        self._units = RunUnits.from_build(
            settings.builds_dir / usable.info.build_id if usable is not None else None
        )
        assert self.writer.units is not None
        self._units.writing_to(self.writer.units.vectors)
        if usable is not None and spec.unit_vectors == POOLED:  # pooled vectors reuse by chunk
            self._previous_units = UnitStore.load(settings.builds_dir / usable.info.build_id)
        held, self._held = self._held, []
        for entry in held:
            self._queue(entry)

    def _queue(self, entry: Entry) -> None:
        self._group.append(entry)
        self._group_chunks += len(entry.chunks)
        if self._group_chunks >= GROUP_CHUNKS:
            self._write_group()

    def _write_group(self) -> None:
        group, self._group, self._group_chunks = self._group, [], 0
        if not group:
            return
        writer, run_chunks, run_units = self.writer, self._chunks, self._units
        assert writer is not None and writer.units is not None
        assert run_chunks is not None and run_units is not None
        chunks = [c for entry in group for c in entry.chunks]
        log.info("embedding: %d chunks, %d document(s)", len(chunks), len(group))
        turn = self.turns.lock if self.turns.needed else contextlib.nullcontext()
        with turn, self.turns.sharing_cores():
            vectors = vectors_for(
                chunks,
                embedder=self.embedder,
                previous=self.usable,
                batch_size=self.settings.embedding_batch_size * 4,
                known=run_chunks,
                unit_vectors=self.settings.unit_vectors,
                previous_units=self._previous_units,
            )
            units = (
                vectors.units
                if vectors.units is not None
                else UnitStore.from_chunks(chunks, self.embedder, run_units)
            )
        first_chunk, first_unit = writer.chunk_count, writer.units.vectors.rows
        row = 0
        for entry in group:
            mine = vectors.matrix[row : row + len(entry.chunks)]
            writer.add(entry.document, entry.chunks, entry.pages, mine, units, entry.source)
            row += len(entry.chunks)
        run_chunks.record([c.digest for c in chunks], first_chunk)
        run_units.record(units, first_unit)
        self.counts.embedded += vectors.embedded
        self.counts.reused += vectors.reused
        self.counts.units_embedded += units.embedded
        log.info("written: %d embedded, %d reused", vectors.embedded, vectors.reused)
