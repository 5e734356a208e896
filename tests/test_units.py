"""Units of evidence and question kinds: the rules that decide what can be quoted alone."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evidence.calibration import Calibration
from assistant.evidence.composition import choose, continuation, echoes, redundant
from assistant.evidence.selection import ScoredUnit
from assistant.text.question import analyse, answer_kind
from assistant.text.units import Unit, is_context, units
from assistant.types import Chunk, Document, Passage


def texts(text: str) -> list[str]:
    return [u.text for u in units(text)]


def test_existential_there_opens_a_unit_that_a_following_they_can_join() -> None:
    found = texts(
        "There are several principles that cut across the framework. They are drawn from "
        "legislation and should be read alongside the UN Convention on the Rights of the Child."
    )
    assert "There are several principles that cut across the framework." in found
    assert any(t.startswith("There are several") and "UN Convention" in t for t in found)


def test_a_pronoun_after_a_short_phrase_without_a_comma_brings_its_antecedent() -> None:
    found = texts(
        "Annie Hudson launched the national review in May 2022. At the launch she described "
        "how each professional held one piece of the jigsaw."
    )
    assert not any(t.startswith("At the launch") for t in found)
    assert any(t.startswith("Annie Hudson") and "jigsaw" in t for t in found)


def test_a_short_sentence_naming_again_what_the_one_before_named_is_also_kept_with_it() -> None:
    found = texts(
        "The Voyeurism (Offences) Act 2019 made upskirting a specific offence. "
        "The Act came into force on 12 April 2019."
    )
    assert "The Act came into force on 12 April 2019." in found
    assert any(t.startswith("The Voyeurism") and t.endswith("12 April 2019.") for t in found)
    # a noun the sentence before did not use refers to nothing there: the sentence stands alone
    alone = texts("The Panel published its report in 2020. The review found gaps in practice.")
    assert not any("2020. The review" in t for t in alone)


def test_a_footnote_number_is_not_part_of_the_quoted_text() -> None:
    found = texts("140 The Voyeurism (Offences) Act 2019 amends the Sexual Offences Act 2003.")
    assert found == ["The Voyeurism (Offences) Act 2019 amends the Sexual Offences Act 2003."]
    # a number that is a quantity stays: a lower-case word follows it
    assert texts("21 young people were interviewed for the review.") == [
        "21 young people were interviewed for the review."
    ]


def test_there_as_a_reference_still_needs_its_antecedent() -> None:
    # "There" meaning "in that place" depends on the sentence before: alone it is not a unit
    assert texts("There, the officers searched her without an appropriate adult present.") == []


def test_a_pronoun_after_a_fronted_phrase_brings_its_antecedent() -> None:
    found = texts(
        "Annie Hudson has chaired the Panel since 2021. A social worker by background, she was "
        "previously a director of children's services in two cities."
    )
    assert found[-1].startswith("Annie Hudson has chaired")
    assert found[-1].endswith("in two cities.")
    assert not any(t.startswith("A social worker by background") for t in found)


def test_a_fronted_phrase_with_a_named_subject_stands_alone() -> None:
    found = texts("In 2019, the Panel published its first national review of practice.")
    assert found == ["In 2019, the Panel published its first national review of practice."]


LISTED = """Based on reviews since 2010, this briefing aimed to support practice on faith. It lists risk factors, including:

social isolation;

beliefs overriding a person's own interests;

conflict within families;

religion acting as a distraction;

misconceptions among professionals;

questions of self-identity;

conversion to a partner's religion;

spirit possession;

the interplay between religion and mental health.

