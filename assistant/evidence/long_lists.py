"""A list too long to quote as one unit: the opening sentence of each numbered item, gathered
across the chunks of the section whose heading names the list.

"What are the seven golden rules for sharing information?" asks for a list that a document sets
out under its own heading, one long numbered paragraph per rule, over several chunks. No unit
holds it (a list unit is at most ``units.MAX_LIST_CHARS``), so the answer would otherwise be a
few rules' sentences, or none. The items are found by layout, not by wording: the section's
chunks in order, each paragraph opening with its number ("3. You do not need consent ..."), the
numbers running from 1 without a gap. Each item is quoted by its opening sentence with its
number, which is how it stands on the page (ADR 12, sixth revision).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from assistant.build.index import Index
from assistant.evidence.selection import ScoredUnit
from assistant.text.question import Question
from assistant.text.terms import stems
from assistant.text.units import MAX_LIST_ITEMS, Unit, stated_count
from assistant.types import Chunk, Passage

ITEM = re.compile(r"^\s*(\d{1,2})[.)]\s+")
MIN_ITEMS = 3
HEADING_COVER = 0.6  # share of the question's weighted words the list's heading must hold
MAX_SECTION_CHUNKS = 24  # chunks read on either side of a retrieved one, at most


def heading_cover(heading: str, weights: Mapping[str, float]) -> float:
    """How much of the question (its weighted words) a heading says."""
    total = sum(weights.values())
    if not total:
        return 0.0
    said = set(stems(heading))
    return sum(w for t, w in weights.items() if t in said) / total


def section_chunks(index: Index, chunk: Chunk) -> list[Chunk]:
    """The chunks of ``chunk``'s document under the same heading path, in order."""
    out = [chunk]
    for step in (-1, 1):
        n = chunk.n
        for _ in range(MAX_SECTION_CHUNKS):
            n += step
            near = index.chunk(f"{chunk.doc_id}#{n}")
            if near is None or near.section != chunk.section:
                break
            out.append(near)
    return sorted(out, key=lambda c: c.n)


def _collapsed(text: str) -> str:
    return " ".join(text.split())


def numbered_items(index: Index, chunks: Sequence[Chunk]) -> list[tuple[int, Unit, Chunk, int]]:
    """(number, unit, chunk, row of the unit in its chunk) for each numbered paragraph's
    opening sentence, the first time each number is met; [] if the store has no units."""
    store = index.units
    if store is None:
        return []
    seen: dict[int, tuple[int, Unit, Chunk, int]] = {}
    for chunk in chunks:
        found, _ = store.for_chunk(chunk.chunk_id)
        for block in chunk.text.split("\n\n"):
            marker = ITEM.match(block)
            if marker is None or int(marker.group(1)) in seen:
                continue
            body = _collapsed(block[marker.end() :])
            for row, unit in enumerate(found):
                if unit.kind == "sentence" and body.startswith(_collapsed(unit.text)):
                    number = int(marker.group(1))
                    seen[number] = (number, unit, chunk, row)
                    break
    return [seen[k] for k in sorted(seen)]


def long_list(
    index: Index,
    question: Question,
    passages: Sequence[Passage],
    weights: Mapping[str, float],
    vector: np.ndarray,
    score: float,
) -> tuple[ScoredUnit, ...]:
    """The numbered items of the list the question asks for, as lead units; () when no
    retrieved passage sits under a heading that names it with its items numbered 1..N."""
    if question.kind != "list" or index.units is None:
        return ()
    for passage in passages:
        heading = passage.chunk.section[-1] if passage.chunk.section else ""
        cover = heading_cover(heading, weights)
        if cover < HEADING_COVER:
            continue
        items = numbered_items(index, section_chunks(index, passage.chunk))
        numbers = [k for k, *_ in items]
        run = 0
        while run < len(numbers) and numbers[run] == run + 1:
            run += 1  # items 1..run, without a gap
        wanted = question.count or stated_count(heading) or run
        if run < MIN_ITEMS or wanted > MAX_LIST_ITEMS or run < wanted:
            continue
        return tuple(
            _item_unit(index, number, unit, chunk, row, passage, vector, score, cover)
            for number, unit, chunk, row in items[:wanted]
        )
    return ()


def _item_unit(
    index: Index,
    number: int,
    unit: Unit,
    chunk: Chunk,
    row: int,
    found: Passage,
    vector: np.ndarray,
    score: float,
    cover: float,
) -> ScoredUnit:
    store = index.units
    assert store is not None
    uvec = np.asarray(store.for_chunk(chunk.chunk_id)[1][row], np.float32)
    passage = Passage(chunk, found.document, found.score, found.rank, found.dense_score)
    item = Unit(f"{number}. {unit.text}", "list", unit.block, unit.position, unit.context)
    return ScoredUnit(item, passage, score, "addresses", float(uvec @ vector), cover, True, uvec)
