"""PDF with pypdfium2: per-page text, printed page labels, outline headings, info metadata.

Page labels come from the PDF's own /PageLabels where it defines them. Where it does not, and
the pages print a number at the top or bottom that follows the page sequence with an offset
(a cover and contents before page 1), the printed numbers are used; pages before the printed
numbering starts are labelled "[n]" (n the physical page), so no two pages share a label.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from assistant.errors import IngestError
from ingest.cleaning import clean_pages, collapse_spaces, normalise_text
from ingest.loaders.common import sha256_bytes, title_out_of_paths
from ingest.loaders.pdf_headings import font_headings, text_with_paragraph_gaps
from ingest.model import Block, LoadedDocument
from ingest.pagelines import HeadingMark, RawPage, printed_page_numbers, to_roman

log = logging.getLogger(__name__)

_WORD_FOOTNOTE_REFS = re.compile(r"(?:\s*\d+F)+\s*$")
MIN_TEXT_CHARS = 10  # fewer non-space characters than this on a page: no text on that page
_JUNK_TITLE = re.compile(
    r"^(untitled|microsoft (word|powerpoint)\b|document\d*$|slide \d+)|\.(docx?|pdf|indd|pptx?)$",
    re.IGNORECASE,
)


def load_pdf(path: Path, data: bytes) -> LoadedDocument:
    document = _open(data)
    try:
        count = len(document)
        if count == 0:
            raise IngestError("empty", "the PDF has no pages")
        texts = [_page_text(document, i) for i in range(count)]
        if all(_visible_chars(t) < MIN_TEXT_CHARS for t in texts):
            raise IngestError(
                "no_text_layer", f"none of the {count} pages has text (a scan? run OCR first)"
            )
        labels, label_warnings = _labels(document, texts)
        outline = _outline(document, count)
        if not outline:
            outline = font_headings(document)
            label_warnings.append(f"no outline: {len(outline)} headings found by font size")
        metadata = _metadata(document)
    finally:
        document.close()
    raw = [RawPage(index=i + 1, label=labels[i], text=t) for i, t in enumerate(texts)]
    cleaned = clean_pages(raw, outline)
    warnings = [*label_warnings, *cleaned.warnings, *_textless_warning(texts)]
    return LoadedDocument(
        path=path,
        media_type="pdf",
        digest=sha256_bytes(data),
        pages=cleaned.pages,
        blocks=_title_out_of_paths(cleaned.blocks),
        metadata=metadata,
        warnings=tuple(warnings),
    )


def _title_out_of_paths(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """An outline whose only top entry is the title on the first pages: not in every path."""
    top = [b for b in blocks if b.kind == "heading" and b.level == 1]
    if len(top) == 1 and top[0].page_index <= 2:
        return tuple(title_out_of_paths(blocks))
    return blocks


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        # pdfium's last-error code can be stale from an earlier document, so the bytes decide:
        # an encrypted PDF names its /Encrypt dictionary in the (uncompressed) trailer.
        if re.search(rb"/Encrypt\b", data):
            raise IngestError("encrypted", "the PDF needs a password to open") from exc
        if re.search(rb"/Type\s*/Pages\b[^>]*/Count\s+0\b|/Count\s+0\b[^>]*/Type\s*/Pages", data):
            raise IngestError("empty", "the PDF has no pages") from exc
        raise IngestError("corrupt", f"PDF could not be parsed ({exc})") from exc


def _page_text(document: pdfium.PdfDocument, i: int) -> str:
    page = document[i]
    try:
        textpage = page.get_textpage()
        try:
            return text_with_paragraph_gaps(textpage)
        finally:
            textpage.close()
    except pdfium.PdfiumError as exc:
        log.warning("page %d: text could not be read (%s)", i + 1, exc)
        return ""
    finally:
        page.close()


def _visible_chars(text: str) -> int:
    return len("".join(text.split())) - text.count("\ufffe")


def _textless_warning(texts: list[str]) -> list[str]:
    empty = [i + 1 for i, t in enumerate(texts) if _visible_chars(t) < MIN_TEXT_CHARS]
    if not empty or len(empty) * 5 < len(texts):  # a few blank pages are normal
        return []
    return [f"{len(empty)} of {len(texts)} pages have no text layer (scanned pages?)"]


# --- page labels --------------------------------------------------------------------------------


def _labels(document: pdfium.PdfDocument, texts: list[str]) -> tuple[list[str], list[str]]:
    count = len(texts)
    own = [_own_label(document, i) for i in range(count)]
    if any(own):
        return [label or str(i + 1) for i, label in enumerate(own)], []
    lines = [normalise_text(t).split("\n") for t in texts]
    indexes = list(range(1, count + 1))
    printed = printed_page_numbers(lines, indexes)
    if not printed or len(printed) < 0.5 * count:
        return [str(i) for i in indexes], []
    offset = next(iter(printed.values())) - next(iter(printed))
    if offset == 0:
        return [str(i) for i in indexes], []
    # before page 1: front matter's printed roman numbers where it has them, else "[n]"
    romans = printed_page_numbers(lines[: 1 - offset], indexes[: 1 - offset], roman=True)
    labels = [
        str(i + offset) if i + offset >= 1 else to_roman(romans[i]) if i in romans else f"[{i}]"
        for i in indexes
    ]
    note = f"page labels taken from printed page numbers (page 1 is physical page {1 - offset})"
    return labels, [note]


def _own_label(document: pdfium.PdfDocument, i: int) -> str:
    try:
        return collapse_spaces(document.get_page_label(i) or "")
    except (pdfium.PdfiumError, UnicodeDecodeError):
        return ""


# --- outline ------------------------------------------------------------------------------------


def _outline(document: pdfium.PdfDocument, count: int) -> list[HeadingMark]:
    marks: list[HeadingMark] = []
    try:
        for bookmark in document.get_toc(max_depth=8):
            title = collapse_spaces(normalise_text(bookmark.get_title() or ""))
            title = _WORD_FOOTNOTE_REFS.sub("", title)  # "Mental health 13F" from Word
            dest = bookmark.get_dest()
            index = dest.get_index() if dest is not None else None
            if title and index is not None and 0 <= index < count:
                marks.append(
                    HeadingMark(page_index=index + 1, level=bookmark.level + 1, title=title)
                )
    except (pdfium.PdfiumError, ValueError, RecursionError) as exc:
        log.warning("outline could not be read (%s); continuing without it", exc)
    return marks


# --- metadata -----------------------------------------------------------------------------------


def _metadata(document: pdfium.PdfDocument) -> dict[str, Any]:
    try:
        info = document.get_metadata_dict(skip_empty=True)
    except (pdfium.PdfiumError, UnicodeDecodeError):
        info = {}
    out: dict[str, Any] = {"page_count": len(document)}
    title = collapse_spaces(info.get("Title", ""))
    if title and not _JUNK_TITLE.search(title) and len(title) >= 4:
        out["pdf_title"] = title
    author = collapse_spaces(info.get("Author", ""))
    if author:
        out["pdf_author"] = author
    created = pdf_date(info.get("CreationDate", ""))
    if created:
        out["pdf_creation_date"] = created
    cover = _cover_title(document)
    if cover:
        out["cover_title"] = cover
    return out


def pdf_date(value: str) -> str:
    """ISO date (YYYY-MM-DD) of a PDF date string like "D:20250704085327+01'00'", or ""."""
    m = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", value.strip())
    if not m:
        return ""
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        return dt.date(year, month, day).isoformat() if 1900 < year < 2200 else ""
    except ValueError:
        return ""


def _cover_title(document: pdfium.PdfDocument) -> str:
    """The largest text on page 1, read top to bottom (the cover's title), or ""."""
    try:
        page = document[0]
        textpage = page.get_textpage()
        try:
            runs = []
            for i in range(min(textpage.count_rects(), 400)):
                left, bottom, right, top = textpage.get_rect(i)
                runs.append((top - bottom, textpage.get_text_bounded(left, bottom, right, top)))
        finally:
            textpage.close()
            page.close()
    except pdfium.PdfiumError:
        return ""
    heights = sorted(h for h, text in runs if sum(c.isalpha() for c in text) >= 2)
    if not heights:
        return ""
    tallest, typical = heights[-1], heights[len(heights) // 2]
    if tallest < 1.3 * typical:
        return ""  # no text on the page stands out as a title
    title: list[str] = []
    for height, text in runs:
        if height >= 0.7 * tallest:
            title.append(text)
        elif title and text.strip():
            break
    return collapse_spaces(normalise_text("".join(title)).replace("-\n", "-"))[:200]
