"""Cleaning: characters, hyphenation, paragraphs, running headers/footers, contents pages."""

from __future__ import annotations

import pytest

from ingest.cleaning import (
    HeadingMark,
    RawPage,
    clean_pages,
    heading_matches,
    join_hyphenated,
    normalise_text,
    split_footnotes,
    split_paragraphs,
    unwrap_lines,
)
from ingest.pagelines import (
    find_contents_pages,
    printed_page_numbers,
    remove_running_lines,
    roman_to_int,
)

# --- characters ---------------------------------------------------------------------------------


def test_normalise_text_makes_characters_plain() -> None:
    raw = "ﬁrst\u00a0line\r\nsecond\u200b line\u00adbreak\ufeff\rthird ﬂoor\t end  "
    assert normalise_text(raw) == "first line\nsecond linebreak\nthird floor  end"


def test_private_use_bullets_become_bullets() -> None:
    assert normalise_text("\uf0b7 first\n\uf0a7 second") == "• first\n▪ second"


def test_normalise_text_keeps_meaningful_characters() -> None:
    text = "Child’s “voice” – 2² ½ café"
    assert normalise_text(text) == text  # no NFKC rewriting of superscripts or fractions


def test_pdfium_line_end_hyphen_becomes_a_line_break_hyphen() -> None:
    assert normalise_text("multi\ufffeagency") == "multi-\nagency"
    assert normalise_text("safe\x02\r\nguarding") == "safe-\nguarding"
    assert normalise_text("soft\u00ad\nhyphen and in\u00adline") == "soft-\nhyphen and inline"


# --- hyphenation --------------------------------------------------------------------------------


def test_split_word_is_joined() -> None:
    assert join_hyphenated("the safe-\nguarding partners") == "the safeguarding partners"


def test_compound_with_known_prefix_keeps_its_hyphen() -> None:
    assert join_hyphenated("a multi-\nagency meeting") == "a multi-agency meeting"
    assert join_hyphenated("signs of self-\nharm") == "signs of self-harm"


def test_document_vocabulary_decides_when_the_word_appears_elsewhere() -> None:
    text = "Child-centred practice. A child-\ncentred plan. The profes-\nsional and professional."
    assert join_hyphenated(text) == (
        "Child-centred practice. A child-centred plan. The professional and professional."
    )
    # "decision" is a hyphen-keeping prefix, but the document writes the joined word elsewhere
    assert join_hyphenated("decision-\nmaking and decisionmaking") == (
        "decisionmaking and decisionmaking"
    )


def test_break_before_capital_or_digit_keeps_the_hyphen() -> None:
    assert join_hyphenated("non-\nEnglish speaking") == "non-English speaking"
    assert join_hyphenated("aged 16-\n19 years") == "aged 16-19 years"
    assert join_hyphenated("post-\n16 education") == "post-16 education"
    assert join_hyphenated("Counter-\nTerrorism") == "Counter-Terrorism"
    assert join_hyphenated("a list -\nnext") == "a list -\nnext"  # a spaced dash is left


# --- paragraphs ---------------------------------------------------------------------------------


def test_split_paragraphs_unwraps_and_drops_empties() -> None:
    text = "First line\nwraps here.\n\n\n  \nSecond para-\ngraph.\n"
    assert split_paragraphs(text) == ["First line wraps here.", "Second paragraph."]


def test_unwrap_lines_starts_paragraphs_at_bullets_and_short_sentence_ends() -> None:
    lines = [
        "The review considered the period from birth until the incident, when",
        "the child was fourteen years old and living with his mother and",
        "sister.",
        "Short closing line.",
        "A new paragraph begins here and runs for a while longer than the",
        "last one did.",
        "• first point",
        "• second point that wraps onto",
        "the next line",
        "1. numbered item",
    ]
    assert unwrap_lines(lines) == [
        "The review considered the period from birth until the incident, when the child was "
        "fourteen years old and living with his mother and sister.",
        "Short closing line.",
        "A new paragraph begins here and runs for a while longer than the last one did.",
        "• first point",
        "• second point that wraps onto the next line",
        "1. numbered item",
    ]


def test_footnotes_at_the_page_bottom_are_their_own_paragraphs() -> None:
    lines = [
        "Practitioners should read the statutory guidance6 and the",
        "advice for doctors7.",
        "6 Working together to safeguard children 2023: statutory",
        "guidance (publishing.service.gov.uk)",
        "7 Protecting children and young people (gmc-uk.org)",
    ]
    body, notes = split_footnotes(lines)
    assert body == lines[:2]
    assert notes == [
        "6 Working together to safeguard children 2023: statutory guidance "
        "(publishing.service.gov.uk)",
        "7 Protecting children and young people (gmc-uk.org)",
    ]


