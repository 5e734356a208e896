"""Citation building and verification against a real (tiny) build's pages."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs

import pytest

from assistant.citations import (
    VIEWER_QUOTE_CHARS,
    cite,
    page_of,
    renumber,
    verify,
    verify_text,
    viewer_url,
)
from assistant.generation.base import Draft
from assistant.settings import Settings
from assistant.text.normalisation import quote_key
from assistant.types import Citation, Passage
from tests.answering_support import DocSpec, write_pages_build

PAGE_1 = "The review found that staff deferred to the police.\n\nNo appropriate adult was present."
PAGE_2 = "Racism was “likely to have been an influencing factor” — the review said so."


@pytest.fixture()
def index(tmp_path, fake_embedder):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, _env_file=None)
    specs = [
        DocSpec("child-q", "Child Q review", [PAGE_1, PAGE_2], labels=["ii", "7"]),
        DocSpec(
            "report",
            "A paginated report",
            ["Page one text about strip search.", "Page two text."],
            media_type="pdf",
            url="https://example.org/report.pdf",
        ),
    ]
    return write_pages_build(settings, specs, fake_embedder)


def _passage(index, chunk_id: str) -> Passage:  # type: ignore[no-untyped-def]
    chunk = index.chunk(chunk_id)
    return Passage(chunk=chunk, document=index.document(chunk.doc_id), score=1.0, rank=1)


def _citation(n: int, quote: str, doc_id: str = "child-q", page: int = 1) -> Citation:
    return Citation(
        n=n,
        doc_id=doc_id,
        chunk_id=f"{doc_id}#0",
        title="t",
        quote=quote,
        page_start=str(page),
        page_end=str(page),
        page_index_start=page,
        page_index_end=page,
    )


def test_quote_key_unifies_quotes_dashes_emphasis_and_space() -> None:
    assert quote_key("“likely”  —\n**bold**  it’s") == '"likely" - bold it\'s'


def test_cite_narrows_to_the_page_and_builds_urls(index) -> None:  # type: ignore[no-untyped-def]
    passage = _passage(index, "child-q#1")
    citation = cite(3, passage, "the review said so.", index.pages("child-q"))
    assert (citation.page_index_start, citation.page_start) == (2, "7")
    assert citation.viewer_url == "/library/child-q?page=2&q=the+review+said+so.#q1"
    assert citation.url == ""  # no url known for this document
    pdf = cite(1, _passage(index, "report#0"), "strip search.", index.pages("report"))
    assert pdf.url == "https://example.org/report.pdf#page=1"


def test_one_viewer_url_for_the_core_and_the_chat_page() -> None:
    from web.presenters import citation_view

    quote = "A long   quote,\nover lines & with / slashes. " + "word " * 300
    url = viewer_url("a/b c", 4, quote)
    path, rest = url.split("?", 1)
    query, fragment = rest.split("#")
    assert path == "/library/a%2Fb%20c" and fragment == "q1"
    q = parse_qs(query)["q"][0]
    assert q.startswith("A long quote, over lines & with / slashes. word") and q.endswith("word")
    assert len(q) <= VIEWER_QUOTE_CHARS
    assert viewer_url("d", None, "x").startswith("/library/d?page=1&")  # unknown page: the first
    citation = Citation(2, "a/b c", "a/b c#0", "T", quote, "iv", "iv", 4, 4, viewer_url=url)
    assert citation_view(citation, "turn-1").viewer_url == url


def test_page_of_finds_nothing_for_text_not_on_the_pages(index) -> None:  # type: ignore[no-untyped-def]
    assert page_of("not in the document", index.pages("child-q"), 1, 2) is None


def test_verify_keeps_verbatim_quotes_and_marks_them(index) -> None:  # type: ignore[no-untyped-def]
    quote = 'Racism was "likely to have been an influencing factor" - the review said so.'
    draft = Draft(f"{quote} [1]", (_citation(1, quote, page=2),), "extractive")
    text, citations = verify(draft, index)
    assert text == f"{quote} [1]"
    assert [c.verified for c in citations] == [True]


def test_verify_drops_quotes_not_on_the_cited_page(index) -> None:  # type: ignore[no-untyped-def]
    right = _citation(1, "No appropriate adult was present.", page=1)
    wrong_page = _citation(2, "No appropriate adult was present.", page=2)
    invented = _citation(3, "The police were right to search her.", page=1)
    unknown_doc = _citation(4, "No appropriate adult was present.", doc_id="nope")
    text = "A [1]. B [2]. C [3]. D [4]. E [9]."
    out, citations = verify_text(text, [right, wrong_page, invented, unknown_doc], index)
    assert out == "A [1]. B. C. D. E."
    assert [c.n for c in citations] == [1]


def test_verify_renumbers_densely_in_order_of_appearance(index) -> None:  # type: ignore[no-untyped-def]
    first = _citation(5, "staff deferred to the police.")
    second = _citation(2, "No appropriate adult was present.")
    text, citations = verify_text("X [5] and Y [2]. Again [5][2], [2, 5].", [first, second], index)
    assert text == "X [1] and Y [2]. Again [1][2], [2][1]."
    assert [(c.n, c.quote) for c in citations] == [
        (1, "staff deferred to the police."),
        (2, "No appropriate adult was present."),
    ]


def test_verify_drops_citations_never_marked_in_the_text(index) -> None:  # type: ignore[no-untyped-def]
    unused = _citation(2, "No appropriate adult was present.")
    text, citations = verify_text("Only one [1].", [_citation(1, "staff deferred"), unused], index)
    assert [c.n for c in citations] == [1] and text == "Only one [1]."


def test_empty_quote_is_not_valid(index) -> None:  # type: ignore[no-untyped-def]
    _, citations = verify_text("X [1].", [_citation(1, "   ")], index)
    assert citations == []


def test_renumber_without_checks() -> None:
    a, b = _citation(3, "a"), _citation(7, "b")
    text, citations = renumber("p [7] q [3]", [a, b])
    assert text == "p [1] q [2]"
    assert [(c.n, c.quote) for c in citations] == [(1, "b"), (2, "a")]
    assert replace(citations[0], n=1) == citations[0]
