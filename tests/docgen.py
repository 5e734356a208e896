"""Documents generated at test time: PDFs, DOCX, HTML and broken files of every kind.

Used by the loader tests and by the ingestion job's tests. Every generator writes ``path`` and
returns it. PDFs are written with fpdf2 (page labels, outlines and encryption supported) and read
back with pypdfium2 in the tests.

    make_pdf(path, ["First page text", "Second page text"], header="Borough SCP",
             page_labels=[(1, "r", 1), (3, "D", 1)], outline=[(3, 1, "Findings")])
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

# (first physical page 1-based, style, number of the first page in the range). Styles as in the
# PDF spec: "D" arabic, "r" lower roman, "R" upper roman, "a"/"A" letters; None = no numbers.
PageLabelRange = tuple[int, str | None, int]
# (physical page 1-based, level 1-based, title): an outline (bookmark) entry; the title is also
# printed as a heading at the top of that page's body.
OutlineEntry = tuple[int, int, str]


def _label(index: int, ranges: Sequence[PageLabelRange] | None) -> str:
    """The printed label of a physical page under the given label ranges (as a reader shows it)."""
    if not ranges:
        return str(index)
    current = None
    for start, style, first in sorted(ranges, key=lambda r: r[0]):
        if start <= index:
            current = (start, style, first)
    if current is None:
        return str(index)
    start, style, first = current
    n = first + index - start
    if style == "D":
        return str(n)
    if style in ("r", "R"):
        roman = _roman(n)
        return roman if style == "R" else roman.lower()
    if style in ("a", "A"):
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if style == "A" else letter.lower()
    return ""


def _roman(n: int) -> str:
    out = ""
    for value, numeral in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        while n >= value:
            out += numeral
            n -= value
    return out


def printed_label(index: int, page_labels: Sequence[PageLabelRange] | None = None) -> str:
    """What make_pdf prints in the footer of physical page ``index`` (and what the PDF's page
    label says, when ``page_labels`` is given)."""
    return _label(index, page_labels)


def _fonts(pdf) -> tuple[str, bool]:  # type: ignore[no-untyped-def]
    """Font family to use and whether it covers Unicode (DejaVu) or only Latin-1 (Helvetica)."""
    if DEJAVU.is_file() and DEJAVU_BOLD.is_file():
        pdf.add_font("DejaVu", "", str(DEJAVU))
        pdf.add_font("DejaVu", "B", str(DEJAVU_BOLD))
        return "DejaVu", True
    return "Helvetica", False


def _latin1(text: str) -> str:
    swaps = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
             "\u2014": "-", "\u2022": "*"}  # fmt: skip
    for a, b in swaps.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def make_pdf(
    path: Path,
    pages: Sequence[str],
    *,
    header: str | None = None,
    footer_with_page_numbers: bool = True,
    footer_text: str = "",
    page_labels: Sequence[PageLabelRange] | None = None,
    outline: Sequence[OutlineEntry] | None = None,
    encrypt_password: str | None = None,
    title: str | None = None,
    author: str | None = None,
    creation_date: str | None = None,
    bookmarks: bool = True,
) -> Path:
    """A text PDF: one entry of ``pages`` per page (blank lines separate paragraphs; single
    line breaks are kept as line breaks, so "safe-\\nguarding" splits a word across lines).

    header: printed at the top of every page. footer_with_page_numbers: "<footer_text> Page N"
    at the bottom of every page, N being the page's printed label. page_labels: label ranges
    written into the PDF (see PageLabelRange). outline: bookmarks, their titles printed as
    headings (with ``bookmarks=False`` only printed, in larger bold type, not bookmarked: a PDF
    without an outline). encrypt_password: user password (RC4), so the file cannot be opened without it.
    creation_date: e.g. "2023-05-04" (written into the info dictionary).
    """
    import datetime as dt

    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    family, unicode_ok = _fonts(pdf)
    clean = (lambda s: s) if unicode_ok else _latin1
    if title:
        pdf.set_title(clean(title))
    if author:
        pdf.set_author(clean(author))
    if creation_date:
        pdf.set_creation_date(dt.datetime.fromisoformat(creation_date).replace(tzinfo=dt.UTC))
    marks = sorted(outline or (), key=lambda m: m[0])
    label_starts = {start: (style, first) for start, style, first in (page_labels or ())}
    for index, text in enumerate(pages, start=1):
        pdf.add_page()
        if index in label_starts:
            style, first = label_starts[index]
            pdf.set_page_label(label_style=style, label_start=first)
        if header:
            pdf.set_font(family, "", 9)
            pdf.set_xy(20, 10)
            pdf.cell(0, 5, clean(header))
        pdf.set_xy(20, 25)
        for page, level, heading in marks:
            if page == index:
                pdf.set_font(family, "B", 16 - 2 * min(level, 3))
                if bookmarks:
                    pdf.start_section(clean(heading), level=level - 1, strict=False)
                pdf.set_x(20)
                pdf.multi_cell(170, 8, clean(heading), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
        pdf.set_font(family, "", 11)
        for para in text.split("\n\n"):
            if para.strip():
                pdf.set_x(20)
                pdf.multi_cell(170, 6, clean(para.strip()), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(3)
        if footer_with_page_numbers or footer_text:
            pdf.set_font(family, "", 9)
            pdf.set_xy(20, 285)
            number = f"Page {_label(index, page_labels)}" if footer_with_page_numbers else ""
            pdf.cell(0, 5, clean(" ".join(p for p in (footer_text, number) if p)))
    if encrypt_password is not None:
        # RC4: AES needs the optional "cryptography" package; pdfium reads both.
        pdf.set_encryption(
            owner_password=encrypt_password + "-owner", user_password=encrypt_password
        )
    path = Path(path)
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path, pages: int = 2, *, text_pages: Sequence[str] = ()) -> Path:
    """A PDF whose pages are images of text only (a scan): no text layer at all; with
    ``text_pages``, those come first as ordinary text pages (a partly scanned document)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for text in text_pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, _latin1(text))
    for n in range(1, pages + 1):
        image = Image.new("L", (1240, 1754), color=255)
        draw = ImageDraw.Draw(image)
        for row in range(30):
            draw.text((100, 100 + row * 50), f"Scanned review page {n}, line {row + 1}", fill=0)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        pdf.add_page()
        pdf.image(buffer, x=0, y=0, w=210, h=297)
    path = Path(path)
    pdf.output(str(path))
    return path


