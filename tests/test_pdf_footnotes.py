"""Footnote markers in PDFs: superscript digits are dropped from the page text, so they neither
stick to words ("teachers154") nor merge two sentences ("children.10 SDQ scores")."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from ingest.loaders.pdf_headings import text_with_paragraph_gaps


def _pdf_with_footnote_markers(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.write(8, "There is a mandatory reporting duty on teachers")
    pdf.char_vpos = "SUP"
    pdf.write(8, "154")
    pdf.char_vpos = "LINE"
    pdf.write(8, " that needs a different approach. Scores were low for children.")
    pdf.char_vpos = "SUP"
    pdf.write(8, "10")
    pdf.char_vpos = "LINE"
    pdf.write(8, " SDQ scores rose later. Article 8 of the Convention applies.")
    pdf.output(str(path))
    return path


def test_superscript_digits_are_dropped_and_ordinary_numbers_kept(tmp_path: Path) -> None:
    document = pdfium.PdfDocument(str(_pdf_with_footnote_markers(tmp_path / "notes.pdf")))
    text = " ".join(text_with_paragraph_gaps(document[0].get_textpage()).split())
    assert "duty on teachers that needs" in text
    assert "teachers154" not in text
    assert "low for children. SDQ scores rose later." in text
    assert "Article 8 of the Convention" in text  # a number on the line is not a marker
