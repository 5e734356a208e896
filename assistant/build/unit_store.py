"""The units of evidence of a build, with their vectors, made at ingest time.

``units.jsonl`` holds one row per unit (``chunk_id``, ``text``, ``kind``, ``block``,
``position``, ``context``) grouped by chunk in build order; ``unit_vectors.npy`` holds their unit
vectors (float16, row i = unit i; memory-mapped when read). Answering then never embeds text at
query time. A re-ingest reuses the previous build's vector for every unit whose text is unchanged,
so a no-change run embeds nothing.

Builds written before units existed have no such files: ``UnitStore.load`` returns None and
answering splits and embeds the passages it is given (``UnitStore.from_chunks``), cached.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from assistant.embedding.embedder import Embedder
from assistant.text.units import Unit, units
from assistant.types import Chunk

log = logging.getLogger(__name__)

UNITS_FILE = "units.jsonl"
VECTORS_FILE = "unit_vectors.npy"
BATCH = 256


@dataclass
class UnitStore:
    """Units per chunk and one vector per unit."""

    by_chunk: dict[str, tuple[int, int]]  # chunk_id -> [start, end) rows
    rows: list[Unit]
    vectors: np.ndarray  # [units x dimensions], float16 or float32, unit length
    embedded: int = 0  # unit texts embedded when this store was made (the rest were reused)

    def for_chunk(self, chunk_id: str) -> tuple[list[Unit], np.ndarray]:
        start, end = self.by_chunk.get(chunk_id, (0, 0))
        return self.rows[start:end], self.vectors[start:end]

    def __len__(self) -> int:
        return len(self.rows)

    # -- making ------------------------------------------------------------------------------

    @classmethod
    def from_chunks(
        cls,
        chunks: Sequence[Chunk],
        embedder: Embedder,
        previous: UnitStore | None = None,
    ) -> UnitStore:
        """Split every chunk into units and embed those whose text the previous store lacks."""
        by_chunk: dict[str, tuple[int, int]] = {}
        rows: list[Unit] = []
        for chunk in chunks:
            found = units(chunk.text)
            by_chunk[chunk.chunk_id] = (len(rows), len(rows) + len(found))
            rows.extend(found)
        texts = [u.text for u in rows]
        embedded = embedded_count(texts, previous)
        return cls(by_chunk, rows, _vectors(texts, embedder, previous), embedded)

    # -- files -------------------------------------------------------------------------------

    def save(self, build_dir: Path, chunk_order: Iterable[str]) -> None:
        with (build_dir / UNITS_FILE).open("w", encoding="utf-8") as fh:
            for chunk_id in chunk_order:
                for unit in self.for_chunk(chunk_id)[0]:
                    row = {"chunk_id": chunk_id, **asdict(unit)}
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        order = [i for cid in chunk_order for i in range(*self.by_chunk.get(cid, (0, 0)))]
        np.save(build_dir / VECTORS_FILE, np.asarray(self.vectors[order], dtype=np.float16))

    @classmethod
    def load(cls, build_dir: Path) -> UnitStore | None:
        path, vpath = build_dir / UNITS_FILE, build_dir / VECTORS_FILE
        if not path.is_file() or not vpath.is_file():
            return None
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

    def vector_by_text(self) -> dict[str, np.ndarray]:
        return {u.text: self.vectors[i] for i, u in enumerate(self.rows)}


def _vectors(texts: list[str], embedder: Embedder, previous: UnitStore | None) -> np.ndarray:
    known = previous.vector_by_text() if previous is not None else {}
    todo = list(dict.fromkeys(t for t in texts if t not in known))
    made: dict[str, np.ndarray] = {}
    for start in range(0, len(todo), BATCH):
        part = todo[start : start + BATCH]
        for text, vec in zip(part, embedder.embed_documents(part), strict=True):
            made[text] = np.asarray(vec, dtype=np.float32)
    dims = embedder.dimensions
    out = np.zeros((len(texts), dims), dtype=np.float32)
    for i, text in enumerate(texts):
        out[i] = made[text] if text in made else known[text]
    return out


def embedded_count(texts: Sequence[str], previous: UnitStore | None) -> int:
    """How many distinct unit texts a store made from ``texts`` would have to embed."""
    known = previous.vector_by_text() if previous is not None else {}
    return len({t for t in texts if t not in known})
