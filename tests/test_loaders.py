"""Loaders on documents generated at test time: PDF, DOCX, HTML, Markdown, plain text."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import IngestError
from assistant.settings import Settings
from ingest.loaders import SUPPORTED_SUFFIXES, load, sniff
from tests import docgen

FINDING = (
    "Professionals did not ask the family about their experience of racism, and the "
    "safe-\nguarding partners did not record the child's ethnicity or faith."
)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None)


# --- PDF ----------------------------------------------------------------------------------------


@pytest.fixture()
def review_pdf(tmp_path: Path) -> Path:
    pages = [
        "Local Child Safeguarding Practice Review: Child A",
        "This review was commissioned by the partnership after a serious incident.",
        FINDING,
        "The multi-agency plan did not reflect the child's identity or heritage.",
        "The partnership should ensure that race is discussed in supervision.",
    ]
    return docgen.make_pdf(
        tmp_path / "child-a.pdf",
        pages,
        header="Borough Safeguarding Children Partnership",
        footer_text="Child A LCSPR",
        page_labels=[(1, "r", 1), (3, "D", 1)],
        outline=[(2, 1, "Introduction"), (3, 1, "Findings"), (4, 2, "Identity"), (5, 1, "Actions")],
        title="LCSPR Child A",
        author="Borough Safeguarding Children Partnership",
        creation_date="2023-05-04",
    )


def test_pdf_pages_carry_printed_labels(review_pdf: Path, settings: Settings) -> None:
    loaded = load(review_pdf, settings)
    assert loaded.media_type == "pdf"
    assert [(p.index, p.label) for p in loaded.pages] == [
        (1, "i"), (2, "ii"), (3, "1"), (4, "2"), (5, "3"),
    ]  # fmt: skip
    finding = next(b for b in loaded.blocks if "racism" in b.text)
    assert (finding.page_index, finding.page_label) == (3, "1")


def test_pdf_running_header_and_footer_are_removed(review_pdf: Path, settings: Settings) -> None:
    loaded = load(review_pdf, settings)
    for page in loaded.pages:
        assert "Borough Safeguarding Children Partnership" not in page.text
        assert "Child A LCSPR" not in page.text
        assert "Page" not in page.text
    assert all("Child A LCSPR" not in b.text for b in loaded.blocks)


def test_pdf_outline_gives_heading_paths(review_pdf: Path, settings: Settings) -> None:
    loaded = load(review_pdf, settings)
    headings = [(b.text, b.level, b.page_index) for b in loaded.blocks if b.kind == "heading"]
    assert headings == [("Introduction", 1, 2), ("Findings", 1, 3), ("Identity", 2, 4),
                        ("Actions", 1, 5)]  # fmt: skip
    identity = next(b for b in loaded.blocks if "identity or heritage" in b.text)
    assert identity.heading_path == ("Findings", "Identity")
    actions = next(b for b in loaded.blocks if "supervision" in b.text)
    assert actions.heading_path == ("Actions",)


def test_pdf_outline_with_the_title_on_top_keeps_it_out_of_paths(
    tmp_path: Path, settings: Settings
) -> None:
    path = docgen.make_pdf(
        tmp_path / "titled.pdf",
        ["Opening words of the review.", "What happened to the family.", "What we learnt."],
        outline=[(1, 1, "Review of Child G"), (2, 2, "Background"), (3, 2, "Learning")],
    )
    blocks = load(path, settings).blocks
    learnt = next(b for b in blocks if b.text == "What we learnt.")
    assert learnt.heading_path == ("Learning",)
    assert blocks[0].text == "Review of Child G" and blocks[0].kind == "heading"


def test_pdf_hyphenated_line_break_is_joined(review_pdf: Path, settings: Settings) -> None:
    loaded = load(review_pdf, settings)
    finding = next(b for b in loaded.blocks if "racism" in b.text)
    assert "safeguarding partners" in finding.text
    assert "multi-agency plan" in loaded.pages[3].text


def test_pdf_paragraph_gaps_separate_paragraphs(tmp_path: Path, settings: Settings) -> None:
    first = (
        "The first paragraph is long enough to wrap across several lines of the page so that "
        "its last line is as wide as the others and ends in a full stop at the margin here."
    )
    second = "The second paragraph starts after a gap."
    path = docgen.make_pdf(
        tmp_path / "gaps.pdf", [f"{first}\n\n{second}"], footer_with_page_numbers=False
    )
    texts = [b.text for b in load(path, settings).blocks]
    assert texts == [first, second]


def test_pdf_metadata(review_pdf: Path, settings: Settings) -> None:
    meta = load(review_pdf, settings).metadata
    assert meta["pdf_title"] == "LCSPR Child A"
    assert meta["pdf_author"] == "Borough Safeguarding Children Partnership"
    assert meta["pdf_creation_date"] == "2023-05-04"
    assert meta["page_count"] == 5


def test_pdf_digest_is_sha256_of_bytes(review_pdf: Path, settings: Settings) -> None:
    import hashlib

    assert load(review_pdf, settings).digest == hashlib.sha256(review_pdf.read_bytes()).hexdigest()


def test_pdf_without_outline_finds_headings_by_font_size(
    tmp_path: Path, settings: Settings
) -> None:
    bodies = [
        "The review covers the two years before the incident and the agencies involved.",
        "Practitioners did not ask the family about racism or record the child's heritage.",
        "Supervision did not help workers reflect on their assumptions about the family.",
        "The partnership should make race a standing item in multi-agency audits.",
    ]
    path = docgen.make_pdf(
        tmp_path / "no-outline.pdf",
        ["Review of Child E", *bodies],
        header="Borough SCP",
        outline=[
            (2, 1, "Introduction"),
            (3, 1, "Findings"),
            (3, 2, "Race and identity"),
            (4, 2, "Supervision"),
            (5, 1, "Recommendations"),
        ],  # fmt: skip
        bookmarks=False,
    )
    loaded = load(path, settings)
    headings = [(b.text, b.level, b.page_index) for b in loaded.blocks if b.kind == "heading"]
    assert headings == [
        ("Introduction", 1, 2),
        ("Findings", 1, 3),
        ("Race and identity", 2, 3),
        ("Supervision", 2, 4),
        ("Recommendations", 1, 5),
    ]
    supervision = next(b for b in loaded.blocks if b.text.startswith("Supervision did not"))
    assert supervision.heading_path == ("Findings", "Supervision")
    assert any("headings found by font size" in w for w in loaded.warnings)


def test_pdf_without_labels_takes_printed_numbers_after_a_cover(
    tmp_path: Path, settings: Settings
) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    for index in range(1, 7):
        pdf.add_page()
        pdf.multi_cell(0, 6, f"Practitioners met the family; visit {'ABCDEF'[index - 1]}.")
        if index > 2:  # cover and contents unnumbered; page 3 prints "1"
            pdf.set_xy(100, 280)
            pdf.cell(0, 5, str(index - 2))
    path = tmp_path / "unlabelled.pdf"
    pdf.output(str(path))
    loaded = load(path, settings)
    assert [p.label for p in loaded.pages] == ["[1]", "[2]", "1", "2", "3", "4"]
    assert any("printed page numbers" in w for w in loaded.warnings)
    assert all(not p.text.rstrip().endswith(p.label) for p in loaded.pages[2:])


def test_pdf_without_labels_takes_printed_roman_front_matter(
    tmp_path: Path, settings: Settings
) -> None:
    from fpdf import FPDF

    printed = [None, "ii", "iii", "1", "2", "3", "4"]  # a cover, roman front matter, then 1-4
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    for n, number in enumerate(printed):
        pdf.add_page()
        pdf.multi_cell(0, 6, f"Section {'ABCDEFG'[n]} of the review: what the agencies knew.")
        if number:
            pdf.set_xy(100, 280)
            pdf.cell(0, 5, number)
    path = tmp_path / "front-matter.pdf"
    pdf.output(str(path))
    pages = load(path, settings).pages
    assert [p.label for p in pages] == ["[1]", "ii", "iii", "1", "2", "3", "4"]
    assert all(p.text.endswith("what the agencies knew.") for p in pages)  # numbers removed


def test_pdf_without_labels_or_offset_uses_physical_numbers(
    tmp_path: Path, settings: Settings
) -> None:
    path = docgen.make_pdf(tmp_path / "plain.pdf", ["One.", "Two.", "Three."])
    assert [p.label for p in load(path, settings).pages] == ["1", "2", "3"]


def test_pdf_contents_page_is_dropped(tmp_path: Path, settings: Settings) -> None:
    contents = "\n".join(
        ["Contents", "Introduction 3", "Background 4", "Findings 6", "Learning 9", "Actions 12"]
    )
    pages = ["Review of Child D", contents] + [f"Section text number {n}." for n in range(3, 13)]
    loaded = load(docgen.make_pdf(tmp_path / "d.pdf", pages), settings)
    assert all(b.page_index != 2 for b in loaded.blocks)
    assert "Background 4" in loaded.pages[1].text  # the viewer still shows the page
    assert any(w.startswith("contents pages dropped: 2") for w in loaded.warnings)


# --- DOCX ---------------------------------------------------------------------------------------


def test_docx_headings_lists_and_tables(tmp_path: Path, settings: Settings) -> None:
    path = docgen.make_docx(
        tmp_path / "briefing.docx",
        [
            ("Seven minute briefing: Child B", 0, []),
            ("Background", 1, ["Child B was a Black British girl aged 15.", "- Item one"]),
            ("What went well", 2, ["The school nurse listened to her."]),
            ("Learning", 1, ["Ask about race and identity."]),
        ],
        title="7 minute briefing Child B",
        table=[["Agency", "Action"], ["Police", "Review stop and search"]],
    )
    loaded = load(path, settings)
    assert loaded.media_type == "docx"
    assert [(p.index, p.label) for p in loaded.pages] == [(1, "1")]
    got = [(b.kind, b.heading_path, b.text) for b in loaded.blocks]
    assert got == [
        ("heading", (), "Seven minute briefing: Child B"),
        ("heading", (), "Background"),
        ("paragraph", ("Background",), "Child B was a Black British girl aged 15."),
        ("list", ("Background",), "Item one"),
        ("heading", ("Background",), "What went well"),
        ("paragraph", ("Background", "What went well"), "The school nurse listened to her."),
        ("heading", (), "Learning"),
        ("paragraph", ("Learning",), "Ask about race and identity."),
        ("table", ("Learning",), "Agency | Action"),
        ("table", ("Learning",), "Police | Review stop and search"),
    ]
    assert loaded.metadata["docx_title"] == "7 minute briefing Child B"
    assert loaded.metadata["first_heading"] == "Seven minute briefing: Child B"
    assert "The school nurse listened to her." in loaded.pages[0].text


def test_docx_tracked_changes_content_controls_and_text_boxes(
    tmp_path: Path, settings: Settings
) -> None:
    import docx
    from docx.oxml.ns import qn
    from lxml import etree

    def run(parent, text: str, tag: str = "w:t"):  # type: ignore[no-untyped-def]
        r = etree.SubElement(parent, qn("w:r"))
        etree.SubElement(r, qn(tag)).text = text
        return r

    document = docx.Document()
    p = document.add_paragraph("The plan was ")
    inserted = etree.SubElement(p._p, qn("w:ins"), {qn("w:id"): "1", qn("w:author"): "A"})
    run(inserted, "not ")
    deleted = etree.SubElement(p._p, qn("w:del"), {qn("w:id"): "2", qn("w:author"): "A"})
    run(deleted, "always ", "w:delText")
    run(p._p, "reviewed.")
    sdt = etree.Element(qn("w:sdt"))
    document.element.body.sectPr.addprevious(sdt)
    content = etree.SubElement(sdt, qn("w:sdtContent"))
    run(etree.SubElement(content, qn("w:p")), "Text inside a content control.")
    holder = document.add_paragraph("Anchor paragraph.")
    box = etree.SubElement(run(holder._p, ""), qn("w:txbxContent"))
    run(etree.SubElement(box, qn("w:p")), "A pull quote in a text box.")
    path = tmp_path / "tracked.docx"
    document.save(str(path))
    assert [b.text for b in load(path, settings).blocks] == [
        "The plan was not reviewed.",
        "Text inside a content control.",
        "Anchor paragraph.",
        "A pull quote in a text box.",
    ]


# --- HTML ---------------------------------------------------------------------------------------


def test_html_main_content_headings_and_metadata(tmp_path: Path, settings: Settings) -> None:
    path = docgen.make_html(tmp_path / "child-a.html", author="Example SCP")
    loaded = load(path, settings)
    assert loaded.media_type == "html"
    text = loaded.pages[0].text
    assert "Adultification bias meant Child A was seen as older" in text
    for boilerplate in ("cookies", "Privacy notice", "All rights reserved", "Contact us"):
        assert boilerplate not in text
    finding = next(b for b in loaded.blocks if b.text.startswith("Adultification"))
    assert finding.heading_path == ("Findings",)  # the <h1> title is not repeated in paths
    meta = loaded.metadata
    assert meta["title"] == "Learning from a local child safeguarding practice review"
    assert meta["date"] == "2024-03-05"
    assert meta["url"] == "https://example.org/reviews/child-a"


def test_html_without_suffix_is_sniffed(tmp_path: Path, settings: Settings) -> None:
    path = docgen.make_html(tmp_path / "page")
    assert load(path, settings).media_type == "html"


# --- Markdown -----------------------------------------------------------------------------------

BRIEFING = """---
title: "Briefing: Child Q"
doc_type: briefing
about_publisher: City & Hackney Safeguarding Children Partnership
about_date: 2022-03-14
themes: [adultification, policing]
custom_note: kept
---

