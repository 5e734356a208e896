"""Filters as row masks, dense search (exact and over-fetched), keyword top-k under a mask."""

from __future__ import annotations

import random

import numpy as np
import pytest

from assistant.build.dense import DenseSearch
from assistant.build.filtering import RowFilter
from assistant.build.index import matches
from assistant.keyword import KeywordIndex
from assistant.types import Chunk, Document, Filters

TYPES = ("lcspr", "rapid_review", "national_review", "briefing")
THEMES = ("adultification", "racism", "faith", "education", "police")
AREAS = ("Hackney", "Leeds", "")


def _library(seed: int = 3, docs: int = 40) -> tuple[list[Document], list[Chunk]]:
    rng = random.Random(seed)
    documents, chunks = [], []
    for d in range(docs):
        year = rng.choice([None, 2018, 2020, 2022, 2024])
        doc = Document(
            f"doc-{d}",
            f"Document {d}",
            f"/{d}.md",
            year=year,
            doc_type=rng.choice(TYPES),
            area=rng.choice(AREAS),
            themes=tuple(rng.sample(THEMES, rng.randint(0, 1))),
        )
        documents.append(doc)
        for n in range(rng.randint(1, 6)):
            themes = tuple(rng.sample(THEMES, rng.randint(0, 2)))
            chunks.append(Chunk(f"doc-{d}#{n}", doc.doc_id, n, "x", 1, 1, "1", "1", themes=themes))
    return documents, chunks


def _reference(f: Filters, chunk: Chunk, doc: Document) -> bool:
    """The filter's meaning, one chunk at a time (as the evidence source applies it)."""
    return matches(f, chunk, doc)


FILTERS = [
    Filters(doc_types=("lcspr",)),
    Filters(themes=("adultification",)),
    Filters(themes=("faith", "police"), year_from=2020),
    Filters(year_to=2020),
    Filters(areas=("Hackney",), doc_types=("lcspr", "briefing")),
    Filters(doc_ids=("doc-3", "doc-7"), themes=("racism",)),
    Filters(year_from=2021, year_to=2023, doc_types=("rapid_review",)),
    Filters(themes=("no-such-theme",)),
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: str(f.to_dict()))
def test_row_mask_keeps_exactly_the_matching_chunks(filters: Filters) -> None:
    documents, chunks = _library()
    docs = {d.doc_id: d for d in documents}
    mask = RowFilter(documents, chunks).allowed(filters)
    assert mask is not None
    expected = [_reference(filters, c, docs[c.doc_id]) for c in chunks]
    assert mask.tolist() == expected


def test_no_filter_is_no_mask() -> None:
    documents, chunks = _library()
    assert RowFilter(documents, chunks).allowed(Filters()) is None
    assert RowFilter(documents, chunks).allowed(None) is None


def _vectors(rows: int, seed: int = 5) -> np.ndarray:
    matrix = np.random.default_rng(seed).normal(size=(rows, 16)).astype(np.float32)
    unit: np.ndarray = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    return unit


def _truth(vectors: np.ndarray, query: np.ndarray, k: int, mask: np.ndarray | None) -> list[int]:
    scores = vectors @ query
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    order = [int(r) for r in np.argsort(-scores, kind="stable")]
    return [r for r in order if mask is None or mask[r]][:k]


def test_dense_search_exact_and_overfetched_paths_agree_with_brute_force() -> None:
    vectors = _vectors(500)
    query = vectors[17] * 0.6 + vectors[201] * 0.4
    query /= np.linalg.norm(query)
    calls: list[int] = []

    def approximate(q: np.ndarray, n: int) -> list[tuple[int, float]]:  # a perfect HNSW
        calls.append(n)
        return [(r, float(vectors[r] @ q)) for r in _truth(vectors, q, n, None)]

    mask = np.zeros(500, dtype=bool)
    mask[::3] = True
    exact = DenseSearch(lambda: vectors, approximate, 500, exact_limit=1000)
    hnsw = DenseSearch(lambda: vectors, approximate, 500, exact_limit=10)
    for m in (None, mask):
        want = _truth(vectors, query, 8, m)
        assert [r for r, _ in exact.top(query, 8, m)] == want
        assert [r for r, _ in hnsw.top(query, 8, m)] == want
    assert calls == [8, 44]  # unfiltered: k; a third kept: ceil(8 * 3 * 1.5) + 8, not a scan


def test_overfetch_that_misses_falls_back_to_exact_search() -> None:
    vectors = _vectors(300)
    query = vectors[0]
    mask = np.zeros(300, dtype=bool)
    mask[250:] = True

    def approximate(q: np.ndarray, n: int) -> list[tuple[int, float]]:
        return [(r, float(vectors[r] @ q)) for r in range(min(n, 250))]  # never a kept row

    search = DenseSearch(lambda: vectors, approximate, 300, exact_limit=5)
    found = [r for r, _ in search.top(query, 4, mask)]
    assert found == _truth(vectors, query, 4, mask)
    assert search.top(query, 4, np.zeros(300, dtype=bool)) == []


def test_keyword_top_respects_the_mask_and_the_bm25s_scores() -> None:
    import bm25s

    from assistant.keyword import tokenize

    texts = [
        "racism in schools and police strip searches",
        "adultification bias and racism",
        "faith and culture in family support",
        "police strip search of a child at school",
        "racism racism racism everywhere",
    ]
    index = KeywordIndex.build(texts)
    reference = bm25s.BM25()
    reference.index([tokenize(t) for t in texts], show_progress=False)
    expected = reference.get_scores(tokenize("racism police"))
    np.testing.assert_allclose(index.scores("racism police"), expected, rtol=1e-6)
    rows = [r for r, _ in index.top("racism police", 10)]
    assert rows == sorted(np.flatnonzero(expected > 0), key=lambda r: (-expected[r], r))
    mask = np.array([False, True, True, True, False])
    assert [r for r, _ in index.top("racism police", 10, mask)] == [3, 1]
    assert index.top("nothing indexed", 10) == []
