"""The units of evidence of a build, with their vectors, made at ingest time.

``units.jsonl`` holds one row per unit (``chunk_id``, ``text``, ``kind``, ``block``,
``position``, ``context``) grouped by chunk in build order; ``unit_vectors.npy`` holds their unit
vectors (float16, row i = unit i; memory-mapped when read). Answering then never embeds text at
query time. ``unit_lines.npy`` (each row's byte offset in ``units.jsonl``, then the file's length)
and ``unit_starts.npy`` (each chunk's first row, in build order, then the number of rows) let an
opened build read only the units of the chunks a question retrieved: the file is memory-mapped and
nothing is parsed when the build is opened, however large the library. A re-ingest reuses the previous build's vector for every unit whose text is unchanged,
so a no-change run embeds nothing.

Builds written before units existed have no such files: ``UnitStore.load`` returns None and
answering splits and embeds the passages it is given (``UnitStore.from_chunks``), cached.
"""

from __future__ import annotations

import json
import logging
import mmap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Protocol, overload

import numpy as np

from assistant.build.appending import JsonLines, NpyAppender
from assistant.embedding.embedder import Embedder, embed_matrix
from assistant.embedding.pooling import ENCODED
from assistant.text.units import Unit, opens_with_items, units_read_on
from assistant.types import Chunk

log = logging.getLogger(__name__)

UNITS_FILE = "units.jsonl"
VECTORS_FILE = "unit_vectors.npy"
LINES_FILE = "unit_lines.npy"
STARTS_FILE = "unit_starts.npy"


def reads_on(chunk: Chunk, after: Chunk) -> bool:
    """``after`` continues ``chunk``'s text on the same page, under the same heading: a unit
    may run on into it and still be quoted verbatim from the chunk's page."""
    return (
        after.doc_id == chunk.doc_id
        and after.n == chunk.n + 1
        and after.section == chunk.section
        and after.page_start == after.page_end == chunk.page_end
    )


def reads_back(before: Chunk, chunk: Chunk) -> bool:
    """``chunk`` opens with the items of a list that ``before`` introduced, on the page where
    ``before`` ends, and ``before`` could not read on into it (``chunk`` runs onto a later page
    or starts under another heading)."""
    return (
        before.doc_id == chunk.doc_id
        and chunk.n == before.n + 1
        and chunk.page_start == before.page_end
        and not reads_on(before, chunk)
        and opens_with_items(chunk.text)
    )


def units_by_chunk(chunks: Sequence[Chunk]) -> dict[str, list[Unit]]:
    """Each chunk's units, in document order, read on into the next chunk where it continues
    the text (a list cut by the chunk boundary stays whole). A chunk that could not be read on
    into, but opens with the items of a list the chunk before introduced, also holds that whole
    list: it is quoted only where its text is found on this chunk's pages."""
    return {chunk.chunk_id: chunk_units(chunks, i) for i, chunk in enumerate(chunks)}


def chunk_units(chunks: Sequence[Chunk], i: int) -> list[Unit]:
    """The units of ``chunks[i]`` as ``units_by_chunk`` makes them (reading its neighbours)."""
    chunk = chunks[i]
    after = chunks[i + 1] if i + 1 < len(chunks) else None
    following = after.text if after is not None and reads_on(chunk, after) else ""
    own = units_read_on(chunk.text, following)
    before = chunks[i - 1] if i > 0 else None
    if before is not None and reads_back(before, chunk):
        begun = {u.text for u in own}
        whole = [
            u
            for u in units_read_on(before.text, chunk.text)
            if u.kind == "list" and u.text not in begun and _reaches(u.text, chunk.text)
        ]
        own += [replace(u, position=len(own) + j) for j, u in enumerate(whole)]
    return own


def _reaches(unit: str, text: str) -> bool:
    """The unit holds the first item of ``text``."""
    first = text.lstrip().split("\n", 1)[0].lstrip("•*-– ").strip()
    return bool(first) and first[:60] in unit


class KnownUnits(Protocol):
    """Unit vectors already made, by text (a previous build's store, or an ingest's run so far)."""

    def vector_by_text(self) -> Mapping[str, np.ndarray]: ...


