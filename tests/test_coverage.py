"""The partial rule's detectors, table-driven, for misses and for false positives."""

from __future__ import annotations

import pytest

from assistant.checks import coverage
from assistant.checks.coverage import (
    asks_for_complete_text,
    asks_for_pages,
    assess,
    assess_answer,
    names_in,
)
from assistant.checks.specifics import asks_for, has_number, missing_kind
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


def _assess(question: str, passages: list[Passage], live: bool = False):  # type: ignore[no-untyped-def]
    return assess(
        question,
        passages,
        max_sentences=8,
        live_case=live,
        messages=lambda key, **kw: key,
    )


def _names_missing(question: str, passages: list[Passage]) -> bool:
    return bool(coverage.missing_names(question, passages))


def test_assess_combines_rules() -> None:
    """Pages, complete text and live cases; support and absent subjects are evidence's."""
    passages = [_passage("Racism was likely to have been an influencing factor.")]
    assert not _assess("What did the Child Q review say about racism?", passages).partial
    assert not _assess("Did it mention Ofsted?", passages).partial
    assert _assess("On which page is racism discussed?", passages).reasons == ("partial_pages",)
    paged = [_passage("Racism was a factor.", media_type="pdf")]
    assert not _assess("On which page is racism discussed?", paged).partial
    assert _assess("Quote it word for word.", passages).reasons == ("partial_complete",)
    assert _assess("What about racism?", passages, live=True).reasons == ("partial_live_case",)


def test_names_match_inside_titles_and_sections() -> None:
    passages = [_passage("Something else entirely.")]
    assert not _names_missing("What did the Child Q review find about its Findings?", passages)


def test_multi_word_names_may_be_covered_word_by_word() -> None:
    passages = [_passage("Black, African, Caribbean or Black British children.")]
    assert not _names_missing("What about Black Caribbean boys?", passages)
    assert _names_missing("What about Baby P?", [_passage("A baby was harmed; p. 4.")])
    assert _names_missing("Was Sara Sharif in the sample?", passages)


# --- rule 6: a number or a ranking asked for ---------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many children died?", "number"),
        ("How much funding did the partnership receive?", "number"),
        ("What percentage of the children were Black?", "number"),
        ("What fine did the regulator impose?", "number"),
        ("How long does a rapid review take?", "number"),
        ("How quickly must the Panel be notified?", "number"),
        ("Which ethnic group is most often on a plan?", "ranking"),
        ("What is the most common form of harm?", "ranking"),
        ("Which area had the highest rate?", "ranking"),
        ("What did the review find about racism?", None),
        ("Which staff should read at least Part one?", None),  # "at least" is not a ranking
        ("What did the review find in most cases?", None),
        ("Who wrote the review and when?", None),
        ("What is the most important thing to do when a child discloses abuse?", None),
        ("What is the best way to talk to a family about race?", None),
    ],
)
def test_asks_for(question: str, kind: str | None) -> None:
    assert asks_for(question) == kind


MUST_FLAG = [  # the sentences found do not carry what the question asks for
    (
        "How many Black pupils were excluded from schools in 2024?",
        [
            "Schools should challenge racism and support pupils from all backgrounds.",
            "88 Regulations 12(7) of the School Staffing (England) Regulations 2009 apply to pupil "
            "referral units.",  # a number, pupils and schools, but nothing on Black pupils
            "Exclusion can be a safeguarding concern for Black pupils.",  # no number
        ],
    ),
    (
        "What fine did the Information Commissioner's Office impose on a council?",
        [
            "The Information Commissioner's Office has produced a data sharing code of practice.",
            "Section 3 of the code sets out 7 principles for councils.",
        ],
    ),
    (
        "Which ethnic group is most often the subject of child protection plans?",
        [
            "Practice should respect the ethnicity, culture and faith of every family.",
            "Child protection plans should be reviewed more often when risk increases.",
        ],
    ),
    (
        "How many children died in the cases reviewed in 2023?",
        [
            "The review was published in 2023.",  # the only number is a year
            "Children died or were seriously harmed in the cases reviewed.",
        ],
    ),
    (
        "How long must records be kept?",
        [
            "Records should be accurate and kept securely.",
            "The guidance was revised in 2024 after a consultation.",
        ],
    ),
]

MUST_NOT_FLAG = [  # one sentence carries a number or ranking about the question's focus
    (
        "How many safeguarding reviews did the Panel analyse for 'It's silent', and what kinds "
        "of review were they?",
        [
            "Reviews analysed: 54 reviews, made up of 40 rapid reviews and 14 local child "
            "safeguarding practice reviews."
        ],
    ),
    (
        "How many children were covered by the report, and how many of them died?",
        ["Outcomes: 27 of the 53 children died."],
    ),
    (
        "In how many reviews had risk been partly recognised but not acted on?",
        ["Across 19 of the reviews, practitioners had seen at least some of the risk."],
    ),
    ("How many cases did 'It was hard to escape' examine?", ["It examined 21 cases."]),
    (
        "How quickly must a local authority notify the Panel of a serious incident?",
        ["The local authority should notify the Panel within five working days of the incident."],
    ),
    (
        "What percentage of children in the reviews were Black?",
        ["Black children were 16% of the children in the reviews."],
    ),
    (
        "Which lawful basis is most likely to be appropriate for a public sector organisation?",
        [
            "For a public sector organisation, public task will be the most appropriate lawful basis."
        ],
    ),
    (
        "How many golden rules for sharing information are there, and what is the first one?",
        ["This advice includes the seven golden rules for sharing information."],
    ),
    (
        "Which ethnic groups are over-represented in serious case reviews?",
        ["Black and mixed heritage children were over-represented in reviews."],
    ),
    ("What did the review find about racism?", ["Nothing here has a number."]),  # not asked
]


