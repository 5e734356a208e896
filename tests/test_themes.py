"""Theme tagging: hits with their evidence, false friends that must not tag, the documented taxonomy."""

from __future__ import annotations

import pytest

from assistant.types import Chunk
from ingest.themes import MIN_SCORE, TAXONOMY, THEMES, document_themes, tag, taxonomy_markdown
from tests.conftest import REPO

ISSUE_THEMES = [
    "silence-on-racism",
    "adultification",
    "identity-and-heritage",
    "faith-and-culture",
    "language-and-interpreters",
    "immigration-status",
    "professional-curiosity",
    "risk-assessment-bias",
    "voice-of-the-child",
    "fathers-and-male-carers",
    "multi-agency-working",
    "criminal-exploitation",
    "sexual-abuse",
    "neglect",
    "education-and-schools",
    "policing",
    "health-visiting",
    "supervision-and-reflection",
]
# Declared in the demo library's front matter beyond the issue's examples.
EXTRA_THEMES = ["infant-injury", "partnership-strategy"]


def test_taxonomy_is_the_documented_one() -> None:
    assert sorted(THEMES) == sorted(ISSUE_THEMES + EXTRA_THEMES)
    for theme in TAXONOMY:
        label, description = THEMES[theme.theme_id]
        assert label and len(description) > 40
        assert theme.strong, f"{theme.theme_id} has no strong phrases"


def test_docs_themes_md_is_generated_from_the_code() -> None:
    text = (REPO / "docs" / "themes.md").read_text(encoding="utf-8")
    assert text == taxonomy_markdown(), "regenerate: python -m ingest.themes > docs/themes.md"


@pytest.mark.parametrize(
    ("text", "theme", "evidence"),
    [
        (
            "Professionals did not discuss race or racism with the family.",
            "silence-on-racism",
            "racism",
        ),
        ("Race was rarely recorded in the assessments.", "silence-on-racism", "race was rarely"),
        (
            "Black girls were seen as older and less innocent: adultification.",
            "adultification",
            "adultification",
        ),
        (
            "Her dual heritage and sense of identity were never explored.",
            "identity-and-heritage",
            "dual heritage",
        ),
        (
            "The family's church and their faith community were a support.",
            "faith-and-culture",
            "faith community",
        ),
        (
            "No interpreter was booked; English was not her first language.",
            "language-and-interpreters",
            "first language",
        ),
        (
            "The mother had no recourse to public funds while her asylum claim was pending.",
            "immigration-status",
            "no recourse to public funds",
        ),
        (
            "Staff showed little professional curiosity and took the account at face value.",
            "professional-curiosity",
            "professional curiosity",
        ),
        (
            "Stereotypes and unconscious bias shaped the risk assessment.",
            "risk-assessment-bias",
            "unconscious bias",
        ),
        (
            "The voice of the child was absent; nobody asked about her lived experience.",
            "voice-of-the-child",
            "voice of the child",
        ),
        (
            "The stepfather was never assessed and fathers were invisible to services.",
            "fathers-and-male-carers",
            "stepfather",
        ),
        (
            "A multi-agency strategy discussion was not convened.",
            "multi-agency-working",
            "multi-agency",
        ),
        ("He was drawn into county lines drug running.", "criminal-exploitation", "county lines"),
        (
            "She disclosed sexual abuse by a relative after months of grooming.",
            "sexual-abuse",
            "sexual abuse",
        ),
        ("Chronic neglect: the children's basic needs went unmet.", "neglect", "neglect"),
        (
            "The school's designated safeguarding lead made the referral.",
            "education-and-schools",
            "designated safeguarding lead",
        ),
        ("Police officers strip-searched Child Q.", "policing", "police"),
        ("The health visitor completed the new birth visit.", "health-visiting", "health visitor"),
        (
            "Supervision gave little space for reflection on race.",
            "supervision-and-reflection",
            "supervision",
        ),
        ("The baby had bruising to the face: a non-mobile infant.", "infant-injury", "non-mobile"),
        (
            "The safeguarding partnership set an anti-racist strategy.",
            "partnership-strategy",
            "partnership",
        ),
    ],
)
def test_themes_are_tagged_with_their_evidence(text: str, theme: str, evidence: str) -> None:
    found = tag(text)
    assert theme in found.themes, found
    assert any(evidence in e for e in found.evidence[theme]), found.evidence[theme]


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("The organisational culture of the team discouraged challenge.", "faith-and-culture"),
        ("She showed identity documents at the front desk.", "identity-and-heritage"),
        ("Black, Asian and mixed heritage children are over-represented.", "identity-and-heritage"),
        ("The worker neglected to update the plan.", "neglect"),
        ("His body language suggested he was tired.", "language-and-interpreters"),
        ("The Royal College of Nursing issued guidance.", "education-and-schools"),
        ("He went into cardiac arrest.", "policing"),
        ("The safeguarding partners published the review.", "fathers-and-male-carers"),
        ("The report discusses sexual exploitation of girls.", "criminal-exploitation"),
        ("Parental supervision was limited.", "supervision-and-reflection"),
        ("The father attended.", "fathers-and-male-carers"),  # one weak phrase is not enough
        ("The review considered the quality of the assessment.", "risk-assessment-bias"),
        ("She fell and bruised her knee.", "infant-injury"),
        ("The Commissioner commissioned the review.", "partnership-strategy"),
        ("Hackney Safeguarding Children Partnership asked professionals.", "multi-agency-working"),
    ],
)
def test_false_friends_do_not_tag(text: str, theme: str) -> None:
    assert theme not in tag(text).themes


def test_minimum_evidence_counts_distinct_phrases() -> None:
    assert MIN_SCORE == 2
    assert "fathers-and-male-carers" not in tag("father father father").themes
    assert "fathers-and-male-carers" in tag("The father and his partner visited.").themes


def test_document_themes_need_a_share_of_chunks() -> None:
    chunk_themes = [("policing",), ("policing", "neglect"), (), (), ()] + [()] * 15
    assert document_themes(chunk_themes) == ("policing",)  # 2 of 20 chunks = 10%
    assert document_themes([("neglect",)]) == ()  # a single chunk is never enough


@pytest.mark.integration
def test_demo_library_chunks_carry_themes_with_evidence(demo_index) -> None:  # type: ignore[no-untyped-def]
    _, index = demo_index
    tagged = [c for c in index.chunks if c.themes]
    assert len(tagged) > len(index.chunks) / 2
    for chunk in tagged:
        assert isinstance(chunk, Chunk)
        assert set(chunk.theme_evidence) == set(chunk.themes)
    for chunk in tagged:  # every piece of evidence is really in the chunk (or its headings)
        seen = " ".join((" › ".join(chunk.section) + "\n" + chunk.text).lower().split())
        for phrases in chunk.theme_evidence.values():
            assert all(p in seen for p in phrases), (chunk.chunk_id, phrases)
    assert any("adultification" in c.themes for c in index.chunks)