@dataclass
class UnitStore:
    """Units per chunk and one vector per unit."""

    by_chunk: Mapping[str, tuple[int, int]]  # chunk_id -> [start, end) rows
    rows: Sequence[Unit]
    vectors: np.ndarray  # [units x dimensions], float16 or float32, unit length
    embedded: int = 0  # unit texts embedded when this store was made (the rest were reused)
    kind: str = ENCODED  # how the vectors were made: encoded | pooled (ADR 0024)

    def for_chunk(self, chunk_id: str) -> tuple[list[Unit], np.ndarray]:
        start, end = self.by_chunk.get(chunk_id, (0, 0))
        return list(self.rows[start:end]), self.vectors[start:end]

    def __len__(self) -> int:
        return len(self.rows)

    # -- making ------------------------------------------------------------------------------

    @classmethod
    def from_chunks(
        cls,
        chunks: Sequence[Chunk],
        embedder: Embedder,
        previous: KnownUnits | None = None,
    ) -> UnitStore:
        """Split every chunk into units and embed those whose text the previous store lacks."""
        by_chunk: dict[str, tuple[int, int]] = {}
        rows: list[Unit] = []
        made = units_by_chunk(chunks)
        for chunk in chunks:
            found = made[chunk.chunk_id]
            by_chunk[chunk.chunk_id] = (len(rows), len(rows) + len(found))
            rows.extend(found)
        texts = [u.text for u in rows]
        embedded = embedded_count(texts, previous)
        return cls(by_chunk, rows, _vectors(texts, embedder, previous), embedded)

    # -- files -------------------------------------------------------------------------------

    def save(self, build_dir: Path, chunk_order: Iterable[str]) -> None:
        files = UnitFiles(build_dir, self.vectors.shape[1])
        try:
            for chunk_id in chunk_order:
                files.add(chunk_id, *self.for_chunk(chunk_id))
        except BaseException:
            files.abandon()
            raise
        files.close()

    @classmethod
    def load(cls, build_dir: Path, chunk_rows: Mapping[str, int] | None = None) -> UnitStore | None:
        """The build's units. With ``chunk_rows`` (chunk_id -> row in build order) and the
        offset files, nothing is parsed now: units are read when a chunk's are asked for."""
        path, vpath = build_dir / UNITS_FILE, build_dir / VECTORS_FILE
        if not path.is_file() or not vpath.is_file():
            return None
        if chunk_rows is not None:
            mapped = _mapped(build_dir, chunk_rows)
            if mapped is not None:
                return mapped
        by_chunk: dict[str, tuple[int, int]] = {}
        rows: list[Unit] = []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                data = json.loads(line)
                chunk_id = data.pop("chunk_id")
                start, _ = by_chunk.get(chunk_id, (len(rows), len(rows)))
                rows.append(Unit(**data))
                by_chunk[chunk_id] = (start, len(rows))
        vectors = np.load(vpath, mmap_mode="r")
        if len(vectors) != len(rows):
            log.warning("unit store of %s is inconsistent; ignoring it", build_dir.name)
            return None
        return cls(by_chunk, rows, vectors)

    def vector_by_text(self) -> Mapping[str, np.ndarray]:
        return {u.text: self.vectors[i] for i, u in enumerate(self.rows)}


