"""Loaders on the real DfE PDFs in ../shared/corpus/real (skipped when ../shared is absent).

What the PDFs hold, checked with pypdfium2: none defines /PageLabels; every page but the cover
prints its number as the first line of its text, equal to its physical index; contents pages are
2-3 (KCSIE, information sharing) and 2 (national framework); each has an outline.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from assistant.settings import Settings
from ingest.loaders import load
from ingest.metadata import make_doc_id, resolve_document
from ingest.model import LoadedDocument

pytestmark = pytest.mark.shared

KCSIE = "dfe_keeping_children_safe_in_education_2025.pdf"
SHARING = "dfe_information_sharing_advice_safeguarding_practitioners_2024.pdf"
FRAMEWORK = "dfe_childrens_social_care_national_framework_2023.pdf"
EXPECTED = {  # file: (pages, contents pages, title)
    KCSIE: (187, [2, 3], "Keeping children safe in education 2025"),
    SHARING: (28, [2, 3], None),
    FRAMEWORK: (66, [2], "Children's social care national framework"),
}


@pytest.fixture(scope="module")
def loaded(real_pdfs: Path) -> dict[str, LoadedDocument]:
    settings = Settings(_env_file=None)
    return {name: load(real_pdfs / name, settings) for name in EXPECTED}


def _raw_first_lines(path: Path) -> list[str]:
    document = pdfium.PdfDocument(str(path))
    try:
        out = []
        for i in range(len(document)):
            text = document[i].get_textpage().get_text_range()
            out.append(text.strip().splitlines()[0].strip() if text.strip() else "")
        return out
    finally:
        document.close()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_page_counts(loaded: dict[str, LoadedDocument], name: str) -> None:
    pages = loaded[name].pages
    assert len(pages) == EXPECTED[name][0]
    assert [p.index for p in pages] == list(range(1, EXPECTED[name][0] + 1))
    assert loaded[name].metadata["page_count"] == EXPECTED[name][0]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_labels_match_the_numbers_printed_on_the_pages(
    loaded: dict[str, LoadedDocument], real_pdfs: Path, name: str
) -> None:
    printed = _raw_first_lines(real_pdfs / name)
    labels = [p.label for p in loaded[name].pages]
    assert labels == [str(i) for i in range(1, len(labels) + 1)]
    matching = [i for i, line in enumerate(printed[1:], start=2) if line == labels[i - 1]]
    assert len(matching) == len(labels) - 1  # every page after the cover prints its label


@pytest.mark.parametrize("name", list(EXPECTED))
def test_printed_page_numbers_are_gone_from_cleaned_text(
    loaded: dict[str, LoadedDocument], name: str
) -> None:
    document = loaded[name]
    for page in document.pages[1:]:
        assert not re.match(rf"{re.escape(page.label)}\s", page.text), page.index
    for block in document.blocks:
        assert block.text.strip() != block.page_label
    assert any("running headers, footers and page numbers removed" in w for w in document.warnings)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_contents_pages_are_dropped(loaded: dict[str, LoadedDocument], name: str) -> None:
    contents = EXPECTED[name][1]
    document = loaded[name]
    assert not [b for b in document.blocks if b.page_index in contents]
    span = f"{contents[0]}-{contents[-1]}" if len(contents) > 1 else str(contents[0])
    assert f"contents pages dropped: {span}" in document.warnings
    after = contents[-1] + 1
    assert any(b.page_index == after for b in document.blocks)


def test_outline_headings_become_heading_paths(loaded: dict[str, LoadedDocument]) -> None:
    document = loaded[KCSIE]
    headings = [b for b in document.blocks if b.kind == "heading"]
    assert len(headings) > 200
    part_one = next(b for b in headings if b.text.startswith("Part one: Safeguarding information"))
    assert (part_one.level, part_one.page_index, part_one.heading_path) == (1, 7, ())
    staff = next(
        b for b in document.blocks if b.text.startswith("5. All staff have a responsibility")
    )
    assert staff.heading_path[0] == "Part one: Safeguarding information for all staff"
    assert staff.heading_path[-1] == "The role of school and college staff"


def test_line_end_hyphens_are_kept_in_compounds(loaded: dict[str, LoadedDocument]) -> None:
    text = "\n".join(p.text for p in loaded[FRAMEWORK].pages)
    assert "multi-agency" in text
    assert "multiagency" not in text
    assert "\ufffe" not in text


@pytest.mark.parametrize("name", list(EXPECTED))
def test_resolved_metadata(loaded: dict[str, LoadedDocument], name: str) -> None:
    document = loaded[name]
    doc = resolve_document(
        document,
        doc_id=make_doc_id(document.path, document, None),
        manifest_entry=None,
        source_path=str(document.path),
        is_demo=False,
    )
    assert doc.doc_id == Path(name).stem.replace("_", "-")
    assert doc.doc_type == "guidance"
    assert doc.publisher in ("DfE", "Department for Education")
    assert doc.year == int(Path(name).stem[-4:])
    assert doc.page_count == EXPECTED[name][0]
    if EXPECTED[name][2]:
        assert doc.title == EXPECTED[name][2]


def test_news_text(real_pdfs: Path) -> None:
    path = real_pdfs / "news-health-visitors-race-safeguarding-2025.txt"
    if not path.is_file():
        pytest.skip(f"missing {path}")
    document = load(path, Settings(_env_file=None))
    assert len(document.pages) == 1
    assert len(document.blocks) > 10
    assert document.blocks[0].text.startswith("Health visitors have been urged")
    doc = resolve_document(
        document, doc_id="news", manifest_entry=None, source_path=str(path), is_demo=False
    )
    assert (doc.doc_type, doc.year) == ("news", 2025)


@pytest.mark.parametrize("name", [SHARING, FRAMEWORK])
def test_font_size_headings_agree_with_the_outline(real_pdfs: Path, name: str) -> None:
    """The fallback for PDFs without bookmarks, checked against PDFs that have them."""
    from ingest.loaders.pdf_headings import font_headings

    document = pdfium.PdfDocument(str(real_pdfs / name))
    try:
        outline = {b.get_title().strip().lower() for b in document.get_toc()}
        found = {m.title.lower() for m in font_headings(document)}
    finally:
        document.close()
    agreed = found & outline
    assert len(agreed) >= 0.9 * len(outline)  # recall
    assert len(agreed) >= 0.85 * len(found)  # precision


@pytest.mark.parametrize("name", list(EXPECTED))
def test_cleaning_loses_no_words(
    loaded: dict[str, LoadedDocument], real_pdfs: Path, name: str
) -> None:
    """Only furniture (page numbers) and contents pages go: every page's blocks keep the words
    pdfium reads on it (hyphen joins may merge a few)."""
    words = re.compile(r"[A-Za-z]{3,}")
    document = pdfium.PdfDocument(str(real_pdfs / name))
    try:
        raw = [
            len(words.findall(document[i].get_textpage().get_text_range()))
            for i in range(len(document))
        ]
    finally:
        document.close()
    kept: dict[int, int] = {}
    for block in loaded[name].blocks:
        kept[block.page_index] = kept.get(block.page_index, 0) + len(words.findall(block.text))
    assert raw and kept
    for index, count in enumerate(raw, start=1):
        if index not in EXPECTED[name][1]:
            assert kept.get(index, 0) >= 0.97 * count, index


@pytest.mark.parametrize("name", list(EXPECTED))
def test_outline_entries_are_found_as_headings(
    loaded: dict[str, LoadedDocument], real_pdfs: Path, name: str
) -> None:
    document = pdfium.PdfDocument(str(real_pdfs / name))
    try:
        pages = [b.get_dest().get_index() + 1 for b in document.get_toc()]
    finally:
        document.close()
    expected = [p for p in pages if p not in EXPECTED[name][1]]  # contents pages are dropped
    headings = [b for b in loaded[name].blocks if b.kind == "heading"]
    assert len(headings) >= 0.97 * len(expected)
