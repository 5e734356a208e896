"""``Answer.from_dict`` is the inverse of ``Answer.to_dict`` (the README's "The Answer JSON"), so
the edges (stored turns, the JSON API, eval records) can hand the core's type on, not a dict."""

from __future__ import annotations

import dataclasses
import json

import pytest

from assistant.types import (
    STATUSES,
    Answer,
    Chunk,
    Citation,
    Document,
    Filters,
    LeadUnit,
    Passage,
    Searched,
    SourceGroup,
)


def _passage(rank: int) -> Passage:
    chunk = Chunk(
        chunk_id=f"review-2021#{rank + 4}",
        doc_id="review-2021",
        n=rank + 4,
        text=f"Passage {rank}: practitioners did not ask about identity.",
        page_start=rank + 2,
        page_end=rank + 3,
        page_label_start=f"{rank}",
        page_label_end=f"{rank + 1}",
        section=("Findings", "Identity"),
        themes=("silence-on-racism",),
    )
    document = Document(doc_id="review-2021", title="A national review", path="")
    return Passage(
        chunk, document, score=0.5 / rank, rank=rank, dense_score=0.61, keyword_score=None
    )


def _citation(n: int) -> Citation:
    return Citation(
        n=n,
        doc_id="review-2021",
        chunk_id=f"review-2021#{n}",
        title="A national review",
        quote=f"Quote number {n}, verbatim.",
        page_start="iv",
        page_end="v",
        page_index_start=4,
        page_index_end=5,
        publisher="The Panel",
        year=2021,
        section=("Findings",),
        url="https://example.org/review.pdf#page=4",
        viewer_url="/library/review-2021?page=4&q=Quote#q1",
        verified=True,
    )


def every_field_set() -> Answer:
    """An answer with no field left at its default, so a field the parser drops is seen."""
    answer = Answer(
        status="no_evidence",
        text="The library does not mention vaping.\n\nQuote number 1, verbatim. [1]",
        citations=(_citation(1), _citation(2)),
        passages=(_passage(1), _passage(2)),
        search_query="vaping harm",
        generator="extractive",
        searched=Searched(
            query="vaping harm",
            filters=Filters(themes=("adultification",), doc_types=("lcspr",), year_from=2019),
            documents_in_library=14,
            documents_matched=("A national review",),
            nearest=("A briefing",),
        ),
        notices=("This answer comes from the demo library.",),
        metrics={"total_ms": 12.5, "retrieve_ms": 3.0},
        build_id="b-20260101",
        lead=(LeadUnit(1, "Quote number 1, verbatim."),),
        groups=(
            SourceGroup("review-2021", "A national review", 2021, "national_review", (2,), ("iv",)),
        ),
        missing=("vaping",),
        related=True,
        refusal="absent_subject",
    )
    defaults = Answer(status="answered", text="")
    unset = [
        f.name
        for f in dataclasses.fields(Answer)
        if getattr(answer, f.name) == getattr(defaults, f.name)
    ]
    assert unset == []
    return answer


def test_an_answer_survives_json_and_back_with_every_field() -> None:
    answer = every_field_set()
    data = json.loads(json.dumps(answer.to_dict()))
    again = Answer.from_dict(data)
    assert again.to_dict() == answer.to_dict()
    assert again.citations == answer.citations
    assert again.lead == answer.lead and again.groups == answer.groups
    assert again.searched == answer.searched
    assert (again.missing, again.related, again.refusal) == (("vaping",), True, "absent_subject")
    assert again.passages[0].chunk.page_label_start == "1" and again.passages[0].chunk.n == 5


@pytest.mark.parametrize("status", STATUSES)
def test_each_status_reads_back_as_itself(status: str) -> None:
    assert Answer.from_dict({"status": status, "text": "x"}).status == status


def test_a_legacy_answer_reads_with_empty_shape_fields() -> None:
    legacy = every_field_set().to_dict()
    for key in ("lead", "groups", "missing", "related", "refusal"):
        del legacy[key]  # as stored before the shape fields existed
    answer = Answer.from_dict(legacy)
    assert (answer.lead, answer.groups, answer.missing) == ((), (), ())
    assert answer.related is False and answer.refusal is None
    assert len(answer.citations) == 2


def test_an_unknown_status_or_refusal_reads_as_error_rather_than_passing_through() -> None:
    answer = Answer.from_dict({"status": "maybe", "text": "", "refusal": "mystery"})
    assert answer.status == "error" and answer.refusal == "error"
