"""Typing slips, words said beside the question, and the asker's "I've" (ADR 12, fourth
revision)."""

from __future__ import annotations

import pytest

from assistant.evidence.composition import aside_terms
from assistant.text.question import analyse
from assistant.text.spelling import corrected, correction
from assistant.text.terms import stems

LIBRARY = set(
    stems(
        "allegation recommend recommendations safeguarding extortion police referral school "
        "children Hackney review"
    )
)


def held(stem: str) -> bool:
    return stem in LIBRARY


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("alegation", "allegation"),
        ("recomend", "recommend"),
        ("recomendations", "recommendations"),
        ("safegaurding", "safeguarding"),
        ("polce", "police"),
    ],
)
def test_a_slip_inside_a_word_reads_as_the_library_word(typed: str, meant: str) -> None:
    assert correction(typed, held) == meant


@pytest.mark.parametrize(
    "word",
    [
        "sextortion",  # a real word: changing its first letter is not a slip
        "chemsex",  # unknown to the library and to nothing one change away
        "vaping",  # a real word the library lacks stays absent
        "schools",  # the library holds it
    ],
)
def test_a_word_that_is_no_slip_is_left_alone(word: str) -> None:
    assert correction(word, held) is None


def test_names_and_short_words_are_never_corrected() -> None:
    text = "Did Hakney or the polce see Revew? what abot it"
    assert corrected(text, held) == "Did Hakney or the police see Revew? what abot it"


def test_words_beside_the_question_count_apart() -> None:
    text = "How well was disability recorded? I've heard there were big gaps."
    aside = aside_terms(text)
    assert {"heard", "big", "gap"} <= aside
    assert "disabl" not in aside
    # all questions, or no question mark at all: nothing is aside
    assert aside_terms("What did it find? Who led it?") == set()
    assert aside_terms("tell me about disability recording. big gaps") == set()


@pytest.mark.parametrize("opener", ["I've", "I'm", "I’d", "There"])
def test_the_asker_and_a_later_sentence_opener_are_no_names(opener: str) -> None:
    question = analyse(f"What did It's silent find? {opener} heard it was thin.")
    assert opener not in {s.label for s in question.subjects}


def test_a_name_starting_a_later_sentence_is_still_a_name() -> None:
    question = analyse("What did the review say? Arthur Labinjo-Hughes was six.")
    assert "Arthur Labinjo-Hughes" in {s.label for s in question.subjects}
