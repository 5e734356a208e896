"""The extractive answerer over evidence selection: lead first, then quotes grouped by document,
every quote verbatim on its cited page, few and not repeated."""

from __future__ import annotations

import re

import pytest

from assistant.evidence.calibration import Calibration
from assistant.evidence.selector import EvidenceSelector
from assistant.generation import AnswererParts, make_answerer
from assistant.generation.base import Draft
from assistant.generation.extractive import ExtractiveAnswerer, document_line
from assistant.prompts import core_message
from assistant.retrieval import Retriever
from assistant.settings import Settings
from assistant.text.normalisation import quote_key
from assistant.text.quotable import split, split_block
from assistant.text.units import quotable
from tests.answering_support import markdown_specs, write_pages_build
from tests.conftest import DEMO_LIBRARY

QUESTIONS = [
    "How many reviews did the Panel analyse for It's silent?",
    "What are the three lead recommendations of It's silent?",
    "What did the Child Q review conclude about racism?",
    "What is adultification bias?",
    "How quickly must a local authority notify the Panel of a serious incident?",
    "Who are the Lead Safeguarding Partners?",
    "What risk factors did the NSPCC briefing identify about culture and faith?",
    "What changes to strip searches did the Home Office propose?",
    "What was the central recommendation of the national review about Arthur and Star?",
    "How many cases did It was hard to escape examine?",
    "What did the Victoria Climbie inquiry say about race and culture?",
    "What role does supervision play?",
    "How are Black children represented in serious case reviews?",
    "What does intrafamilial child sexual abuse look like for minoritised children?",
    "What are the spotlight themes of the annual report?",
]
ANY = Calibration(no_evidence=-1.0, answered=-1.0, relative=0.75)  # the hashing embedder's scale
MARKED = re.compile(r"(.+?) \[(\d+)\]", re.DOTALL)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.fakes import HashingEmbedder

    embedder = HashingEmbedder(dimensions=256)
    settings = Settings(data_dir=tmp_path_factory.mktemp("extractive"), _env_file=None)
    index = write_pages_build(settings, markdown_specs(DEMO_LIBRARY.glob("*.md")), embedder)
    retriever = Retriever(index, embedder)
    selector = EvidenceSelector(index, embedder, ANY)
    answerer = ExtractiveAnswerer(selector, index.pages)
    return index, retriever, answerer


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_quote_is_verbatim_on_its_cited_page(demo, question: str) -> None:  # type: ignore[no-untyped-def]
    index, retriever, answerer = demo
    passages = retriever.search(question, 8)
    draft = answerer.answer(question, passages)
    assert draft.generator == "extractive"
    assert draft.citations, question
    assert [c.n for c in draft.citations] == list(range(1, len(draft.citations) + 1))
    chunks = {p.chunk.chunk_id: p.chunk for p in passages}
    for citation in draft.citations:
        assert f"{citation.quote} [{citation.n}]" in draft.text
        # a quote begins in its chunk (it may read on into the next one, on the same page)
        first_line = quote_key(citation.quote.split("\n")[0])[:60]
        assert first_line in quote_key(chunks[citation.chunk_id].text)
        page_text = " ".join(
            p.text
            for p in index.pages(citation.doc_id)
            if citation.page_index_start <= p.index <= citation.page_index_end
        )
        assert quote_key(citation.quote) in quote_key(page_text)


@pytest.mark.parametrize("question", QUESTIONS)
def test_only_quotes_and_fixed_lines_are_written(demo, question: str) -> None:  # type: ignore[no-untyped-def]
    """Every line is a quote with its marker, a document line, or a canned sentence."""
    _, retriever, answerer = demo
    draft = answerer.answer(question, retriever.search(question, 8))
    text = draft.text
    for citation in draft.citations:
        text = text.replace(f"{citation.quote} [{citation.n}]", "")
    documents = {c.doc_id for c in draft.citations}
    allowed = {core_message("sources_heading")}
    leftover = [line.strip() for line in text.splitlines() if line.strip()]
    for line in leftover:
        assert line in allowed or line.endswith(":") or line.startswith("The "), line
    assert len(documents) >= 1


def test_the_lead_comes_first_and_groups_follow_by_document(demo) -> None:  # type: ignore[no-untyped-def]
    _, retriever, answerer = demo
    question = "How are Black and Asian children represented in reviews?"
    draft = answerer.answer(question, retriever.search(question, 8))
    assert draft.text.startswith(draft.citations[0].quote)
    head, _, rest = draft.text.partition(core_message("sources_heading"))
    if rest:
        blocks = [b for b in rest.split("\n\n") if b.strip()]
        by_n = {c.n: c.doc_id for c in draft.citations}
        docs = [{by_n[int(n)] for _, n in MARKED.findall(b)} for b in blocks]
        assert all(len(d) == 1 for d in docs)  # one document per block
        flat = [next(iter(d)) for d in docs]
        assert len(flat) == len(set(flat))  # each document once