def make_empty_pdf(path: Path) -> Path:
    """A valid PDF whose page tree has zero pages."""
    import pypdfium2 as pdfium

    path = Path(path)
    document = pdfium.PdfDocument.new()
    document.save(str(path))
    document.close()
    return path


def make_blank_pages_pdf(path: Path, pages: int = 2) -> Path:
    """A PDF with pages but nothing on them (no text, no images)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    for _ in range(pages):
        pdf.add_page()
    path = Path(path)
    pdf.output(str(path))
    return path


# A DOCX section: (heading, level, paragraphs). A paragraph starting with "- " is written as a
# bulleted list item. Level 0 writes the heading with the "Title" style.
DocxSection = tuple[str, int, Sequence[str]]


def make_docx(
    path: Path,
    sections: Sequence[DocxSection],
    *,
    title: str | None = None,
    author: str | None = None,
    table: Sequence[Sequence[str]] | None = None,
) -> Path:
    """A DOCX with "Heading N" styled headings, paragraphs, list items and an optional table
    (first row = header) after the last section; ``title``/``author`` go in core properties."""
    import docx

    document = docx.Document()
    document.core_properties.title = title or ""
    document.core_properties.author = author or ""  # not the template's "python-docx"
    for heading, level, paragraphs in sections:
        if heading:
            document.add_heading(heading, level=level)
        for para in paragraphs:
            if para.startswith("- "):
                document.add_paragraph(para[2:], style="List Bullet")
            else:
                document.add_paragraph(para)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    path = Path(path)
    document.save(str(path))
    return path


def make_zip_bomb_docx(path: Path, inflated_mb: int = 300) -> Path:
    """A DOCX-shaped zip whose members inflate to ``inflated_mb`` MB from a few hundred KB."""
    path = Path(path)
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body>')
            for _ in range(inflated_mb):
                member.write(chunk)
    return path


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"></Relationships>'
)


def make_html(
    path: Path,
    *,
    title: str = "Learning from a local child safeguarding practice review",
    sections: Sequence[tuple[str, Sequence[str]]] = (),
    date: str | None = "2024-03-05",
    url: str | None = "https://example.org/reviews/child-a",
    author: str | None = None,
    boilerplate: bool = True,
) -> Path:
    """An article page: <title>, meta date/url, <h1>, sections of <h2> + <p>, and (with
    ``boilerplate``) a navigation bar, cookie banner and footer that should not be extracted."""
    from html import escape

    sections = sections or (
        (
            "Background",
            [
                "Child A was a Black British boy aged 14 who lived with his mother and sister. "
                "Professionals knew the family for many years before the incident.",
                "The review found that practitioners rarely asked about the family's experience "
                "of racism or how it affected their trust in services.",
            ],
        ),
        (
            "Findings",
            [
                "Adultification bias meant Child A was seen as older and less vulnerable than "
                "he was, and his exploitation was treated as a choice.",
                "Multi-agency meetings did not record his identity, heritage or faith.",
            ],
        ),
    )
    head = [f"<title>{escape(title)}</title>", '<meta charset="utf-8">']
    if date:
        head.append(f'<meta property="article:published_time" content="{escape(date)}">')
        head.append(f'<meta name="date" content="{escape(date)}">')
    if url:
        head.append(f'<link rel="canonical" href="{escape(url)}">')
        head.append(f'<meta property="og:url" content="{escape(url)}">')
    if author:
        head.append(f'<meta name="author" content="{escape(author)}">')
    body = []
    if boilerplate:
        body.append(
            '<nav><ul><li><a href="/">Home</a></li><li><a href="/about">About the partnership'
            '</a></li><li><a href="/contact">Contact us</a></li></ul></nav>'
            '<div class="cookie-banner"><p>We use cookies to improve this website. '
            "Accept all cookies or manage your preferences.</p></div>"
        )
    body.append(f"<main><article><h1>{escape(title)}</h1>")
    for heading, paragraphs in sections:
        body.append(f"<h2>{escape(heading)}</h2>")
        body.extend(f"<p>{escape(p)}</p>" for p in paragraphs)
    body.append("</article></main>")
    if boilerplate:
        body.append(
            "<footer><p>Copyright Example Safeguarding Children Partnership. "
            'All rights reserved.</p><a href="/privacy">Privacy notice</a></footer>'
        )
    html = (
        "<!DOCTYPE html><html lang='en'><head>"
        + "".join(head)
        + "</head><body>"
        + "".join(body)
        + "</body></html>"
    )
    path = Path(path)
    path.write_text(html, encoding="utf-8")
    return path


def corrupt(path: Path) -> Path:
    """Overwrite the middle of the file with junk (the header survives; the body does not)."""
    path = Path(path)
    data = bytearray(path.read_bytes())
    start = min(len(data) // 4, 1024)
    data[start:] = bytes((i * 37 + 11) % 256 for i in range(len(data) - start))
    path.write_bytes(bytes(data))
    return path


def truncate(path: Path, keep: float = 0.5) -> Path:
    """Cut the file to its first ``keep`` share of bytes (an interrupted download)."""
    path = Path(path)
    data = path.read_bytes()
    path.write_bytes(data[: max(1, int(len(data) * keep))])
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.write_bytes(data)
    return path
