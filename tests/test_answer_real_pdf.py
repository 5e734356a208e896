"""Answers over a real paginated PDF (../shared/corpus/real): quotes verified on printed pages."""

from __future__ import annotations

import pytest

from assistant.pipeline import build_assistant
from assistant.settings import Settings
from assistant.text.normalisation import quote_key

pytestmark = pytest.mark.integration

PDF = "dfe_information_sharing_advice_safeguarding_practitioners_2024.pdf"


@pytest.fixture(scope="module")
def assistant(real_pdfs, real_embedder, tmp_path_factory):  # type: ignore[no-untyped-def]
    from ingest.job import run_ingest

    settings = Settings(data_dir=tmp_path_factory.mktemp("real-pdf"), _env_file=None)
    run_ingest(settings, [real_pdfs / PDF], embedder=real_embedder)
    return build_assistant(settings, embedder=real_embedder)


def test_citations_point_at_the_page_holding_the_quote(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask(
        "Does data protection law prevent sharing information to keep a child safe?"
    )
    assert answer.status == "answered"
    assert answer.citations
    (document,) = assistant.index.documents
    pages = {p.index: p for p in assistant.index.pages(document.doc_id)}
    for c in answer.citations:
        assert c.verified
        assert c.page_index_start == c.page_index_end  # narrowed to one page
        page = pages[c.page_index_start]
        assert c.page_start == page.label
        assert quote_key(c.quote) in quote_key(page.text)
        assert c.viewer_url.startswith(f"/library/{document.doc_id}?page={page.index}&q=")
    assert {c.page_index_start for c in answer.citations} != {1}


def test_a_page_question_on_a_paginated_document_is_not_partial_for_pages(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("On which page are the seven golden rules for sharing information?")
    assert not any("no printed page numbers" in n for n in answer.notices)
    assert answer.citations


def test_a_long_numbered_list_is_answered_item_by_item(assistant) -> None:  # type: ignore[no-untyped-def]
    # the rules are long numbered paragraphs under their own heading, over several chunks: no
    # one unit holds them, so each rule is quoted by its opening sentence, in order
    answer = assistant.ask("What are the seven golden rules for sharing information?")
    assert answer.status in ("answered", "partial")
    assert [u.text.split(".", 1)[0] for u in answer.lead] == [str(k) for k in range(1, 8)]
    assert answer.lead[2].text.startswith("3. You do not need consent to share")
    assert len(answer.citations) == 7 and all(c.verified for c in answer.citations)
    assert {c.page_start for c in answer.citations} == {"4", "5"}
    assert answer.text.count("\n") == 6  # a line each