def test_answers_are_concise(demo) -> None:  # type: ignore[no-untyped-def]
    _, retriever, answerer = demo
    for question in QUESTIONS:
        draft = answerer.answer(question, retriever.search(question, 8))
        assert 1 <= len(draft.citations) <= 4, question
        quotes = [c.quote for c in draft.citations]
        assert len(set(quotes)) == len(quotes)
        for a in quotes:  # no quote contained in another
            assert not any(a != b and quote_key(a) in quote_key(b) for b in quotes)


def test_stream_yields_fragments_then_the_same_draft(demo) -> None:  # type: ignore[no-untyped-def]
    _, retriever, answerer = demo
    question = QUESTIONS[2]
    passages = retriever.search(question, 8)
    items = list(answerer.stream(question, passages))
    assert isinstance(items[-1], Draft)
    assert all(isinstance(i, str) for i in items[:-1])
    assert "".join(items[:-1]).strip() == items[-1].text == answerer.answer(question, passages).text


def test_no_passages_gives_an_empty_draft(demo) -> None:  # type: ignore[no-untyped-def]
    _, _, answerer = demo
    draft = answerer.answer("anything", [])
    assert draft.text == "" and draft.citations == ()


def test_registry_makes_extractive_and_refuses_unknown(demo, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    index, _, answerer = demo
    parts = AnswererParts(
        fake_embedder, index.pages, Settings(_env_file=None), None, answerer.selector
    )
    assert make_answerer("extractive", parts).name == "extractive"
    from assistant.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        make_answerer("oracle", parts)
    with pytest.raises(ConfigurationError):
        make_answerer("llm", parts)  # no chat model


def test_document_line_names_title_year_and_type() -> None:
    from assistant.types import Document

    line = document_line(Document("d", "Child Q review", "/d.pdf", year=2022, doc_type="lcspr"))
    assert line == "Child Q review (2022, lcspr):"
    same_year = document_line(Document("d", "Report (2025)", "/d", year=2025, doc_type="briefing"))
    assert same_year == "Report (2025) (briefing):"


def test_units_come_from_the_build_and_nothing_is_embedded_at_query_time(demo) -> None:  # type: ignore[no-untyped-def]
    index, retriever, _ = demo
    from tests.fakes import HashingEmbedder

    assert index.units is not None and len(index.units) > 0
    embedder = HashingEmbedder(dimensions=256)
    answerer = ExtractiveAnswerer(EvidenceSelector(index, embedder, ANY), index.pages)
    passages = retriever.search(QUESTIONS[0], 8)
    answerer.answer(QUESTIONS[0], passages)
    assert embedder.texts_embedded == 0  # only the question, through embed_query


def test_a_build_without_units_splits_embeds_and_caches_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.build.index import Index
    from assistant.types import Chunk, Document, Page
    from tests.fakes import HashingEmbedder, serve_build

    embedder = HashingEmbedder(dimensions=64)
    settings = Settings(data_dir=tmp_path, _env_file=None)
    text = "The national review looked at two murders in detail. It made eight recommendations."
    doc = Document("d", "Review", "/d.md")
    chunk = Chunk("d#0", "d", 0, text, 1, 1, "1", "1")
    info = serve_build(settings, [doc], [chunk], [Page("d", 1, "1", text)], embedder, units=False)
    index = Index(settings, info.build_id)
    assert index.units is None
    selector = EvidenceSelector(index, embedder, ANY)
    passages = Retriever(index, embedder).search("eight recommendations", 3)
    before = embedder.texts_embedded
    found = selector.units_of(passages)
    assert [u.text for u, _, _ in found] == [
        "The national review looked at two murders in detail.",
        "The national review looked at two murders in detail. It made eight recommendations.",
    ]
    assert embedder.texts_embedded == before + 2
    selector.units_of(passages)
    assert embedder.texts_embedded == before + 2  # cached


# --- sentence splitting (the one shared splitter) --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It was hard. Then it got worse.", ["It was hard.", "Then it got worse."]),
        ("See e.g. the Panel. Dr. Smith agreed.", ["See e.g. the Panel.", "Dr. Smith agreed."]),
        ("J. Davis wrote it. It mattered.", ["J. Davis wrote it.", "It mattered."]),
        (
            'She called it "deeply concerning." Others agreed.',
            ['She called it "deeply concerning."', "Others agreed."],
        ),
        ("The figure was 3.85 per cent. Next one.", ["The figure was 3.85 per cent.", "Next one."]),
        ("Published in 2020. The review followed.", ["Published in 2020.", "The review followed."]),
        (
            "Scores were low for children.10 SDQ scores rose later.",
            ["Scores were low for children.", "SDQ scores rose later."],
        ),
    ],
)
def test_split_block(text: str, expected: list[str]) -> None:
    assert split_block(text) == expected