Only part of the briefing could be read, and other points may be missing from it here."""


def test_a_semicolon_enumeration_is_one_list_ending_at_its_full_stop() -> None:
    found = units(LISTED)
    lists = [u for u in found if u.kind == "list"]
    assert len(lists) == 1
    lines = lists[0].text.split("\n")
    assert len(lines) == 10  # the lead-in and nine items
    assert "spirit possession;" in lines
    assert lines[-1] == "the interplay between religion and mental health."
    assert "Only part" not in lists[0].text


def test_a_list_lead_in_that_opens_with_a_reference_keeps_its_antecedent() -> None:
    lead_in = next(u for u in units(LISTED) if u.kind == "list").text.split("\n")[0]
    assert lead_in.startswith("Based on reviews since 2010")
    assert lead_in.endswith("It lists risk factors, including:")


def test_unpunctuated_paragraphs_without_a_count_are_not_swept_into_a_list() -> None:
    paras = "\n\n".join(
        f"Point number {i} is made here without ending punctuation" for i in range(10)
    )
    found = units("Points to consider:\n\n" + paras)
    assert not any(u.kind == "list" for u in found)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When was the Child Q review published?", "date"),
        ("What did the review find, and when was it published?", "date"),
        ("Can you tell me when the duty began?", "date"),
        ("Over what period did the incidents take place?", "date"),
        ("Was anyone else present when Child Q was searched?", "any"),
        ("Who can a practitioner ask for advice when unsure about the law?", "agent"),
        ("What should staff do when the lead is away?", "any"),
        ("How many reviews did the Panel analyse?", "number"),
        # "when" with a modal asks in what circumstances, not for a date
        ("Under the duty of confidence, when can I share what I was told?", "condition"),
        ("When should a practitioner make a referral?", "condition"),
        ("What has to be true before I can pass it on?", "condition"),
        ("When did the Act come into force?", "date"),
        ("When will the next report be published?", "date"),
        ("What's the timescale for a rapid review?", "number"),
        ("How long does a local authority have to notify the Panel?", "number"),
        ("How long ago did the review start?", "date"),
        ("Up to what age does the framework cover care leavers?", "number"),
        ("and how old was she at the time?", "number"),
    ],
)
def test_when_asks_for_a_date_only_where_it_heads_a_question(question: str, kind: str) -> None:
    assert answer_kind(question)[0] == kind


# --- choosing units -------------------------------------------------------------------------

DOC = Document("d", "A review", "d.md")


def scored(text: str, score: float, position: int, vector: list[float] | None = None) -> ScoredUnit:
    chunk = Chunk("d#0", "d", 0, text, 1, 1, "1", "1")
    passage = Passage(chunk, DOC, score, 1, dense_score=score)
    vec = np.asarray(vector, np.float32) if vector is not None else None
    return ScoredUnit(Unit(text, "sentence", 0, position), passage, score, "addresses", vector=vec)


CAL = Calibration(no_evidence=0.4, answered=0.5, relative=0.65)


def test_a_lead_that_only_restates_the_question_brings_the_unit_after_it() -> None:
    question = analyse("What happened in the review where the family said staff had been racist?")
    echo = scored("In one review, the family said staff had been racist.", 0.8, 0)
    follow = scored(
        "The review called the complaints groundless without looking into them.", 0.3, 1
    )
    other = scored("Reviews rarely record a child's ethnicity or ask about identity.", 0.6, 2)
    assert echoes(echo, question)
    assert continuation(echo, [echo, other, follow]) is follow
    lead, _rest = choose([echo, other, follow], question, CAL)
    assert lead == (echo, follow)


def test_a_lead_that_adds_to_the_question_stands_alone() -> None:
    question = analyse("What did the review find about the family's complaints?")
    best = scored(
        "The review called the family's complaints groundless without any inquiry.", 0.8, 0
    )
    after = scored(
        "Staff had recorded the family's ethnicity at the first visit to the home.", 0.3, 1
    )
    assert not echoes(best, question)
    lead, _rest = choose([best, after], question, CAL)
    assert lead == (best,)


def test_near_units_that_say_something_new_are_not_redundant() -> None:
    same = [1.0, 0.0]
    always = scored(
        "The safeguarding lead or a deputy should always be available to staff.", 0.8, 0, same
    )
    absent = scored(
        "If the safeguarding lead is not available, this should not delay appropriate action.",
        0.7,
        1,
        same,
    )
    copy = scored("The safeguarding lead or a deputy should always be available.", 0.7, 2, same)
    assert not redundant(absent, always)
    assert redundant(copy, always)


@pytest.mark.parametrize(
    "text",
    [
        "See also the adultification briefing in this library.",
        "See the annual report briefing for the figures.",
        "Only this list was available; the detailed learning points were not.",
        "The topic page and two older briefings were available only in part.",
        "The annual reports themselves were not available; figures come from press releases.",
        "This library does not reproduce her statement.",
        "Only this one secondary source was available, so the figures may be incomplete.",
        "These figures should be checked against the report before they are relied on.",
        "The full report was not available to check the table's exact wording.",
        "The available sources do not report the ethnic make-up of the 23 cases.",
        "The cases are not mainly about race, and the sources available do not report it.",
        "For further information about upskirting see Annex B.",
        "Findings on fathers could not be confirmed from the sources available and are left out.",
        "None of the sources available here confirm how the report discusses this.",
        "The ethnicity table comes from secondary sources, so treat it with care.",
        "Figures are as reported by the sources listed; compare them with care.",
    ],
)
def test_pointers_and_notes_on_what_was_read_are_context(text: str) -> None:
    assert is_context(text)


@pytest.mark.parametrize(
    "text",
    [
        "Seeing the child alone was essential to understanding her experience.",
        "Interpreters were not available in the area at weekends.",
        "The reviews were not read by the managers who signed them off.",
        "The Panel found that the sources of risk did not appear in records.",
        "Reviews did not report ethnicity for 16 of the children.",
    ],
)
def test_findings_that_use_the_same_words_are_not_context(text: str) -> None:
    assert not is_context(text)


def test_a_short_title_labels_the_statements_after_it() -> None:
    found = units(
        "Inter-Adultification Model. Introduced in a 2022 paper, it asks practitioners to stay "
        "curious. It builds in intersectionality, prompting wider questions.\n\n"
        "Extrafamilial harm. Harm outside the family, more often affecting boys this year."
    )
    by_text = {u.text: u.kind for u in found}
    assert (
        by_text[
            "Inter-Adultification Model. Introduced in a 2022 paper, it asks practitioners "
            "to stay curious."
        ]
        == "labelled"
    )
    assert any(t.endswith("prompting wider questions.") and t.startswith("Inter-") for t in by_text)
    assert (
        by_text["Extrafamilial harm. Harm outside the family, more often affecting boys this year."]
        == "labelled"
    )
    assert not any(t.startswith(("Introduced", "It builds", "Harm outside")) for t in by_text)


@pytest.mark.parametrize(
    ("first", "title"),
    [
        ("HM Inspectorate of Constabulary, Fire & Rescue Services glossary.", True),
        ("Training.", True),
        ("Davis in interview (Farrer & Co).", True),
        ("Schools and colleges play a crucial role in education.", False),
        ("The review was late.", False),
        ("Staff failed to act quickly.", False),
        ("Black children are over-represented in reviews.", False),
    ],
)
def test_a_verbless_opening_line_is_a_label_for_the_next_sentence(first: str, title: bool) -> None:
    found = texts(f"{first} The glossary treats adultification as a form of bias against children.")
    joined = f"{first} The glossary treats adultification as a form of bias against children."
    assert (joined in found) is title
    assert (first in found) is not title


@pytest.mark.parametrize(
    "sentence",
    [
        "If you work in a public sector organisation, it is likely that public task is the basis.",
        "When practitioners disagree, they should escalate the concern to a manager.",
        "In most cases, it is important that the child is seen alone by the social worker.",
    ],
)
def test_a_pronoun_inside_its_own_sentence_needs_no_antecedent(sentence: str) -> None:
    assert texts(sentence) == [sentence]


TABLE = (
    "Ethnicity of children\n\nShares reported for the year:\n\n"
    "Group | Share of reviews | Share of population\n\n"
    "Black or Black British | 10% | 6%\n\n"
    "Asian or Asian British | 5% | 12%\n\n"
    "So Black children were over-represented, while Asian children were under-represented. "
    "The report's own table was not seen."
)


def test_a_table_is_one_unit_with_its_header_and_lead_in() -> None:
    found = [u for u in units(TABLE) if u.kind == "list"]
    assert found, "the table gives no unit"
    table = found[0].text.splitlines()
    assert table[0] == "Shares reported for the year:"
    assert table[1].startswith("Group | Share of reviews")
    assert table[-1] == "Asian or Asian British | 5% | 12%"  # the last row is a row, not a heading
    assert not any(" | " in u.text for u in units(TABLE) if u.kind != "list")


def test_a_table_without_a_lead_in_is_still_a_unit() -> None:
    text = "A finding stated on its own here.\n\nArea | Count\n\nNorth | 4\n\nSouth | 7"
    assert "Area | Count\nNorth | 4\nSouth | 7" in texts(text)


def test_a_reference_after_a_table_reads_the_table() -> None:
    joined = [t for t in texts(TABLE) if t.endswith("under-represented.")]
    assert joined and "Asian or Asian British | 5% | 12%" in joined[0]
    # alone, "So ..." would have no antecedent: it is not a unit by itself
    assert not any(t.startswith("So Black") for t in texts(TABLE))


def test_a_reference_after_a_list_reads_the_list() -> None:
    text = (
        "The review named two themes:\n\n- Identity was not explored.\n\n- Voice was missing.\n\n"
        "These themes recur across the sample of reviews."
    )
    assert any(
        t.startswith("The review named") and t.endswith("sample of reviews.") for t in texts(text)
    )


@pytest.mark.parametrize(
    ("question", "work"),
    [
        ("What did the Casey review of the Metropolitan Police find?", "Casey"),
        ("What does the Rochdale serious case review conclude?", "Rochdale"),
        ("Summarise the Laming Inquiry.", "Laming Inquiry"),
        ("What is in Ofsted's annual report?", "Ofsted"),
        ("How did the Panel respond to the death of Baby P?", "Baby P"),
        ("What happened in the case of Star Hobson?", "Star Hobson"),
        ("Was Child LH known to children's services?", "Child LH"),
    ],
)
def test_a_name_that_titles_a_document_is_the_questions_topic(question: str, work: str) -> None:
    found = {s.label: s.work for s in analyse(question).subjects if s.name}
    assert found[work] is True
    assert not any(w for label, w in found.items() if label != work)


def test_a_name_that_does_not_title_a_document_is_not_a_work() -> None:
    found = {s.label: s.work for s in analyse("What did Louise Casey say about the Met?").subjects}
    assert found.get("Louise Casey") is False


def test_a_numbered_paragraph_can_lead_in_a_list_and_a_cut_off_tail_is_left_out() -> None:
    text = (
        "135. The risks can be put into three areas:\n\n"
        "content: being shown harmful material online.\n\n"
        "contact: being approached by adults who mean harm.\n\n"
        "conduct: behaviour online that causes harm. If you feel your pupils are"
    )
    lists = [u.text for u in units(text) if u.kind == "list"]
    assert lists == [
        "The risks can be put into three areas:\n"
        "content: being shown harmful material online.\n"
        "contact: being approached by adults who mean harm.\n"
        "conduct: behaviour online that causes harm."
    ]


@pytest.mark.parametrize(
    ("question", "head"),
    [
        ("What does the library say about sextortion of Black teenage boys?", "sextortion"),
        ("What have reviews found about knife crime among teenagers?", "crime"),
        ("What did reviews say about adultification?", "adultification"),
    ],
)
def test_the_head_of_the_topic_phrase_is_found(question: str, head: str) -> None:
    from assistant.text.question import topic_heads

    assert topic_heads(question) == (head,)


def test_a_national_or_ethnic_origin_is_a_group_even_opening_the_question() -> None:
    found = {s.label: s.group for s in analyse("Chinese heritage children: any findings?").subjects}
    assert found.get("Chinese") is True


def test_a_topic_head_no_subject_names_becomes_one() -> None:
    from assistant.text.question import head_subjects

    question = "What is the learning on self-harm among Black teenage girls?"
    heads = head_subjects(question, analyse(question).subjects)
    assert [(s.label, s.phrase) for s in heads] == [("self-harm", "self harm")]


@pytest.mark.parametrize(
    ("question", "compound"),
    [
        ("What have reviews found about knife crime among teenagers?", "knife crime"),
        ("Does the library have anything on honour-based abuse?", "honour-based abuse"),
        # a group is judged as a group, and a common modifier names no kind of topic
        ("What does the library say about Black boys?", None),
        ("What does the library say about the main points?", None),
    ],
)
def test_a_topic_whose_modifier_names_its_kind_is_a_subject(
    question: str, compound: str | None
) -> None:
    from assistant.text.question import compound_subjects

    found = [s.label for s in compound_subjects(question, analyse(question).subjects)]
    assert found == ([compound] if compound else [])


@pytest.mark.parametrize(
    ("question", "work"),
    [
        ("How does the Equality Act 2010 apply to decisions about Black children?", "Equality Act"),
        ("What does the advice say about disclosures under Clare's Law?", "Clare"),
        ("What did the inquiry into child sexual exploitation in Rotherham find?", "Rotherham"),
    ],
)
def test_a_law_or_a_place_naming_an_inquiry_is_a_named_work(question: str, work: str) -> None:
    found = {s.label: s.work for s in analyse(question).subjects}
    assert found.get(work) is True


def test_a_place_that_names_no_work_is_not_one() -> None:
    found = {s.label: s.work for s in analyse("What did reviews in Rotherham find?").subjects}
    assert found.get("Rotherham") is False


def test_a_longer_group_name_replaces_the_shorter_one_it_holds() -> None:
    labels = [s.label for s in analyse("Irish Traveller children and exclusion?").subjects]
    assert "Irish Traveller" in labels and "Traveller" not in labels


def test_one_of_the_following_is_a_choice_not_a_count() -> None:
    from assistant.text.units import stated_count

    assert stated_count("You may share when one of the following conditions exists:") is None
    assert stated_count("The seven golden rules are:") == 7
    found = texts(
        "You may share when one of the following conditions exists:\n\n"
        "• you are legally required to share it\n\n"
        "• there is an overriding public interest\n\n"
        "• the person has consented."
    )
    assert any("overriding public interest" in t and "consented" in t for t in found)


def test_a_unit_not_found_on_its_chunks_pages_is_never_scored() -> None:
    from assistant.evidence.selector import EvidenceSelector
    from assistant.types import Page
    from tests.fakes import HashingEmbedder

    chunk = Chunk(
        "d#0", "d", 0, "Staff deferred to the police. Nobody asked the girl.", 2, 2, "2", "2"
    )
    passage = Passage(chunk, DOC, 1.0, 1, dense_score=0.9)

    class Pages:  # an index whose page 2 prints only the first sentence
        units = None
        documents = [DOC]
        chunks = [chunk]

        def pages(self, doc_id: str) -> list[Page]:
            return [Page("d", 2, "2", "Staff deferred to the police. Page footer")]

    embedder = HashingEmbedder(dimensions=64)
    selector = EvidenceSelector(Pages(), embedder, CAL)  # type: ignore[arg-type]
    vector = np.asarray(embedder.embed_query("Who deferred to the police?"), np.float32)
    found = [s.unit.text for s in selector.score(analyse("Who deferred?"), [passage], vector)]
    assert found == ["Staff deferred to the police."]


def test_a_sentence_listing_after_a_colon_answers_a_list_question() -> None:
    from assistant.evidence.kinds import kind_matches

    six = Unit(
        "Six practice themes: the child's daily life; reluctant engagement; challenge; "
        "changing risk; information sharing; and leadership.",
        "labelled",
        0,
        0,
    )
    three = Unit(
        "Three themes were chosen: mental health, babies and harm outside.", "sentence", 0, 0
    )
    assert kind_matches(analyse("What were the six practice themes?"), six)
    assert not kind_matches(analyse("What were the four practice themes?"), six)
    assert kind_matches(analyse("What are the three themes?"), three)
    assert not kind_matches(
        analyse("What are the three themes?"), Unit("The themes: see below.", "sentence", 0, 0)
    )


def test_note_asterisks_stay_in_a_quote_and_markdown_bold_does_not() -> None:
    found = texts(
        "**Fostering.** A private fostering arrangement in which someone who is not a close "
        "relative* looks after the child for 28 days or more** (section 66)***"
    )
    assert any("28 days or more** (section 66)***" in t for t in found)
    assert not any(t.startswith("**") for t in found)


def test_a_condition_question_is_answered_by_a_condition() -> None:
    from assistant.evidence.kinds import kind_matches

    question = analyse("When can I share something told to me in confidence?")
    assert question.kind == "condition"
    assert kind_matches(
        question, Unit("You may share it if a court orders you to.", "sentence", 0, 0)
    )
    assert not kind_matches(question, Unit("The duty applies to confidences.", "sentence", 0, 0))


def test_a_pointer_to_further_information_is_context() -> None:
    assert is_context("Further information about the duty can be found in the NHS guidance.")
    assert not is_context("Further checks are needed before a child is placed.")


def test_british_past_forms_and_apostrophe_less_stop_words_meet_their_usual_forms() -> None:
    from assistant.text.terms import stems

    assert stems("smelt") == stems("smelled") and stems("learnt") == stems("learned")
    assert stems("whats the link") == stems("what's the link") == ["link"]
    assert stems("bus news") == ["bus", "news"]  # words that only end like a plural


def test_what_happened_after_an_event_brings_the_text_after_the_unit_naming_it() -> None:
    question = analyse("What happened when parents told the school their son was being bullied?")
    event = scored("In one case, a mother reported to teachers that her child was bullied.", 0.8, 0)
    after = scored("Teachers logged the report but took no further action that term.", 0.3, 1)
    other = scored("Reviews rarely record a child's ethnicity or ask about identity.", 0.6, 2)
    assert not echoes(event, question)  # it adds words: a paraphrase, not an echo
    lead, _rest = choose([event, other, after], question, CAL)
    assert lead == (event, after)


def test_only_the_first_part_of_a_compound_question_asks_what_followed() -> None:
    question = analyse("How many children did the review draw on, and how did the council respond?")
    best = scored("The review drew on the cases of 40 children across the county.", 0.8, 0)
    after = scored("Not noticed, not believed.", 0.3, 1)
    lead, _rest = choose([best, after], question, CAL)
    assert lead == (best,)


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("Public Health England: Every Mind Matters", False),  # a title: names, says nothing
        ("ICO Guidance: Children and the UK GDPR", False),
        ("Working together 2023: statutory guidance (publishing.service.gov.uk)", False),
        ("Period: serious incidents that happened between January 2022 and March 2024.", True),
        ("Outcomes: 27 of the 53 children died.", True),
        ("Article 3: the right to freedom from inhuman and degrading treatment", True),
        ("Enabler: Multi-agency working is prioritised and effective", True),
        # a label that is a clause introduces what follows, title-cased or not
        ("Alternatively, staff can write to: National Society for the Prevention of Cruelty", True),
    ],
)
def test_a_resource_entry_is_not_a_labelled_statement(line: str, kept: bool) -> None:
    assert any(u.text == line for u in units(line)) is kept


def test_an_example_is_quoted_with_the_statement_it_illustrates() -> None:
    found = [
        u.text
        for u in units(
            "Sharing is not dependant on any thresholds for intervention. For example, no formal "
            "enquiry needs to be opened first.\n\nFor instance, schools can share records early."
        )
    ]
    assert (
        "Sharing is not dependant on any thresholds for intervention. For example, no formal "
        "enquiry needs to be opened first." in found
    )
    assert "For example, no formal enquiry needs to be opened first." not in found
    # with nothing before it in its paragraph, the example stands alone
    assert "For instance, schools can share records early." in found


def test_footnotes_citing_web_pages_are_not_a_table() -> None:
    found = units(
        "Data is stored safely.\n\n39 Special category data | ICO\n\n"
        "40 Law enforcement processing: Part 3 DPA 2018 | ICO\n\n"
        "Group | Children\n\nBlack | 14\n\nMixed | 9"
    )
    assert [u.text for u in found if u.kind == "list"] == [
        "Group | Children\nBlack | 14\nMixed | 9"
    ]
    assert not any("ICO" in u.text for u in found)


def test_footnotes_run_together_are_split_at_the_next_number() -> None:
    found = units(
        "11 UKCIS guidance: Sharing nudes and semi-nudes advice for education settings 12 For "
        "further information about upskirting see Annex B."
    )
    texts = {u.text: u.context for u in found}
    assert texts["For further information about upskirting see Annex B."] is True  # a pointer
    assert not any("settings 12" in t for t in texts)
    # a count inside a sentence is not a footnote's number
    (kept,) = units("40 LCSPRs were analysed in 2023 and 41 Reviews found gaps in them.")
    assert kept.text == "40 LCSPRs were analysed in 2023 and 41 Reviews found gaps in them."


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Sexual Offences Act 2003 (Legislation.gov.uk).", False),  # a link, stating nothing
        ("Staff must refer concerns under section 47 (s.47) without delay.", True),
        ("Some reviews (e.g. in Hackney) named racism directly and in detail.", True),
    ],
)
def test_a_sentence_that_is_a_link_is_not_quoted(text: str, kept: bool) -> None:
    assert any(u.text == text for u in units(text)) is kept
