"""A list too long for one unit, numbered under its own heading over several chunks: its items'
opening sentences are found by layout (assistant/evidence/long_lists.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from assistant.evidence.long_lists import long_list, numbered_items, section_chunks
from assistant.text.question import analyse
from assistant.text.units import Unit, units
from assistant.types import Chunk, Document, Passage

HEADING = "The five principles of good practice:"
DOC = Document("guide", "A practice guide", "guide.md")


class _Store:
    def __init__(self, chunks: list[Chunk]) -> None:
        self.found = {c.chunk_id: units(c.text) for c in chunks}

    def for_chunk(self, chunk_id: str) -> tuple[list[Unit], np.ndarray]:
        found = self.found[chunk_id]
        vectors = np.ones((len(found), 4), np.float32) / 2.0
        return found, vectors


class _Index:
    def __init__(self, chunks: list[Chunk]) -> None:
        self.by_id = {c.chunk_id: c for c in chunks}
        self.units: Any = _Store(chunks)

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self.by_id.get(chunk_id)


def _chunk(n: int, text: str, section: tuple[str, ...] = (HEADING,)) -> Chunk:
    return Chunk(f"guide#{n}", "guide", n, text, 3, 3, "3", "3", section)


def _item(k: int, what: str) -> str:
    return f"{k}. Practitioners should {what} in every case. This sentence explains it further."


def _library(numbers: list[int]) -> list[Chunk]:
    what = ["listen", "record", "share", "reflect", "review", "escalate"]
    items = [_item(k, what[k - 1]) for k in numbers]
    return [
        _chunk(0, "An introduction that is not part of the list.", ("Introduction",)),
        _chunk(1, "\n\n".join(items[:2])),
        # chunks overlap: the next one repeats the end of the last item, without its number
        _chunk(2, "This sentence explains it further.\n\n" + "\n\n".join(items[2:4])),
        _chunk(3, "\n\n".join(items[4:])),
        _chunk(4, "Annex text under another heading.", ("Annex",)),
    ]


def _ask(question: str, chunks: list[Chunk]) -> tuple[Unit, ...]:
    index = _Index(chunks)
    passage = Passage(chunks[2], DOC, 0.5, 1, dense_score=0.5)
    q = analyse(question)
    weights = {t: 1.0 for t in q.terms}
    found = long_list(index, q, [passage], weights, np.ones(4, np.float32) / 2.0, 0.6)  # type: ignore[arg-type]
    return tuple(u.unit for u in found)


def test_the_section_is_read_to_its_edges_in_order() -> None:
    chunks = _library([1, 2, 3, 4, 5])
    found = section_chunks(_Index(chunks), chunks[2])  # type: ignore[arg-type]
    assert [c.n for c in found] == [1, 2, 3]


def test_each_numbered_item_is_quoted_by_its_opening_sentence_with_its_number() -> None:
    chunks = _library([1, 2, 3, 4, 5])
    items = numbered_items(_Index(chunks), chunks[1:4])  # type: ignore[arg-type]
    assert [k for k, *_ in items] == [1, 2, 3, 4, 5]
    lead = _ask("What are the five principles of good practice?", chunks)
    assert [u.text for u in lead] == [
        f"{k}. Practitioners should {w} in every case."
        for k, w in enumerate(["listen", "record", "share", "reflect", "review"], start=1)
    ]


@pytest.mark.parametrize(
    ("question", "numbers"),
    [
        ("What are the five principles of good practice?", [1, 2, 4, 5, 6]),  # a gap after 2
        ("What are the six principles of good practice?", [1, 2, 3, 4, 5]),  # fewer than asked
        ("What are the five stages of an assessment?", [1, 2, 3, 4, 5]),  # another heading
    ],
)
def test_no_list_is_made_up(question: str, numbers: list[int]) -> None:
    assert _ask(question, _library(numbers)) == ()


def test_only_list_questions_are_answered_this_way() -> None:
    assert _ask("Why does good practice matter?", _library([1, 2, 3, 4, 5])) == ()