def test_a_footnote_mark_starting_a_body_line_does_not_swallow_the_page() -> None:
    lines = [
        "there is a specific legal duty on teachers.",
        "14 If a teacher discovers that an act of FGM appears to have been carried",
        "out, the teacher must report this to the police.",
        "Mental health",
        "43. All staff should be aware that mental health problems can be an indicator.",
        "14 Under section 5B(11) (a) of the Female Genital Mutilation Act 2003, teacher",
        "means a person within section 141A(1) of the Education Act 2002.",
    ]
    body, notes = split_footnotes(lines)
    assert body == lines[:5]
    assert notes == [" ".join(lines[5:])]


def test_numbered_lines_that_are_not_a_note_sequence_stay_in_the_body() -> None:
    continuing = ["Findings:", "3 no one asked", "4 no one recorded", "Text.", "5 no one"]
    assert split_footnotes(continuing[1:]) == (continuing[1:], [])  # nothing above them
    assert split_footnotes(["Alone on the page 3 times."]) == (["Alone on the page 3 times."], [])
    skipping = ["Body text.", "4 first note", "6 a later note"]  # 4 does not lead to 6
    assert split_footnotes(skipping) == (skipping[:2], ["6 a later note"])


# --- running headers, footers and page numbers --------------------------------------------------


BODIES = ["Mother was seen.", "School raised concerns.", "Police attended.", "GP saw him."]


def _pages(n: int) -> list[list[str]]:
    return [
        ["Borough Safeguarding Partnership: Child A review", BODIES[i % 4], f"Page {i} of {n}"]
        for i in range(1, n + 1)
    ]


def test_running_header_and_page_number_footer_are_removed() -> None:
    pages = _pages(6)
    cleaned, removed = remove_running_lines(pages, list(range(1, 7)))
    assert cleaned == [[BODIES[i % 4]] for i in range(1, 7)]
    assert removed == 12


def test_page_numbers_following_printed_labels_are_removed() -> None:
    labels = ["i", "ii", "iii", "1", "2", "3"]
    pages = [[BODIES[i % 4], label] for i, label in enumerate(labels)]
    cleaned, _ = remove_running_lines(pages, list(range(1, 7)), labels)
    assert cleaned == [[BODIES[i % 4]] for i in range(6)]


def test_numbered_headings_at_page_tops_are_kept() -> None:
    pages = [[f"Recommendation {n}", f"What should change, part {n}."] for n in (3, 1, 4, 2)]
    cleaned, removed = remove_running_lines(pages, [1, 2, 3, 4])
    assert removed == 0
    assert cleaned == pages


def test_sentences_mentioning_the_page_number_are_kept() -> None:
    pages = [[f"Page {i} of the review sets out the chronology.", f"{i}"] for i in range(1, 6)]
    cleaned, removed = remove_running_lines(pages, [1, 2, 3, 4, 5])
    assert removed == 5
    assert cleaned == [[f"Page {i} of the review sets out the chronology."] for i in range(1, 6)]


def test_a_single_page_has_nothing_to_compare() -> None:
    pages = [["Header", "Only page", "1"]]
    assert remove_running_lines(pages, [1]) == (pages, 0)


def test_lines_repeated_in_the_middle_of_pages_are_kept() -> None:
    middle = ["Top line {i}", "a", "b", "c", "Repeated sentence in the body.", "d", "e", "f", "end"]
    pages = [[line.format(i=i) for line in middle] for i in range(1, 6)]
    cleaned, _ = remove_running_lines(pages, [1, 2, 3, 4, 5])
    assert all("Repeated sentence in the body." in page for page in cleaned)


def test_printed_page_numbers_with_offset() -> None:
    pages = [["Cover"], ["Contents"]] + [[f"Text {n}", str(n)] for n in range(1, 7)]
    assert printed_page_numbers(pages, list(range(1, 9))) == {i: i - 2 for i in range(3, 9)}


def test_roman_numerals() -> None:
    assert [roman_to_int(t) for t in ("i", "iv", "ix", "xiv", "MCMXC")] == [1, 4, 9, 14, 1990]
    assert roman_to_int("iiii") is None
    assert roman_to_int("civic") is None


# --- contents pages -----------------------------------------------------------------------------

