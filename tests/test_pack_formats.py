"""Each pack format opened with its own library: DOCX (python-docx), PPTX (python-pptx), PDF (pypdf),
Markdown (markdown-it-py). Structure is checked, and every quote appears whole."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

from assistant.packs.formats import outline, render
from assistant.packs.formats.to_markdown import escape
from assistant.packs.question_bank import load_bank
from assistant.packs.session import draft_pack
from tests.packs_support import small_assistant


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    source = small_assistant(tmp_path_factory.mktemp("formats-build"))
    made = datetime(2026, 1, 2, tzinfo=UTC)
    pack = draft_pack(
        source, "What do reviews say about adultification bias?", load_bank(), made=made
    )
    assert pack.points and pack.summaries and pack.questions, "the fixture pack must be full"
    return pack


@pytest.fixture(scope="module")
def empty_pack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    source = small_assistant(tmp_path_factory.mktemp("formats-empty"))
    return draft_pack(source, "What do reviews say about lighthouse keepers?", load_bank())


def test_docx_has_real_headings_quotes_and_a_header_row(pack: Any) -> None:
    from docx import Document

    doc = Document(io.BytesIO(render(pack, "docx")))
    headings = [
        (p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings[0] == ("Heading 1", pack.title)
    level2 = [text for style, text in headings if style == "Heading 2"]
    for section in (outline.SEARCHED, outline.AIMS, outline.POINTS, outline.SUMMARIES):
        assert section in level2
    assert (
        outline.QUESTIONS in level2 and outline.COMPARISON in level2 and outline.SOURCES in level2
    )
    quotes = [p.text for p in doc.paragraphs if p.style.name == "Quote"]
    for point in pack.points:
        assert point.quote in quotes
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == list(outline.COMPARISON_HEADERS)
    assert len(table.rows) == len(pack.comparison.rows) + 1
    assert b"w:tblHeader" in table.rows[0]._tr.xml.encode()
    assert doc.core_properties.title == pack.title


def test_pptx_has_one_slide_per_point_with_the_citation_in_the_notes(pack: Any) -> None:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(render(pack, "pptx")))
    slides = list(deck.slides)
    assert slides[0].shapes.title.text == pack.title
    point_slides = [s for s in slides if s.shapes.title.text.startswith(outline.POINTS)]
    assert len(point_slides) == len(pack.points)
    for slide, point in zip(point_slides, pack.points, strict=True):
        body = slide.placeholders[1].text_frame.text
        assert point.quote in body
        notes = slide.notes_slide.notes_text_frame.text
        assert outline.citation_line(point.citation) in notes
        assert f"page {point.citation.page_start}" in notes
    titles = [s.shapes.title.text for s in slides]
    assert outline.QUESTIONS in titles and outline.SOURCES in titles and outline.SEARCHED in titles


def test_pdf_has_pages_text_and_tags(pack: Any) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(render(pack, "pdf")))
    assert len(reader.pages) >= 1
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert pack.title in text
    for section in (outline.POINTS, outline.QUESTIONS, outline.SOURCES):
        assert section in text
    first_words = " ".join(pack.points[0].quote.split()[:6])
    assert first_words in text
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog, "the PDF is tagged"
    assert catalog.get("/Lang") == "en-GB"
    assert reader.metadata.title == pack.title


def test_markdown_quotes_are_blockquotes_and_metadata_is_escaped(pack: Any) -> None:
    from markdown_it import MarkdownIt

    text = render(pack, "md").decode("utf-8")
    html = MarkdownIt().render(text)
    assert html.count("<blockquote>") == len(pack.points) + sum(
        len(s.quotes) for s in pack.summaries
    )
    assert html.startswith("<h1>")
    assert "<h2>" + outline.POINTS + "</h2>" in html


def test_markdown_escape_defuses_markup() -> None:
    from markdown_it import MarkdownIt

    hostile = "# Title *bold* [link](https://evil.example) <script>x</script> | pipe"
    html = MarkdownIt().render(escape(hostile))
    assert "<h1>" not in html and "<em>" not in html and "<a " not in html
    assert "<script>" not in html
    assert "Title" in html and "pipe" in html


@pytest.mark.parametrize("name", ["md", "docx", "pptx", "pdf"])
def test_an_empty_pack_is_short_in_every_format(empty_pack: Any, name: str) -> None:
    assert empty_pack.status == "nothing"
    data = render(empty_pack, name)
    assert data
    if name == "md":
        text = data.decode("utf-8")
        assert outline.SEARCHED in text and outline.POINTS not in text
        assert "does not fill the gap" in text
        assert len(text.splitlines()) < 40
