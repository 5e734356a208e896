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


LEAD_IN = (
    "The common law duty applies to what is told in confidence.\n\n"
    "You may share confidential information when one of the following conditions exists:\n\n"
    "• you are legally required to share it"
)
NEXT = (
    "• you are legally required to share it\n\n"
    "• there is an overriding public interest in sharing it\n\n"
    "• the person has consented to the sharing.\n\n"
    "Record what you shared and why."
)


def _pair(*, page: int = 3, section: tuple[str, ...] = ("Sharing",)) -> list[Chunk]:
    return [
        Chunk("doc#0", "doc", 0, LEAD_IN, 3, 3, "3", "3", section=("Sharing",), digest="a"),
        Chunk("doc#1", "doc", 1, NEXT, page, page, str(page), str(page), section, digest="b"),
    ]


def test_a_list_cut_by_the_chunk_boundary_is_whole_in_the_chunk_it_begins_in() -> None:
    from assistant.build.unit_store import units_by_chunk

    made = units_by_chunk(_pair())
    lists = [u.text for u in made["doc#0"] if u.kind == "list"]
    assert len(lists) == 1
    assert lists[0].startswith("You may share") and "overriding public interest" in lists[0]
    assert "consented" in lists[0] and "Record what" not in lists[0]
    # what begins in the next chunk stays that chunk's: read on, never read back
    assert not any(u.text.startswith("Record what") for u in made["doc#0"])
    assert any(u.text.startswith("Record what") for u in made["doc#1"])
    assert [u.position for u in made["doc#0"]] == list(range(len(made["doc#0"])))


def test_units_do_not_run_on_across_a_page_or_a_heading() -> None:
    from assistant.build.unit_store import units_by_chunk
    from assistant.text.units import units

    alone = [u.text for u in units(LEAD_IN)]
    for pair in (_pair(page=4), _pair(section=("Consent",))):
        assert [u.text for u in units_by_chunk(pair)["doc#0"]] == alone
        assert not any("overriding" in t for t in alone)


def test_a_chunk_opening_with_the_rest_of_a_list_also_holds_the_whole_list() -> None:
    from assistant.build.unit_store import reads_back, units_by_chunk

    # the next chunk runs onto page 4, so the list cannot be read on into it from page 3 ...
    first, second = _pair()
    second = Chunk("doc#1", "doc", 1, NEXT, 3, 4, "3", "4", ("Sharing",), digest="b")
    assert reads_back(first, second)
    made = units_by_chunk([first, second])
    assert not any("overriding" in u.text for u in made["doc#0"])
    # ... but the chunk that holds its items (pages 3 to 4) holds it whole, lead-in and all
    whole = [u for u in made["doc#1"] if u.kind == "list"]
    assert len(whole) == 1 and whole[0].text.startswith("You may share")
    assert "overriding public interest" in whole[0].text and "Record what" not in whole[0].text
    assert [u.position for u in made["doc#1"]] == list(range(len(made["doc#1"])))
    # a chunk opening with a sentence, or starting on another page, reads nothing back
    other = Chunk("doc#1", "doc", 1, "Record what you shared.", 3, 4, "3", "4", digest="c")
    later = Chunk("doc#1", "doc", 1, NEXT, 4, 4, "4", "4", ("Sharing",), digest="d")
    assert not reads_back(first, other) and not reads_back(first, later)
