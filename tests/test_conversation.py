"""Follow-up handling: elliptical questions carry the previous turn's subject; others stand alone."""

from __future__ import annotations

import pytest

from assistant.conversation import is_elliptical, standalone_query, subject
from assistant.types import Turn

CHILD_Q = (
    "Who wrote the Child Q local child safeguarding practice review and when was it published?"
)
ITS_SILENT = "What are the three lead recommendations of 'It's silent'?"
PIAM = "What is the Professional Inter-Adultification Model?"


@pytest.mark.parametrize(
    "question",
    [
        "What did it say the school staff should have done differently?",
        "Which of those is aimed at local safeguarding partnerships?",
        "Who wrote it and where can I find it?",
        "What about schools?",
        "And the police?",
        "What did she recommend about supervision in teams?",
        "Does that report mention interpreters for families?",
    ],
)
def test_elliptical_questions_are_detected(question: str) -> None:
    assert is_elliptical(question)


@pytest.mark.parametrize(
    "question",
    [
        "What is adultification bias and how does it affect Black girls in schools?",
        "How quickly must a local authority notify the national Panel of a serious incident?",
        "What did the Child Q review conclude about racism and adultification bias?",
    ],
)
def test_standalone_questions_are_left_alone(question: str) -> None:
    assert not is_elliptical(question)
    assert standalone_query(question, [Turn(CHILD_Q)]) == question


def test_no_history_returns_the_question() -> None:
    assert standalone_query("  What is it?  ") == "What is it?"


def test_subject_keeps_names_and_quoted_titles() -> None:
    assert "Child Q" in subject(CHILD_Q)
    assert "It's silent" in subject(ITS_SILENT)
    assert subject(PIAM) == "Professional Inter-Adultification Model"
    assert "wrote" not in subject(CHILD_Q).split()  # generic verbs are not the subject


def test_follow_up_carries_previous_subject() -> None:
    query = standalone_query("Who wrote it and where can I find it?", [Turn(PIAM, "...")])
    assert query.startswith("Who wrote it and where can I find it?")
    assert "Professional Inter-Adultification Model" in query


def test_subject_carries_through_a_chain_of_follow_ups() -> None:
    history = [Turn(PIAM), Turn("Who wrote it?")]
    query = standalone_query("And what did she say about schools?", history)
    assert "Inter-Adultification" in query


def test_a_new_subject_replaces_the_old_one() -> None:
    history = [Turn(PIAM), Turn(CHILD_Q)]
    query = standalone_query("What did it say about the police?", history)
    assert "Child Q" in query and "Inter-Adultification" not in query


def test_history_accepts_mappings() -> None:
    query = standalone_query("Which of those is first?", [{"question": ITS_SILENT, "answer": ""}])
    assert "silent" in query


def test_condenser_is_used_and_failures_fall_back() -> None:
    def good(question: str, history: object) -> str:
        return "condensed query"

    def broken(question: str, history: object) -> str:
        raise TimeoutError("model timed out")

    assert standalone_query("What about it?", [Turn(PIAM)], condenser=good) == "condensed query"
    fallback = standalone_query("What about it?", [Turn(PIAM)], condenser=broken)
    assert "Inter-Adultification" in fallback


def test_empty_condenser_output_falls_back() -> None:
    query = standalone_query("What about it?", [Turn(PIAM)], condenser=lambda q, h: "  ")
    assert "Inter-Adultification" in query