This is a summary written for the demo library.

# Child Q

## What happened

Child Q was **strip searched** at school by [police officers](https://example.org).

- She was *menstruating*.
- No appropriate adult was present.

| Agency | Finding |
|---|---|
| Police | Adultification |

### Detail

```
verbatim block
```
"""


def test_markdown_front_matter_and_headings(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "child-q.md"
    path.write_text(BRIEFING, encoding="utf-8")
    loaded = load(path, settings)
    assert loaded.media_type == "md"
    meta = loaded.metadata
    assert meta["title"] == "Briefing: Child Q"
    assert meta["about_date"] == "2022-03-14"  # YAML date made a string
    assert meta["themes"] == ["adultification", "policing"]
    assert meta["custom_note"] == "kept"
    assert meta["first_heading"] == "Child Q"
    got = [(b.kind, b.heading_path, b.text) for b in loaded.blocks]
    # the single "# Child Q" opens the document: it is its title, not part of every path
    assert got == [
        ("paragraph", (), "This is a summary written for the demo library."),
        ("heading", (), "Child Q"),
        ("heading", (), "What happened"),
        (
            "paragraph",
            ("What happened",),
            "Child Q was strip searched at school by police officers.",
        ),
        ("list", ("What happened",), "She was menstruating."),
        ("list", ("What happened",), "No appropriate adult was present."),
        ("table", ("What happened",), "Agency | Finding"),
        ("table", ("What happened",), "Police | Adultification"),
        ("heading", ("What happened",), "Detail"),
        ("paragraph", ("What happened", "Detail"), "verbatim block"),
    ]
    assert "---" not in loaded.pages[0].text
    assert loaded.pages[0].text.startswith("This is a summary")


def test_markdown_with_several_top_headings_keeps_them_in_paths(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "two.md"
    path.write_text("# Part one\n\nText one.\n\n# Part two\n\nText two.\n", encoding="utf-8")
    paths = [b.heading_path for b in load(path, settings).blocks if b.kind == "paragraph"]
    assert paths == [("Part one",), ("Part two",)]


def test_markdown_html_blocks_keep_their_text(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "html.md"
    path.write_text(
        "# Title\n\n<!-- an editor's note -->\n\n<details><summary>Key learning</summary>\n"
        "<p>Ask about racism.</p></details>\n\n<script>alert(1)</script>\n",
        encoding="utf-8",
    )
    texts = [b.text for b in load(path, settings).blocks]
    assert texts == ["Title", "Key learning Ask about racism."]


def test_markdown_with_bad_front_matter_is_kept_with_a_warning(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: [unclosed\n---\n\nBody text.\n", encoding="utf-8")
    loaded = load(path, settings)
    assert [b.text for b in loaded.blocks] == ["Body text."]
    assert any("front matter is not valid YAML" in w for w in loaded.warnings)


def test_demo_library_loads(settings: Settings) -> None:
    from tests.conftest import DEMO_LIBRARY

    files = sorted(DEMO_LIBRARY.glob("*.md"))
    assert len(files) == 14
    for path in files:
        loaded = load(path, settings)
        assert loaded.metadata["title"].startswith("Briefing")
        assert loaded.blocks[0].text.startswith("This is a summary")
        assert sum(b.kind == "heading" for b in loaded.blocks) >= 3


# --- plain text ---------------------------------------------------------------------------------


def test_text_paragraphs_by_blank_lines(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("First para\nwraps here.\n\nSecond para.\n", encoding="utf-8")
    loaded = load(path, settings)
    assert [b.text for b in loaded.blocks] == ["First para wraps here.", "Second para."]
    assert loaded.pages[0].text == "First para wraps here.\n\nSecond para."
    assert loaded.warnings == ()


def test_text_short_opening_line_is_offered_as_title(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "summary.txt"
    path.write_text("Child F: learning summary\n\nThe review found gaps.\n", encoding="utf-8")
    assert load(path, settings).metadata == {"first_heading": "Child F: learning summary"}
    path.write_text("The review found gaps.\n\nMore text.\n", encoding="utf-8")
    assert load(path, settings).metadata == {}


def test_text_one_paragraph_per_long_line(tmp_path: Path, settings: Settings) -> None:
    lines = [f"Sentence {n} " + "about the review and its findings on race. " * 4 for n in range(3)]
    path = tmp_path / "article.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert len(load(path, settings).blocks) == 3


@pytest.mark.parametrize(
    ("data", "expected", "warning"),
    [
        ("Child’s voice".encode("utf-8-sig"), "Child’s voice", None),
        ("Child’s voice – café".encode("cp1252"), "Child’s voice – café", "cp1252"),
        ("naïve".encode("utf-16"), "naïve", "UTF-16"),
    ],
)
def test_text_encodings(
    tmp_path: Path, settings: Settings, data: bytes, expected: str, warning: str | None
) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    loaded = load(path, settings)
    assert loaded.blocks[0].text == expected
    if warning:
        assert any(warning in w for w in loaded.warnings)
    else:
        assert loaded.warnings == ()


# --- dispatch -----------------------------------------------------------------------------------


def test_supported_suffixes() -> None:
    assert {".pdf", ".html", ".htm", ".docx", ".md", ".txt"} <= SUPPORTED_SUFFIXES


def test_pdf_bytes_under_another_name_are_read_as_pdf(review_pdf: Path) -> None:
    assert sniff(Path("download.bin"), review_pdf.read_bytes()[:2048]) == "pdf"


@pytest.mark.parametrize("name", ["data.csv", "picture.png", "slides.pptx", "noext"])
def test_unknown_types_are_unsupported(tmp_path: Path, settings: Settings, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"some,content\n1,2\n")
    with pytest.raises(IngestError) as err:
        load(path, settings)
    assert err.value.reason == "unsupported"
