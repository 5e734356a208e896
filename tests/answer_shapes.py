"""Answers with the evidence-selection shape (ADR 12), built directly, for the surface tests:
a lead quote [1], then two documents' quotes grouped (the briefing's [2] [3], the review's [4])."""

from __future__ import annotations

from typing import Any

from assistant.types import Answer, Citation, LeadUnit, Searched, SourceGroup

Q1 = "Adultification bias happens when professionals see a child as older than they are."
Q2 = "Black girls in particular were treated as if they could consent to harm."
Q3 = "Supervision should make room to talk about race and identity."
Q4 = "Professional curiosity was often missing."


def cite(n: int, doc: str, title: str, quote: str, page: str, index: int) -> Citation:
    return Citation(
        n=n,
        doc_id=doc,
        chunk_id=f"{doc}#{n}",
        title=title,
        quote=quote,
        page_start=page,
        page_end=page,
        page_index_start=index,
        page_index_end=index,
        publisher="Demo Partnership",
        year=2023,
        url=f"https://example.org/{doc}.pdf#page={index}",
        verified=True,
    )


BRIEFING = "Briefing: adultification bias"
REVIEW = "A national review"
CITATIONS = (
    cite(1, "briefing", BRIEFING, Q1, "1", 1),
    cite(2, "briefing", BRIEFING, Q2, "1", 1),
    cite(3, "briefing", BRIEFING, Q3, "2", 2),
    cite(4, "review", REVIEW, Q4, "iv", 4),
)
GROUPS = (
    SourceGroup("briefing", BRIEFING, 2023, "briefing", citations=(2, 3), pages=("1", "2")),
    SourceGroup("review", REVIEW, 2022, "national_review", citations=(4,), pages=("iv",)),
)
SEARCHED = Searched(query="adultification", documents_in_library=3, nearest=(REVIEW,))


def shaped(**changes: Any) -> Answer:
    values: dict[str, Any] = {
        "status": "answered",
        "text": f"{Q1} [1]\n\n{BRIEFING} (2023, briefing)\n\n{Q2} [2]\n\n{Q3} [3]\n\n"
        f"{REVIEW} (2022, national review)\n\n{Q4} [4]",
        "citations": CITATIONS,
        "generator": "extractive",
        "searched": SEARCHED,
        "build_id": "b1",
        "lead": (LeadUnit(1, Q1),),
        "groups": GROUPS,
    }
    values.update(changes)
    return Answer(**values)
