"""Hybrid retrieval over a real (tiny) Chroma + BM25 build, with the hashing fake embedder."""

from __future__ import annotations

import pytest

from assistant.retrieval import RRF_K, Retriever, _Candidate, diversify
from assistant.settings import Settings
from assistant.types import Chunk, Filters
from tests.answering_support import DocSpec, write_pages_build

LONG_DOC = [
    f"Strip search of children in schools, paragraph {i}. Police searched a child at school "
    f"and the school deferred to officers; strip search guidance number {i}."
    for i in range(8)
]


@pytest.fixture()
def index(tmp_path, fake_embedder):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, _env_file=None)
    specs = [
        DocSpec("long", "Police strip search at school", LONG_DOC, year=2022, themes=("policing",)),
        DocSpec(
            "adult",
            "Adultification bias",
            ["Adultification bias: a Black child seen as older and less vulnerable at school."],
            year=2021,
            themes=("adultification",),
            doc_type="briefing",
        ),
        DocSpec(
            "search-guidance",
            "Searching pupils",
            ["School staff searching pupils: a strip search must never be done by staff."],
            year=2018,
            doc_type="guidance",
        ),
        DocSpec(
            "baby",
            "Male carers and babies",
            ["Fathers and male carers of babies under one were invisible to services."],
            year=2021,
            doc_type="national_review",
        ),
    ]
    return write_pages_build(settings, specs, fake_embedder, words_per_chunk=30)


@pytest.fixture()
def retriever(index, fake_embedder):  # type: ignore[no-untyped-def]
    return Retriever(index, fake_embedder, candidates=20, per_document=3)


def test_passages_carry_ranks_and_both_scores(retriever) -> None:  # type: ignore[no-untyped-def]
    result = retriever.retrieve("strip search school", 5)
    assert [p.rank for p in result.passages] == list(range(1, len(result.passages) + 1))
    assert all(p.dense_score is not None for p in result.passages)
    assert any(p.keyword_score for p in result.passages)
    scores = [p.score for p in result.passages]
    assert result.best_dense == pytest.approx(max(p.dense_score for p in result.passages), abs=0.3)
    assert scores[0] <= 2.0 / (RRF_K + 1) + 1e-6


def test_one_long_document_cannot_crowd_out_the_rest(retriever) -> None:  # type: ignore[no-untyped-def]
    result = retriever.retrieve("strip search school", 6)
    per_doc = [p.document.doc_id for p in result.passages]
    assert per_doc.count("long") <= 3
    assert {"search-guidance", "adult"} & set(per_doc)


def test_filters_apply_to_both_retrievers(retriever) -> None:  # type: ignore[no-untyped-def]
    for filters, allowed in [
        (Filters(doc_types=("guidance",)), {"search-guidance"}),
        (Filters(themes=("adultification",)), {"adult"}),
        (Filters(year_from=2021, year_to=2021), {"adult", "baby"}),
        (Filters(doc_ids=("baby",)), {"baby"}),
    ]:
        result = retriever.retrieve("strip search school Black child babies", 8, filters)
        assert result.passages, filters
        assert {p.document.doc_id for p in result.passages} <= allowed, filters


def test_nothing_matching_the_filters_gives_no_passages(retriever) -> None:  # type: ignore[no-untyped-def]
    result = retriever.retrieve("strip search", 5, Filters(year_from=2030))
    assert result.passages == () and result.best_dense == -1.0 and result.nearest == ()


def test_keyword_only_hits_get_a_cosine_from_the_build_vectors(retriever) -> None:  # type: ignore[no-untyped-def]
    result = retriever.retrieve("fathers male carers babies", 3)
    assert result.passages[0].document.doc_id == "baby"
    assert result.nearest[0] == "Male carers and babies"


def test_search_returns_k_passages(retriever) -> None:  # type: ignore[no-untyped-def]
    assert len(retriever.search("school", 2)) == 2


def _cand(doc: str, n: int, dense_rank: int) -> _Candidate:
    chunk = Chunk(f"{doc}#{n}", doc, n, "t", 1, 1, "1", "1")
    return _Candidate(chunk, dense_rank=dense_rank)


def test_diversify_brings_a_new_document_forward() -> None:
    ranked = [_cand("a", 0, 1), _cand("a", 1, 2), _cand("a", 2, 3), _cand("b", 0, 4)]
    chosen = diversify(ranked, 3, per_document=3)
    assert [c.chunk.chunk_id for c in chosen] == ["a#0", "b#0", "a#1"]


def test_diversify_caps_a_document_while_others_have_candidates() -> None:
    ranked = [_cand("a", i, i + 1) for i in range(6)] + [_cand(d, 0, 10) for d in "bcd"]
    chosen = [c.chunk.chunk_id for c in diversify(ranked, 5, per_document=2)]
    assert sum(c.startswith("a#") for c in chosen) == 2
    assert {"b#0", "c#0", "d#0"} <= set(chosen)


def test_diversify_fills_free_places_when_one_document_holds_every_candidate() -> None:
    # a question about one long guidance PDF: the cap must not leave it with three passages
    ranked = [_cand("a", i, i + 1) for i in range(6)] + [_cand("b", 0, 7)]
    chosen = [c.chunk.chunk_id for c in diversify(ranked, 5, per_document=2)]
    assert chosen == ["a#0", "b#0", "a#1", "a#2", "a#3"]


def test_each_retrievers_first_choice_is_read_though_the_cap_left_it_out() -> None:
    from assistant.retrieval import leaders

    ranked = [_cand("a", i, i + 1) for i in range(4)] + [_cand(d, 0, 10) for d in "bc"]
    ranked[3].keyword_rank = 1  # a#3: what the keyword search ranks first
    chosen = [ranked[i] for i in (0, 1, 4, 5)]  # as a cap of two passages a document leaves it
    assert [c.chunk.chunk_id for c in leaders(ranked, chosen)] == ["a#3"]
    # nothing is added twice, or when the first choices are already read
    assert leaders(ranked, [*chosen, ranked[3]]) == []


def test_named_documents_match_quoted_titles(index) -> None:  # type: ignore[no-untyped-def]
    from assistant.retrieval import named_documents

    assert named_documents("What does 'Male carers' say?", index.documents) == ("baby",)
    assert named_documents("What does “Searching pupils” say?", index.documents) == (
        "search-guidance",
    )
    assert named_documents("What do male carers say?", index.documents) == ()


def test_a_quoted_title_focuses_the_search_inside_that_document(retriever) -> None:  # type: ignore[no-untyped-def]
    plain = retriever.retrieve("strip search never done by staff", 8)
    focused = retriever.retrieve("What does 'Searching pupils' say about strip search?", 8)
    assert focused.passages[0].document.doc_id == "search-guidance"
    assert plain.passages  # the same words without the title still search everything