def test_split_skips_headings_and_strips_list_markers_and_emphasis() -> None:
    text = "# Heading here\n\n- **Bold** item one is long enough.\n- Item two is also long."
    assert [s.text for s in split(text)] == [
        "Bold item one is long enough.",
        "Item two is also long.",
    ]


def test_quotable_excludes_questions_tables_links_and_fragments() -> None:
    assert quotable("The Panel found that race was rarely discussed.")
    assert not quotable("Why was race rarely discussed in these reviews?")
    assert not quotable("Column one | column two | column three")
    assert not quotable("See https://example.org for the full report text.")
    assert not quotable("set off activity at three levels.")
    assert not quotable("Key findings")


def test_a_thinly_covered_name_the_library_holds_is_named_in_its_note(demo) -> None:  # type: ignore[no-untyped-def]
    # the placeholder protects names a user typed that the library does not hold; a name the
    # library itself prints is public, and the note on thin coverage says which it is
    index, retriever, answerer = demo
    question = "What did Georgina Mayes say about the report?"
    selection = answerer.selector.select(question, retriever.search(question, 8))
    assert [label for label, _ in selection.thin] == ["Georgina Mayes"]
    assert all(0 < count <= 3 for _, count in selection.thin)


def test_a_name_must_occur_itself_while_a_topic_word_may_occur_in_another_form(demo) -> None:  # type: ignore[no-untyped-def]
    from assistant.text.question import Subject

    _, _, answerer = demo
    selector = answerer.selector
    assert selector.terms.present("case")  # the library talks about cases ...
    # ... which does not make it hold anything about someone called Casey
    assert not selector.in_library(Subject("Casey", ("casey",), name=True))
    # a topic word still matches its relatives ("conclude" ~ "conclusion")
    assert selector.in_library(Subject("casey", ("casey",)))


def test_two_names_joined_by_a_preposition_are_held_when_each_is(demo) -> None:  # type: ignore[no-untyped-def]
    from assistant.text.question import analyse

    _, _, answerer = demo
    subject = next(
        s
        for s in analyse("What happened to Child C in Waltham Forest?").subjects
        if s.name and "Waltham" in s.label
    )
    assert answerer.selector.in_library(subject)  # the library writes "Child C (Waltham Forest"
    other = next(s for s in analyse("What happened to Child C in Zebulon Vale?").subjects if s.name)
    assert not answerer.selector.in_library(other)


def test_a_group_the_library_never_names_is_what_the_question_is_about(demo) -> None:  # type: ignore[no-untyped-def]
    from assistant.text.question import analyse

    _, _, answerer = demo
    selector = answerer.selector
    question = analyse("Are Somali children over-represented in serious incident notifications?")
    absent = selector.absent(question)
    assert [s.label for s in absent] == ["Somali"]
    assert selector._absent_dominates(question, absent)


def test_a_name_in_much_of_the_library_says_nothing_about_the_question(demo) -> None:  # type: ignore[no-untyped-def]
    from assistant.text.question import Subject

    _, _, answerer = demo
    selector = answerer.selector
    n = selector.terms.n
    assert selector.terms.frequency("panel", slack=0) >= 0.25 * n  # the demo library's Panel
    assert selector._everywhere(Subject("Panel", ("panel",), name=True))
    assert not selector._everywhere(Subject("Ofsted", ("ofst",), name=True))
    # a group is asked about for itself, however much of the library names it
    assert selector.terms.frequency("panel", slack=0) >= 0.25 * n
    assert not selector._everywhere(Subject("Panel", ("panel",), group=True))


def test_a_later_part_pointing_back_is_about_the_absent_subject_too(demo) -> None:  # type: ignore[no-untyped-def]
    from assistant.text.question import analyse

    _, _, answerer = demo
    selector = answerer.selector
    pointing = analyse(
        "What do the reviews say about drill music, and how do police see boys who listen to it?"
    )
    absent = selector.absent(pointing)
    assert "drill music" in [s.label for s in absent]
    assert selector._absent_dominates(pointing, absent)
    # a later part about something else the library holds keeps the question partial
    other = analyse("What do the reviews say about drill music, and how do police see Black boys?")
    assert not selector._absent_dominates(other, selector.absent(other))
