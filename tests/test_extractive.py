"""The extractive answerer is faithful by construction: every sentence is a verbatim quote.

Unit tests use the hashing fake embedder over the demo library's Markdown (split into pages by
section, without the ingestion job), so they are fast and need no model.
"""

from __future__ import annotations

import re

import pytest

from assistant.citations import normalise
from assistant.generation import AnswererParts, make_answerer
from assistant.generation.base import Draft
from assistant.generation.extractive import ExtractiveAnswerer, opening, quotable
from assistant.generation.sentences import split, split_block
from assistant.retrieval import Retriever
from assistant.settings import Settings
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
    "What evidence did The myth of invisible men draw on?",
    "What did the Victoria Climbie inquiry say about race and culture?",
    "What role does supervision play?",
    "What are the lessons for schools?",
    "How are Black children represented in serious case reviews?",
    "What did the Institute of Health Visiting say?",
    "Why does the child's voice matter?",
    "What does intrafamilial child sexual abuse look like for minoritised children?",
    "What are the spotlight themes of the annual report?",
    "What is a rapid review?",
]
MARKED = re.compile(r"(.+?) \[(\d+)\]")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.fakes import HashingEmbedder

    embedder = HashingEmbedder(dimensions=256)
    settings = Settings(data_dir=tmp_path_factory.mktemp("extractive"), _env_file=None)
    index = write_pages_build(settings, markdown_specs(DEMO_LIBRARY.glob("*.md")), embedder)
    retriever = Retriever(index, embedder)
    answerer = ExtractiveAnswerer(embedder, index.pages, max_sentences=8)
    return index, retriever, answerer


def _body_quotes(draft: Draft) -> list[tuple[str, int]]:
    head, _, body = draft.text.partition("\n\n")
    assert re.fullmatch(r"From \d+ documents? in the library:", head)
    found = []
    for paragraph in body.split("\n\n"):
        pieces = MARKED.findall(paragraph)
        assert "".join(f"{t} [{n}]" for t, n in pieces).replace("] ", "]") == paragraph.replace(
            "] ", "]"
        ), "text outside quote-and-marker pairs"
        found.extend((t.strip(), int(n)) for t, n in pieces)
    return found


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_sentence_is_a_verbatim_quote_of_its_cited_passage(demo, question: str) -> None:  # type: ignore[no-untyped-def]
    index, retriever, answerer = demo
    passages = retriever.search(question, 8)
    draft = answerer.answer(question, passages)
    assert draft.generator == "extractive"
    quotes = _body_quotes(draft)
    assert 1 <= len(quotes) <= 8
    by_n = {c.n: c for c in draft.citations}
    chunks = {p.chunk.chunk_id: p.chunk for p in passages}
    assert [n for _, n in quotes] == list(range(1, len(quotes) + 1))
    for text, n in quotes:
        citation = by_n[n]
        assert citation.quote == text
        assert normalise(text) in normalise(chunks[citation.chunk_id].text)
        page_text = " ".join(
            p.text
            for p in index.pages(citation.doc_id)
            if citation.page_index_start <= p.index <= citation.page_index_end
        )
        assert normalise(text) in normalise(page_text)
    documents = {c.doc_id for c in draft.citations}
    assert draft.text.startswith(opening(len(documents)))


def test_sentences_are_grouped_by_document(demo) -> None:  # type: ignore[no-untyped-def]
    _, retriever, answerer = demo
    question = "How are Black and Asian children represented in reviews?"
    draft = answerer.answer(question, retriever.search(question, 8))
    _, _, body = draft.text.partition("\n\n")
    by_n = {c.n: c.doc_id for c in draft.citations}
    paragraph_docs = [
        {by_n[int(n)] for _, n in MARKED.findall(paragraph)} for paragraph in body.split("\n\n")
    ]
    assert all(len(docs) == 1 for docs in paragraph_docs)
    flat = [next(iter(d)) for d in paragraph_docs]
    assert len(flat) == len(set(flat))


def test_no_near_duplicate_sentences(demo) -> None:  # type: ignore[no-untyped-def]
    _, retriever, answerer = demo
    for question in QUESTIONS[:8]:
        quotes = [
            c.quote for c in answerer.answer(question, retriever.search(question, 8)).citations
        ]
        assert len(set(quotes)) == len(quotes)