CONTENTS = [
    "Contents",
    "Introduction 3",
    "The review process 4",
    "Background to the family 6",
    "Findings 9",
    "Finding one: silence about race 10",
    "Recommendations 21",
]
LEADERS = [
    "Foreword .................... i",
    "Summary ..................... 1",
    "Findings .................... 4",
    "Learning .................... 12",
    "Appendix .................... 30",
]
TABLE = [
    "Ethnicity of children in the reviews",
    "White British 120",
    "Black or Black British 45",
    "Asian or Asian British 30",
    "Mixed heritage 28",
    "Not recorded 12",
]


def test_contents_pages_are_found() -> None:
    continuation = ["Annex A: data 40", "Annex B: terms 44", "Annex C: people 47", "Index 50"]
    pages = [["Cover title"], CONTENTS, continuation, ["Introduction", "Body text."]] + [
        ["More text."]
    ] * 8
    assert find_contents_pages(pages, list(range(1, 13))) == [2, 3]


def test_contents_with_wrapped_entries_is_found() -> None:
    wrapped = [
        "Contents",
        "Introduction 3",
        "Finding 1: professionals did not ask the family about their",
        "experience of racism 5",
        "Finding 2: the child's identity was not recorded in the plan or",
        "in the assessments 9",
        "Finding 3: supervision did not explore bias in the decisions that",
        "were made about the family 14",
        "Recommendations 20",
    ]
    assert find_contents_pages([["Cover"], wrapped, ["Text"]], [1, 2, 3]) == [2]


def test_dotted_leader_contents_without_title_is_found() -> None:
    assert find_contents_pages([["Cover"], LEADERS, ["Text"]], [1, 2, 3]) == [2]


def test_a_table_of_numbers_is_not_a_contents_page() -> None:
    assert find_contents_pages([["Cover"], TABLE, ["Text"]], [1, 2, 3]) == []


# --- whole pages --------------------------------------------------------------------------------


def test_clean_pages_drops_furniture_and_contents_and_places_headings() -> None:
    header = "Child A: LCSPR"
    raw = [
        RawPage(1, "i", "Review of Child A"),
        RawPage(2, "ii", "\n".join([header, *CONTENTS, "ii"])),
        RawPage(3, "1", f"{header}\nFindings\nThe safe-\nguarding partners met.\n1"),
        RawPage(4, "2", f"{header}\nRace and identity\nNobody asked about racism.\n2"),
        RawPage(5, "3", f"{header}\nThe multi-\nagency plan was not reviewed.\n3"),
    ]
    outline = [HeadingMark(3, 1, "Findings"), HeadingMark(4, 2, "Race and identity")]
    cleaned = clean_pages(raw, outline)
    texts = [(b.page_index, b.kind, b.heading_path, b.text) for b in cleaned.blocks]
    assert texts == [
        (1, "paragraph", (), "Review of Child A"),
        (3, "heading", (), "Findings"),
        (3, "paragraph", ("Findings",), "The safeguarding partners met."),
        (4, "heading", ("Findings",), "Race and identity"),
        (4, "paragraph", ("Findings", "Race and identity"), "Nobody asked about racism."),
        (
            5,
            "paragraph",
            ("Findings", "Race and identity"),
            "The multi-agency plan was not reviewed.",
        ),
    ]
    assert [p.label for p in cleaned.pages] == ["i", "ii", "1", "2", "3"]
    assert "contents pages dropped: 2" in cleaned.warnings
    assert all(header not in p.text for p in cleaned.pages)
    assert cleaned.pages[2].text == "Findings\n\nThe safeguarding partners met."


@pytest.mark.parametrize("text", ["", "   \n\n  "])
def test_clean_pages_tolerates_empty_pages(text: str) -> None:
    cleaned = clean_pages([RawPage(1, "1", text), RawPage(2, "2", "Some text.")])
    assert [b.text for b in cleaned.blocks] == ["Some text."]
    assert cleaned.pages[0].text == ""


@pytest.mark.parametrize(
    ("line", "title", "expected"),
    [
        ("2.1 Findings", "Findings", True),
        ("FINDINGS:", "Findings", True),
        ("Mental health16", "Mental health", True),
        ("Child criminal exploitation (CCE)13", "Child criminal exploitation (CCE)", True),
        ("Mental health and wellbeing", "Mental health", False),  # short titles must be exact
        (
            "Child criminal exploitation (CCE) is a form of abuse.",
            "Child criminal exploitation (CCE)",
            False,
        ),
        ("", "Findings", False),
    ],
)
def test_heading_matches(line: str, title: str, expected: bool) -> None:
    assert heading_matches(line, title) is expected
