"""The partial rule's detectors, table-driven, for misses and for false positives."""

from __future__ import annotations

import pytest

from assistant.coverage import asks_for_complete_text, asks_for_pages, assess, names_in
from assistant.types import Chunk, Document, Passage


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Was Sara Sharif one of the children in the sample?", ["Sara Sharif"]),
        ("What does Scotland's guidance say about racism?", ["Scotland's"]),
        ("Did the Child Q review mention Ofsted?", ["Child Q", "Ofsted"]),
        ("What did 'It's silent' find about faith?", ["It's silent"]),
        ("What is adultification bias?", []),
        ("How should I record a child's ethnicity?", []),
        ("What do reviews say about Black and Asian children?", ["Black", "Asian"]),
    ],
)
def test_names_in(question: str, names: list[str]) -> None:
    assert names_in(question) == names


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("On which page does the Panel discuss interpreters?", True),
        ("What page is the finding on?", True),
        ("Give me the page numbers for the recommendations.", True),
        ("What did the review say about pages of case notes?", False),
        ("What does the report say about home pages of services?", False),
    ],
)
def test_asks_for_pages(question: str, expected: bool) -> None:
    assert asks_for_pages(question) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("List all 14 recommendations word for word.", True),
        ("Quote the review verbatim.", True),
        ("Give me the full text of the findings.", True),
        ("Show all recommendations of the review.", True),
        ("What were the recommendations of the review?", False),
        ("What did the review find about fully trained staff?", False),
    ],
)
def test_asks_for_complete_text(question: str, expected: bool) -> None:
    assert asks_for_complete_text(question) is expected


def _passage(text: str, media_type: str = "md") -> Passage:
    chunk = Chunk("d#0", "d", 0, text, 1, 1, "1", "1", section=("Findings",))
    document = Document("d", "Child Q review", "/d.md", media_type=media_type)
    return Passage(chunk, document, score=1.0, rank=1, dense_score=0.6)


def _assess(question: str, passages: list[Passage], best: float = 0.6, live: bool = False):  # type: ignore[no-untyped-def]
    return assess(
        question,
        passages,
        best,
        threshold=0.3,
        margin=0.05,
        max_sentences=8,
        live_case=live,
        messages=lambda key, **kw: key,
    )


def test_assess_combines_rules() -> None:
    passages = [_passage("Racism was likely to have been an influencing factor.")]
    assert not _assess("What did the Child Q review say about racism?", passages).partial
    assert _assess("What did it say about racism?", passages, best=0.32).reasons == (
        "partial_weak",
    )
    assert _assess("Did it mention Ofsted?", passages).reasons == ("partial_names",)
    assert _assess("On which page is racism discussed?", passages).reasons == ("partial_pages",)
    paged = [_passage("Racism was a factor.", media_type="pdf")]
    assert not _assess("On which page is racism discussed?", paged).partial
    assert _assess("Quote it word for word.", passages).reasons == ("partial_complete",)
    assert _assess("What about racism?", passages, live=True).reasons == ("partial_live_case",)


def test_names_match_inside_titles_and_sections() -> None:
    passages = [_passage("Something else entirely.")]
    assert not _assess("What did the Child Q review find about its Findings?", passages).partial


def test_multi_word_names_may_be_covered_word_by_word() -> None:
    passages = [_passage("Black, African, Caribbean or Black British children.")]
    assert not _assess("What about Black Caribbean boys?", passages).partial
    assert _assess("What about Baby P?", [_passage("A baby was harmed; p. 4.")]).partial
    assert _assess("Was Sara Sharif in the sample?", passages).partial