def test_stream_yields_fragments_then_the_same_draft(demo) -> None:  # type: ignore[no-untyped-def]
    _, retriever, answerer = demo
    question = QUESTIONS[2]
    passages = retriever.search(question, 8)
    items = list(answerer.stream(question, passages))
    assert isinstance(items[-1], Draft)
    assert all(isinstance(i, str) for i in items[:-1])
    assert "".join(items[:-1]) == items[-1].text == answerer.answer(question, passages).text


def test_no_passages_gives_an_empty_draft(demo) -> None:  # type: ignore[no-untyped-def]
    _, _, answerer = demo
    draft = answerer.answer("anything", [])
    assert draft.text == "" and draft.citations == ()


def test_max_sentences_is_respected(demo) -> None:  # type: ignore[no-untyped-def]
    index, retriever, _ = demo
    from tests.fakes import HashingEmbedder

    small = ExtractiveAnswerer(HashingEmbedder(dimensions=256), index.pages, max_sentences=2)
    question = QUESTIONS[13]
    assert len(small.answer(question, retriever.search(question, 8)).citations) <= 2


def test_registry_makes_extractive_and_refuses_unknown(demo, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    index, _, _ = demo
    parts = AnswererParts(fake_embedder, index.pages, Settings(_env_file=None))
    assert make_answerer("extractive", parts).name == "extractive"
    from assistant.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        make_answerer("oracle", parts)
    with pytest.raises(ConfigurationError):
        make_answerer("llm", parts)  # no chat model


# --- sentence splitting ---------------------------------------------------------------------------


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
    ],
)
def test_split_block(text: str, expected: list[str]) -> None:
    assert split_block(text) == expected


def test_split_skips_headings_and_strips_list_markers_and_emphasis() -> None:
    text = "## Findings\n\n- **Racism.** The review concluded racism was a factor.\n1. Leaders should act on racism now."
    assert [s.text for s in split(text)] == [
        "The review concluded racism was a factor.",
        "Leaders should act on racism now.",
    ]


def test_quotable_excludes_questions_tables_and_links() -> None:
    assert quotable("The review found the search unjustified.")
    assert not quotable("Does supervision make space to talk about bias?")
    assert not quotable("Black | 10% | 6%")
    assert not quotable("Read the original at https://example.org/report.")
    assert not quotable("Principles of children's social care")  # a heading
    assert quotable("Social and cultural isolation of families;")


def test_sentence_vectors_are_cached_per_chunk(demo) -> None:  # type: ignore[no-untyped-def]
    index, retriever, _ = demo
    from tests.fakes import HashingEmbedder

    embedder = HashingEmbedder(dimensions=256)
    answerer = ExtractiveAnswerer(embedder, index.pages, cache_chunks=100)
    passages = retriever.search(QUESTIONS[0], 8)
    first = answerer.answer(QUESTIONS[0], passages)
    embedded = embedder.texts_embedded
    again = answerer.answer(QUESTIONS[0], passages)
    assert embedder.texts_embedded == embedded  # nothing re-embedded
    assert again.text == first.text
    tiny = ExtractiveAnswerer(embedder, index.pages, cache_chunks=1)
    tiny.answer(QUESTIONS[0], passages)
    assert len(tiny._cache) == 1


def test_a_pronoun_opening_brings_its_antecedent_when_there_is_room(fake_embedder) -> None:  # type: ignore[no-untyped-def]
    from assistant.types import Chunk, Document, Page, Passage

    text = (
        "The national review looked at two murders in detail. "
        "It made eight recommendations about specialist units. "
        "Unrelated weather sentence about rain in spring."
    )
    chunk = Chunk("d#0", "d", 0, text, 1, 1, "1", "1")
    passage = Passage(chunk, Document("d", "Review", "/d.md"), 1.0, 1, dense_score=0.5)
    pages = {"d": [Page("d", 1, "1", text)]}
    answerer = ExtractiveAnswerer(fake_embedder, lambda d: pages[d], max_sentences=3)
    quotes = [
        c.quote
        for c in answerer.answer("eight recommendations specialist units", [passage]).citations
    ]
    assert quotes[:2] == [
        "The national review looked at two murders in detail.",
        "It made eight recommendations about specialist units.",
    ]
