"""A session pack as a Word document (python-docx) with real headings, so it is navigable."""

from __future__ import annotations

import io
from typing import Any

from docx import Document as new_document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from assistant.packs.formats import outline as o
from assistant.packs.session import SessionPack


def render(pack: SessionPack) -> bytes:
    doc = new_document()
    doc.core_properties.title = pack.title
    doc.core_properties.subject = pack.topic
    doc.core_properties.language = "en-GB"
    doc.add_heading(pack.title, level=1)
    for line in o.meta_lines(pack):
        doc.add_paragraph(line)
    doc.add_heading(o.SEARCHED, level=2)
    for note in pack.notes:
        doc.add_paragraph(note)
    _aims(doc, pack)
    _points(doc, pack)
    _summaries(doc, pack)
    _questions(doc, pack)
    _comparison(doc, pack)
    _sources(doc, pack)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _aims(doc: Any, pack: SessionPack) -> None:
    if pack.aims:
        doc.add_heading(o.AIMS, level=2)
        for aim in pack.aims:
            doc.add_paragraph(aim, style="List Bullet")


def _points(doc: Any, pack: SessionPack) -> None:
    if not pack.points:
        return
    doc.add_heading(o.POINTS, level=2)
    for i, p in enumerate(pack.points, 1):
        c = p.citation
        doc.add_heading(f"{i}. {c.title}", level=3)
        doc.add_paragraph(c.quote, style="Quote")
        _linked(doc.add_paragraph(), o.citation_line(c), o.link_of(c))


def _summaries(doc: Any, pack: SessionPack) -> None:
    if not pack.summaries:
        return
    doc.add_heading(o.SUMMARIES, level=2)
    for s in pack.summaries:
        doc.add_heading(s.title, level=3)
        doc.add_paragraph(o.summary_line(s))
        for q in s.quotes:
            doc.add_paragraph(q.quote, style="Quote")
            doc.add_paragraph(o.pages(q))


def _questions(doc: Any, pack: SessionPack) -> None:
    if not pack.questions:
        return
    doc.add_heading(o.QUESTIONS, level=2)
    label = doc.add_paragraph()
    label.add_run(pack.questions_label).italic = True
    for q in pack.questions:
        doc.add_paragraph(q.text, style="List Number")


def _comparison(doc: Any, pack: SessionPack) -> None:
    doc.add_heading(o.COMPARISON, level=2)
    doc.add_paragraph(f"Every document searched for: {pack.question}")
    table = doc.add_table(rows=1, cols=len(o.COMPARISON_HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, o.COMPARISON_HEADERS, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(table.rows[0])
    for row in pack.comparison.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, o.row_cells(row), strict=True):
            cell.text = text


def _sources(doc: Any, pack: SessionPack) -> None:
    if not pack.sources:
        return
    doc.add_heading(o.SOURCES, level=2)
    doc.add_paragraph(pack.reminder)
    for s in pack.sources:
        head, *rest = o.source_lines(s)
        doc.add_heading(head, level=3)
        for line in rest:
            if line.startswith("Link: ") and s.url.startswith("http"):
                _linked(doc.add_paragraph("Link: "), s.url, s.url)
            else:
                doc.add_paragraph(line)


def _repeat_header(row: Any) -> None:
    """Mark the first row as a header row (repeated on each page; read as headers)."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _linked(paragraph: Any, text: str, url: str) -> None:
    """Append ``text`` to ``paragraph`` as a hyperlink to ``url`` (plain text if no http url)."""
    if not url.startswith(("https://", "http://")):
        paragraph.add_run(text)
        return
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), "1D70B8")
    props.extend([style, colour, underline])
    run.append(props)
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    paragraph._p.append(link)
