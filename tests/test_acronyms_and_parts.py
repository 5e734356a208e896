"""Acronyms the library defines, compound questions answered part by part, and the kinds of
number and date a unit holds (ADR 12, fourth revision)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evidence.calibration import Calibration
from assistant.evidence.composition import choose, refers_back
from assistant.evidence.kinds import kind_matches
from assistant.evidence.selection import ScoredUnit
from assistant.evidence.selector import EvidenceSelector
from assistant.text.acronyms import (
    definitions,
    expanded,
    glossary,
    question_acronyms,
    singular,
    spelled_out,
    with_acronyms,
)
from assistant.text.question import analyse, answer_kind, parts, subjects, without_names
from assistant.text.terms import stems, words
from assistant.text.units import Unit
from assistant.types import Chunk, Document, Passage

# --- the library's own acronyms -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the designated safeguarding lead (DSL) should", ("DSL", "designated safeguarding lead")),
        (
            "Multi-agency public protection arrangements (MAPPA): guidance",
            ("MAPPA", "Multi-agency public protection arrangements"),
        ),
        (
            "staff from Keeping children safe in education (KCSIE) say",
            ("KCSIE", "Keeping children safe in education"),
        ),
        (
            "ask the LADO (local authority designated officer)",
            ("LADO", "local authority designated officer"),
        ),
        ("all designated safeguarding leads (DSLs) must", ("DSL", "designated safeguarding leads")),
    ],
)
def test_a_definition_is_read_either_way_round(text: str, expected: tuple[str, str]) -> None:
    assert list(definitions(text)) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "the review (CSPR) was late",  # the words before do not spell it
        "see the guidance (Annex B) for more",  # a word, not an acronym
        "as the Panel said (2019) in its report",
    ],
)
def test_a_bracket_that_the_words_do_not_spell_is_no_definition(text: str) -> None:
    assert list(definitions(text)) == []


def test_the_glossary_prefers_the_library_and_keeps_what_it_never_defines() -> None:
    found = glossary(
        ["a designated safeguarding lead (DSL) is", "the DSL (designated safeguarding lead)"],
        {"DSL": "duty safeguarding lead", "FGM": "female genital mutilation"},
    )
    assert found == {"dsl": "designated safeguarding lead", "fgm": "female genital mutilation"}


def test_an_acronym_plural_is_the_acronym_but_a_final_capital_s_stays() -> None:
    assert singular("DSLs") == "DSL"
    assert singular("GPs") == "GP"
    assert singular("CAMHS") == "CAMHS"
    assert stems("two DSLs and the GPs") == stems("two DSL and the GP")
    assert words("CAMHS") == ["camhs"]


GLOSSARY = {"dsl": "designated safeguarding lead", "send": "special educational needs"}


def test_a_question_uses_an_acronym_in_capitals_or_when_it_is_no_everyday_word() -> None:
    assert [a for a, _ in question_acronyms("What does the DSL do?", GLOSSARY, stems)] == ["dsl"]
    assert [a for a, _ in question_acronyms("what does the dsl do", GLOSSARY, stems)] == ["dsl"]
    # "send" typed in lower case is the verb
    assert question_acronyms("Who do I send a referral to?", GLOSSARY, stems) == ()
    assert [a for a, _ in question_acronyms("Support for SEND pupils", GLOSSARY, stems)] == ["send"]
    # spelled out in the question: the acronym in a unit counts
    spelled = question_acronyms("Who is the designated safeguarding lead?", GLOSSARY, stems)
    assert [a for a, _ in spelled] == ["dsl"]


def test_a_unit_holds_an_acronym_when_it_holds_either_form() -> None:
    pairs = question_acronyms("What does the DSL do?", GLOSSARY, stems)
    long_form = with_acronyms(set(stems("The designated safeguarding lead refers cases.")), pairs)
    assert "dsl" in long_form
    short = with_acronyms(set(stems("The DSL refers cases.")), pairs)
    assert {"design", "safeguard", "lead"} <= short
    neither = with_acronyms(set(stems("The lead refers cases.")), pairs)
    assert "dsl" not in neither


def test_keyword_search_reads_the_other_form_too() -> None:
    assert expanded("Where does the DSL refer?", GLOSSARY, stems) == (
        "Where does the DSL refer? (designated safeguarding lead)"
    )
    assert expanded("Who is the designated safeguarding lead?", GLOSSARY, stems).endswith("(DSL)")
    assert expanded("Who do I send it to?", GLOSSARY, stems) == "Who do I send it to?"


def test_the_embedded_question_writes_its_acronyms_out() -> None:
    assert spelled_out("How often are DSLs trained?", GLOSSARY, stems) == (
        "How often are designated safeguarding lead (DSLs) trained?"
    )
    assert spelled_out("send it to the dsl", GLOSSARY, stems) == (
        "send it to the designated safeguarding lead (dsl)"
    )
    spelled = "Who is the designated safeguarding lead?"
    assert spelled_out(spelled, GLOSSARY, stems) == spelled


def test_retrieval_embeds_the_spelled_question_and_searches_keywords_both_ways() -> None:
    from assistant.retrieval import Retriever
    from tests.fakes import HashingEmbedder

    seen: list[str] = []

    class Recording(HashingEmbedder):
        def embed_query(self, text: str) -> list[float]:
            seen.append(text)
            return super().embed_query(text)

    class Index:
        chunks: list[Chunk] = []
        documents: list[Document] = []
        asked: list[str] = []

        def dense_search(self, vector, k, filters):  # type: ignore[no-untyped-def]
            return []

        def keyword_search(self, query, k, filters=None):  # type: ignore[no-untyped-def]
            Index.asked.append(query)
            return []

    retriever = Retriever(
        Index(),  # type: ignore[arg-type]
        Recording(dimensions=16),
        expand=lambda q: expanded(q, GLOSSARY, stems),
        spell=lambda q: spelled_out(q, GLOSSARY, stems),
    )
    retriever.retrieve("Where does the DSL refer?", 4)
    assert seen == ["Where does the designated safeguarding lead (DSL) refer?"]
    assert Index.asked[0] == "Where does the DSL refer? (designated safeguarding lead)"


def test_the_selector_finds_the_library_definitions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.settings import Settings
    from tests.answering_support import DocSpec, write_pages_build
    from tests.fakes import HashingEmbedder

    embedder = HashingEmbedder(dimensions=64)
    spec = DocSpec(
        "guide",
        "A guide",
        ["Every school has a multi-agency referral form (MARF) for its referrals to the hub."],
    )
    index = write_pages_build(Settings(data_dir=tmp_path, _env_file=None), [spec], embedder)
    selector = EvidenceSelector(index, embedder, Calibration(-1.0, -1.0, 0.5))
    assert selector.library.glossary["marf"] == "multi-agency referral form"
    assert selector.library.glossary["dsl"] == "designated safeguarding lead"  # the built-in list


# --- compound questions -------------------------------------------------------------------------


def test_a_preamble_before_the_question_is_not_a_part() -> None:
    assert parts("In a sentence, what is children's social care for?") == ()
    assert parts("Briefly, who led it and when was it published?") == (
        "Briefly, who led it",
        "when was it published",
    )
    assert parts("When was it published, and which areas did it cover?") == (
        "When was it published",
        "which areas did it cover",
    )


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When a pupil reports sexual violence, why might some find it harder to tell?", "any"),
        ("If a child discloses abuse, who should I tell first?", "agent"),
        ("When did the duty come in?", "date"),
        ("When, roughly, did it happen?", "date"),
    ],
)
def test_a_leading_when_clause_sets_the_scene_and_the_question_follows(
    question: str, kind: str
) -> None:
    assert answer_kind(question)[0] == kind


def test_a_later_part_that_points_back_refers_to_the_first() -> None:
    assert refers_back("and who received notifications before that")
    assert refers_back("how many people did it hear from")
    assert not refers_back("which councils were rated best")


DOC_A = Document("a", "The review system", "a.md")
DOC_B = Document("b", "Another briefing", "b.md")
CAL = Calibration(no_evidence=0.4, answered=0.5, relative=0.65)


def _unit(text: str, score: float, position: int, doc: Document = DOC_A, **kw) -> ScoredUnit:  # type: ignore[no-untyped-def]
    chunk = Chunk(f"{doc.doc_id}#0", doc.doc_id, 0, text, 1, 1, "1", "1")
    passage = Passage(chunk, doc, score, 1, dense_score=score)
    vec = np.eye(8, dtype=np.float32)[position % 8]
    return ScoredUnit(
        Unit(text, "sentence", 0, position), passage, score, "addresses", vector=vec, **kw
    )


def test_each_part_of_a_compound_question_is_answered_in_the_lead() -> None:
    question = analyse("When did the duty come in, and who received notifications before that?")
    first = _unit("The duty applies since 2018 to every local authority.", 0.8, 0, kind_ok=True)
    other = _unit("Notifications are made within five working days.", 0.7, 1, DOC_B)
    dated = _unit("The duty took effect on 29 June 2018; before then, Ofsted.", 0.6, 2)
    lead, rest = choose([first, other, dated], question, CAL, part_answers=[dated])
    assert lead == (first, dated)
    assert dated not in rest
    # the same unit is not led twice
    lead, _ = choose([first, other], question, CAL, part_answers=[first])
    assert lead == (first,)


def test_a_compound_question_leads_with_the_kind_its_first_part_asks_for() -> None:
    # "how many" in the second part does not make a number the lead's kind
    question = analyse("Who wrote the update report, and roughly how many people did it hear?")
    counted = _unit("Some 330 incidents were notified in the year.", 0.8, 0, DOC_B, kind_ok=True)
    named = _unit("The update report was written by Jim Gamble.", 0.7, 1)
    lead, _ = choose([counted, named], question, CAL, part_answers=[])
    assert lead[0] is named


# --- kinds of answer ----------------------------------------------------------------------------


def _plain(text: str) -> Unit:
    return Unit(text, "sentence", 0, 0)


def test_dates_and_references_to_sections_count_nothing() -> None:
    how_many = analyse("How many reports did schools make?")
    assert not kind_matches(how_many, _plain("Since 31 October 2015 teachers must report."))
    assert not kind_matches(how_many, _plain("Under section 47 of the Children Act 1989."))
    assert kind_matches(how_many, _plain("Schools made 53 reports in March 2025."))
    assert kind_matches(how_many, _plain("About a third of reports came from schools."))


def test_may_and_march_in_lower_case_are_verbs_not_dates() -> None:
    when = analyse("When was the report published?")
    assert not kind_matches(when, _plain("Staff may march on without a plan."))
    assert kind_matches(when, _plain("It was published in May."))


# --- words in other forms, "it" that points forward, and what a further unit adds ----------------


def test_a_stem_meets_one_that_differs_only_at_its_end() -> None:
    from assistant.evidence.composition import near

    asked = {"exclud": 1.0, "school": 1.0, "commun": 1.0}
    found = near(set(stems("Exclusion from school")), asked)
    assert {"exclud", "school"} <= found  # excluded / exclusion
    # short stems and longer differences do not meet
    assert "commun" not in near(set(stems("They communicated with the family")), asked)


@pytest.mark.parametrize(
    ("sentence", "refers"),
    [
        ("It is not usually necessary to undertake a DPIA for a one-off share.", False),
        ("It is important that the victim understands the next steps.", False),
        ("It was found that staff did not ask about identity.", False),
        ("It is a summary of the review's findings.", True),
        ("It found that staff did not ask about identity.", True),
    ],
)
def test_an_it_that_stands_for_the_clause_after_it_needs_no_antecedent(
    sentence: str, refers: bool
) -> None:
    from assistant.text.units import _opens_with_reference, units

    assert _opens_with_reference(sentence) is refers
    found = [u.text for u in units(sentence)]
    assert (sentence in found) is not refers  # alone, it is a unit only when it stands alone


def test_a_further_unit_with_a_word_the_chosen_lack_goes_first() -> None:
    question = analyse("Is a child's ethnicity special category data?")
    weights = {t: 1.0 for t in question.terms}
    lead = _unit("Special category data needs a condition under Article 9.", 0.8, 0)
    again = _unit("Sharing special category data needs a lawful basis too.", 0.75, 1)
    ethnic = _unit("Special category data includes racial or ethnic origin.", 0.72, 2)
    cal = Calibration(no_evidence=0.4, answered=0.5, relative=0.65)
    _, rest = choose([lead, again, ethnic], question, cal, max_units=2, weights=weights)
    assert rest == (ethnic,)
    _, rest = choose([lead, again, ethnic], question, cal, max_units=2)
    assert rest == (again,)  # without the question's words, score order


def test_this_guidance_names_the_cited_document_while_a_signpost_is_context() -> None:
    from assistant.text.units import is_context, units

    text = (
        "This guidance is issued under:\n\n"
        "• section 7 of the Local Authority Social Services Act 1970, which requires councils "
        "to act under the guidance of the Secretary of State\n\n"
        "• section 10(8) of the Children Act 2004, which requires each body to have regard to it"
    )
    found = units(text)
    assert [u.kind for u in found] == ["list"]
    assert found[0].text.startswith("This guidance is issued under:\n• section 7")
    assert not found[0].context
    assert is_context("This chapter describes the purpose and principles of the framework.")
    assert is_context("This section sets out what schools must do.")
    # "this" with any other noun still points back
    assert units("This approach was criticised by the review panel for its delay.") == []


def test_a_definition_is_found_only_after_a_space_and_within_its_paragraph() -> None:
    assert list(definitions("the word(DSL) as written")) == []
    assert list(definitions("designated safeguarding\n\nlead (DSL)")) == []
    found = list(definitions("City & Hackney Safeguarding Children Partnership (CHSCP) said"))
    assert found == [("CHSCP", "City & Hackney Safeguarding Children Partnership")]


def test_a_who_question_is_answered_by_someone_it_does_not_already_name() -> None:
    who = analyse("Who led the inspectorate before Maria Okafor?")
    assert who.kind == "agent"
    assert not kind_matches(who, _plain("Maria Okafor has led the Inspectorate since 2021."))
    assert kind_matches(who, _plain("Before her, Daniel Reyes led the Inspectorate for six years."))
    assert kind_matches(who, _plain("Maria Okafor took over from Daniel Reyes in 2021."))


def test_names_are_masked_in_a_part_quoted_back() -> None:
    question = "What does the advice say, and what did Jayden Okafor's school do for Amy?"
    found = subjects(question)
    masked = without_names("what did Jayden Okafor's school do for Amy", found)
    assert masked == "what did [a name] school do for [a name]"
    # a word that merely contains a name is left alone
    assert without_names("Amyloid", found) == "Amyloid"


@pytest.mark.parametrize(
    ("question", "label", "name"),
    [
        ("A Year 9 is hacking into the school network: who can help?", "Year 9", False),
        ("What does Section 47 say about sharing?", "Section 47", False),
        ("How does Key Stage 3 teaching cover consent?", "Key Stage 3", False),
        ("What happened to Jayden in Year 10?", "Jayden in Year", True),  # a name stays masked
        ("What about Grace 14?", "Grace", True),
    ],
)
def test_a_numbered_designation_is_not_a_name(question: str, label: str, name: bool) -> None:
    found = {s.label: s for s in subjects(question)}
    assert found[label].name is name


class _Embedder:
    dimensions = 8

    def embed_query(self, text: str) -> list[float]:
        return [1.0] + [0.0] * 7


def test_a_part_said_to_be_missing_is_not_answered_in_the_lead() -> None:
    question = analyse(
        "When should an impact assessment be done, and how long does the regulator take to "
        "approve one?"
    )
    whole = _unit("An impact assessment should be done before sharing starts.", 0.8, 0, cover=0.9)
    # a duration, so it fits "how long", but about something else: few of the part's words
    weeks = _unit(
        "The first review takes place within four weeks.", 0.6, 1, cover=0.2, kind_ok=True
    )
    selector = EvidenceSelector.__new__(EvidenceSelector)
    selector.calibration = CAL
    selector.embedder = _Embedder()  # type: ignore[assignment]
    selector.score = lambda q, passages, vector: (  # type: ignore[method-assign]
        [whole] if q is question else [weeks]
    )
    _, part_best, answers = selector._score_with_parts(question, [], np.zeros(8, np.float32))
    second = question.parts[1]
    assert selector._unanswered(*part_best[second])
    assert weeks not in answers


def test_related_material_beside_a_refusal_is_short_where_it_can_be() -> None:
    long_list = _unit("The review lists:\n" + "\n".join(["• one more point"] * 60), 0.9, 0)
    short_a = _unit("A short related statement.", 0.5, 1)
    short_b = _unit("Another short one, from another briefing.", 0.4, 2, DOC_B)
    selector = EvidenceSelector.__new__(EvidenceSelector)
    question = analyse("What does the library say about nurseries?")
    refusal = selector._refusal("q", question, [long_list, short_a, short_b], (), absent=True)
    assert refusal.related == (short_a, short_b)
    # with nothing short found, the best unit is still offered
    refusal = selector._refusal("q", question, [long_list], (), absent=True)
    assert refusal.related == (long_list,)


@pytest.mark.parametrize(
    ("question", "has_matter"),
    [
        ("What is adultification bias and why does it matter for Black girls?", False),
        ("Why does that matter?", False),
        ("Which part of identity did reviews leave out as though it didn't matter?", True),
        ("What matters most to children in care?", True),
    ],
)
def test_why_it_matters_asks_for_importance_not_about_matter(
    question: str, has_matter: bool
) -> None:
    assert ("matter" in analyse(question).terms) is has_matter


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("The fourth annual report (covering 2022–23) named the theme.", False),  # a year range
        ("In 2018-19 the Panel met eight times.", True),
        ("The analysis looked at 53 children.", True),
    ],
)
def test_a_year_range_is_not_a_quantity(text: str, counts: bool) -> None:
    question = analyse("How many children did the Panel look at?")
    assert kind_matches(question, _plain(text)) is counts
