"""A build's units of evidence: an opened build reads them on demand from memory-mapped files,
and what it reads equals the units made at ingest (and a whole-file parse)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.build.unit_store import LINES_FILE, STARTS_FILE, UnitStore
from assistant.types import Chunk
from tests.fakes import HashingEmbedder

TEXTS = [
    "The review found that professionals did not ask about race. It made three "
    "recommendations for the partnership.",
    "- Speak to the child alone.\n- Record the child's ethnicity and religion.\n\n"
    "Period: incidents between 2019 and 2021 were reviewed by the panel.",
    "A short heading",  # no units at all
    "Teachers noticed changes in the child’s behaviour — “quiet and withdrawn” — at school.",
]


def chunks() -> list[Chunk]:
    return [
        Chunk(f"doc#{i}", "doc", i, t, 1, 1, "1", "1", digest=f"d{i}") for i, t in enumerate(TEXTS)
    ]


def saved(tmp_path: Path) -> tuple[UnitStore, list[Chunk]]:
    made = chunks()
    store = UnitStore.from_chunks(made, HashingEmbedder())
    store.save(tmp_path, [c.chunk_id for c in made])
    return store, made


def test_mapped_units_equal_the_units_made_at_ingest(tmp_path: Path) -> None:
    store, made = saved(tmp_path)
    rows = {c.chunk_id: i for i, c in enumerate(made)}
    mapped = UnitStore.load(tmp_path, rows)
    whole = UnitStore.load(tmp_path)
    assert mapped is not None and whole is not None
    assert isinstance(mapped.vectors, np.memmap)
    assert len(mapped) == len(store) == len(whole) > 3
    for chunk in made:
        units, vectors = mapped.for_chunk(chunk.chunk_id)
        expected, expected_vectors = store.for_chunk(chunk.chunk_id)
        assert units == expected == whole.for_chunk(chunk.chunk_id)[0]
        np.testing.assert_allclose(vectors, expected_vectors, atol=1e-3)  # float16 on disk
    assert mapped.for_chunk("doc#2")[0] == []  # a chunk without units
    assert mapped.for_chunk("not-a-chunk")[0] == []
    assert list(mapped.rows) == list(whole.rows)  # every row readable, in order
    assert mapped.vector_by_text().keys() == whole.vector_by_text().keys()


def test_a_build_without_offset_files_is_parsed_whole(tmp_path: Path) -> None:
    store, made = saved(tmp_path)
    (tmp_path / LINES_FILE).unlink()
    (tmp_path / STARTS_FILE).unlink()
    rows = {c.chunk_id: i for i, c in enumerate(made)}
    loaded = UnitStore.load(tmp_path, rows)
    assert loaded is not None and isinstance(loaded.rows, list)
    assert loaded.for_chunk("doc#0")[0] == store.for_chunk("doc#0")[0]


def test_offsets_that_disagree_with_the_build_are_not_trusted(tmp_path: Path) -> None:
    _, made = saved(tmp_path)
    fewer = {c.chunk_id: i for i, c in enumerate(made[:-1])}  # another build's chunks
    loaded = UnitStore.load(tmp_path, fewer)
    assert loaded is not None and isinstance(loaded.rows, list)  # parsed whole instead