@pytest.mark.parametrize(("question", "sentences"), MUST_FLAG)
def test_missing_number_or_ranking_is_flagged(question: str, sentences: list[str]) -> None:
    assert missing_kind(question, sentences) in ("number", "ranking")
    reasons = assess_answer(
        question, sentences[:1], [_passage(" ".join(sentences[1:]))], messages=lambda k, **kw: k
    )
    assert reasons == (f"partial_{asks_for(question)}",)


@pytest.mark.parametrize(("question", "sentences"), MUST_NOT_FLAG)
def test_number_or_ranking_present_is_not_flagged(question: str, sentences: list[str]) -> None:
    assert missing_kind(question, sentences) is None
    # found in a passage sentence rather than in a quote: still covered
    reasons = assess_answer(question, [], [_passage(sentences[0])], messages=lambda k, **kw: k)
    assert reasons == ()


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("It examined 21 cases.", True),
        ("Twenty-one cases were examined.", True),
        ("In 81% of reviews.", True),
        ("A fine of £50,000.", True),
        ("It was published in 2024.", False),
        ("Covering 2022–23.", False),
        ("No number here.", False),
    ],
)
def test_has_number(sentence: str, expected: bool) -> None:
    assert has_number(sentence) is expected


def test_numbers_given_by_the_question_do_not_answer_it() -> None:
    assert not has_number("Is it true that 81% of cases?", ["81"])
    assert has_number("81% of 330 rapid reviews", ["81"])


@pytest.mark.parametrize(
    ("question", "text", "partial"),
    [
        ("What must the DSL do?", "The designated safeguarding lead must keep records.", False),
        ("When is the LADO told?", "Tell the local authority designated officer.", False),
        ("What is KCSIE?", "Keeping children safe in education is statutory guidance.", False),
        ("What does FGM mean?", "Female genital mutilation is a crime.", False),
        (
            "Who is the designated safeguarding lead?",
            "The DSL is a senior member of staff.",
            False,
        ),
        ("What must the DSL do?", "Staff must keep records.", True),
        ("What is the NRM?", "The national referral mechanism identifies victims.", False),
    ],
)
def test_acronyms_count_as_their_spelled_out_names(question: str, text: str, partial: bool) -> None:
    assert _names_missing(question, [_passage(text)]) is partial


def test_headings_may_supply_the_other_words_but_not_the_number() -> None:
    question = "How many children were in the 'It's silent' sample?"
    sentence = "Children: 53 children from Black, Asian and Mixed Heritage backgrounds."
    assert missing_kind(question, [sentence]) == "number"  # "sample" is in no sentence
    assert missing_kind(question, [sentence], ["Sample and method"]) is None
    no_number = "Children from Black, Asian and Mixed Heritage backgrounds."
    assert missing_kind(question, [no_number], ["53 in the sample"]) == "number"
    chunk = Chunk("d#0", "d", 0, sentence, 1, 1, "1", "1", section=("Sample and method",))
    passage = Passage(chunk, Document("d", "It's silent", "/d.md"), 1.0, 1, 0.6)
    assert assess_answer(question, [], [passage], messages=lambda k, **kw: k) == ()


@pytest.mark.parametrize(
    ("question", "groups"),
    [
        ("What do reviews say about white children?", ["white"]),
        ("Black girls were adultified: what did the review find?", ["black"]),
        (
            "How are mixed-heritage and dual heritage children described?",
            ["mixed-heritage", "dual heritage"],
        ),
        ("What about Sikh and Muslim families?", ["sikh", "muslim"]),
        ("What did the review say about Traveller children?", ["traveller"]),
        ("What did the White Paper propose?", ["white"]),  # caught, then found in the passage
        ("What is adultification bias?", []),
        ("How should schools respond to racism?", []),
    ],
)
def test_groups_in(question: str, groups: list[str]) -> None:
    assert coverage.groups_in(question) == groups


@pytest.mark.parametrize(
    ("question", "text", "missing"),
    [
        # lower case or sentence-initial group words the passages never mention: named as missing
        (
            "What do reviews say about white children?",
            "Black and Asian children were described.",
            ["white"],
        ),
        (
            "Black boys and exclusion: what was found?",
            "Asian boys were excluded more often.",
            ["black"],
        ),
        ("What about mixed heritage children?", "Reviews of Asian children.", ["mixed heritage"]),
        # the group is in the passage (any spelling of the same words): nothing missing
        ("What about mixed heritage children?", "Mixed-heritage children were 25 of 53.", []),
        (
            "What do reviews say about white children?",
            "White British children were the majority.",
            [],
        ),
        (
            "Black girls were adultified, weren't they?",
            "It found adultification of Black girls.",
            [],
        ),
    ],
)
def test_missing_groups_are_named(question: str, text: str, missing: list[str]) -> None:
    assert coverage.missing_names(question, [_passage(text)]) == missing