class UnitFiles:
    """A build's unit files written chunk by chunk, in build order (``UnitStore.save`` and the
    streaming build writer both use it): the units, their vectors and both offset files."""

    def __init__(self, build_dir: Path, dimensions: int) -> None:
        self._lines = JsonLines(build_dir / UNITS_FILE)
        self._offsets = NpyAppender(build_dir / LINES_FILE, np.int64)
        self._starts = NpyAppender(build_dir / STARTS_FILE, np.int64)
        self.vectors = NpyAppender(build_dir / VECTORS_FILE, np.float16, dimensions)
        self._offsets.append(np.zeros(1, dtype=np.int64))
        self._starts.append(np.zeros(1, dtype=np.int64))

    def add(self, chunk_id: str, found: Sequence[Unit], vectors: np.ndarray) -> None:
        """The next chunk's units with their vectors (row i = unit i)."""
        if len(found) != len(vectors):
            raise ValueError(f"{len(found)} units but {len(vectors)} vectors for {chunk_id}")
        offsets = []
        for unit in found:
            self._lines.write({"chunk_id": chunk_id, **asdict(unit)})
            offsets.append(self._lines.offset)
        if offsets:
            self._offsets.append(np.asarray(offsets, dtype=np.int64))
            self.vectors.append(np.asarray(vectors, dtype=np.float16))
        self._starts.append(np.asarray([self.vectors.rows], dtype=np.int64))

    def close(self) -> None:
        for part in (self._lines, self._offsets, self._starts, self.vectors):
            part.close()

    def abandon(self) -> None:
        for part in (self._lines, self._offsets, self._starts, self.vectors):
            part.abandon()


def _mapped(build_dir: Path, chunk_rows: Mapping[str, int]) -> UnitStore | None:
    lpath, spath = build_dir / LINES_FILE, build_dir / STARTS_FILE
    if not lpath.is_file() or not spath.is_file():
        return None  # a build written before the offset files: parsed whole instead
    lines = np.load(lpath, mmap_mode="r")
    starts = np.load(spath, mmap_mode="r")
    vectors = np.load(build_dir / VECTORS_FILE, mmap_mode="r")
    rows = len(lines) - 1
    consistent = len(starts) == len(chunk_rows) + 1 and int(starts[-1]) == rows == len(vectors)
    if not consistent or (build_dir / UNITS_FILE).stat().st_size != int(lines[-1]):
        log.warning("unit store of %s is inconsistent; ignoring it", build_dir.name)
        return None
    return UnitStore(_Spans(chunk_rows, starts), _Rows(build_dir / UNITS_FILE, lines), vectors)


class _Spans(Mapping[str, tuple[int, int]]):
    """chunk_id -> its [start, end) unit rows, from the chunk rows and the starts file."""

    def __init__(self, chunk_rows: Mapping[str, int], starts: np.ndarray) -> None:
        self._chunk_rows = chunk_rows
        self._starts = starts

    def __getitem__(self, chunk_id: str) -> tuple[int, int]:
        row = self._chunk_rows[chunk_id]
        return int(self._starts[row]), int(self._starts[row + 1])

    def __iter__(self) -> Iterator[str]:
        return iter(self._chunk_rows)

    def __len__(self) -> int:
        return len(self._chunk_rows)


class _Rows(Sequence[Unit]):
    """The units of ``units.jsonl``, parsed when read (the file is memory-mapped)."""

    def __init__(self, path: Path, lines: np.ndarray) -> None:
        with path.open("rb") as fh:
            self._data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if lines[-1] else b""
        self._lines = lines

    def __len__(self) -> int:
        return len(self._lines) - 1

    @overload
    def __getitem__(self, index: int) -> Unit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Unit]: ...

    def __getitem__(self, index: int | slice) -> Unit | list[Unit]:
        if isinstance(index, slice):
            return [self._unit(i) for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._unit(index % len(self))

    def _unit(self, i: int) -> Unit:
        data = json.loads(self._data[int(self._lines[i]) : int(self._lines[i + 1])])
        data.pop("chunk_id")
        return Unit(**data)


def _vectors(texts: list[str], embedder: Embedder, previous: KnownUnits | None) -> np.ndarray:
    """float16 rows (as saved): each distinct new text embedded once, the rest reused."""
    known = previous.vector_by_text() if previous is not None else {}
    todo = list(dict.fromkeys(t for t in texts if t not in known))
    made = embed_matrix(embedder, todo)
    row = {text: i for i, text in enumerate(todo)}
    out = np.zeros((len(texts), embedder.dimensions), dtype=np.float16)
    for i, text in enumerate(texts):
        out[i] = made[row[text]] if text in row else known[text]
    return out


def embedded_count(texts: Sequence[str], previous: KnownUnits | None) -> int:
    """How many distinct unit texts a store made from ``texts`` would have to embed."""
    known = previous.vector_by_text() if previous is not None else {}
    return len({t for t in texts if t not in known})
