"""Layout read from glyph boxes: paragraph gaps on every page, and the headings of a PDF
without an outline, from font size and weight.

Paragraph gaps: pdfium's text has no blank lines, so a blank line is put wherever a line starts
clearly further below the previous one than lines of the page usually do (space after a
paragraph), or above it (a new column or text box).

Headings:

Each text line is measured by the loose (font-based) box of a few of its letters, so glyph
shapes do not matter. The body size is the size most characters are set in. Lines clearly
larger than the body are headings, bigger sizes being outer levels; short bold lines at body
size are the innermost level. Cover-page display text, lines repeated across pages (running
headers) and documents where "headings" would be a large share of all lines are left alone.
"""

from __future__ import annotations

import contextlib
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.cleaning import collapse_spaces, normalise_text
from ingest.pagelines import HeadingMark

LARGER = 1.15  # a heading's size is at least this multiple of the body size
BOLD_LARGER = 1.05  # ... or this multiple when it is bold
MAX_LEVELS = 3  # size-based levels; bold body-size headings come one below
MAX_HEADING_CHARS = 150
BOLD_WEIGHT = 600
PARAGRAPH_GAP = 0.35  # extra space, in line heights, that separates paragraphs


@dataclass(frozen=True)
class _Line:
    page_index: int
    text: str
    size: float
    bold: bool


def font_headings(document: pdfium.PdfDocument) -> list[HeadingMark]:
    lines = [line for i in range(len(document)) for line in _measure_page(document, i)]
    if not lines:
        return []
    body = _body_size(lines)
    repeated = _repeated_texts(lines)
    later_max = max((ln.size for ln in lines if ln.page_index > 1), default=0.0)
    picked: list[tuple[int, _Line, bool]] = []  # (position, line, larger than body)
    for n, ln in enumerate(lines):
        if not _is_heading_text(ln.text) or _key(ln.text) in repeated:
            continue
        if ln.page_index == 1 and len(document) > 2 and ln.size > later_max:
            continue  # cover display type
        if ln.size >= body * LARGER or (ln.bold and ln.size >= body * BOLD_LARGER):
            picked.append((n, ln, True))
        elif ln.bold and abs(ln.size - body) < 0.5 and _standalone(lines, n):
            picked.append((n, ln, False))
    if not picked or len(picked) > 0.25 * len(lines):
        return []
    sizes = sorted({round(ln.size) for _, ln, larger in picked if larger}, reverse=True)
    levels = {size: min(n, MAX_LEVELS) for n, size in enumerate(sizes, start=1)}
    bold_level = min(len(sizes), MAX_LEVELS) + 1
    marks: list[HeadingMark] = []
    previous = -2
    for n, ln, larger in picked:
        level = levels[round(ln.size)] if larger else bold_level
        if n == previous + 1 and _continues(lines[previous], ln, marks, level):
            last = marks.pop()
            marks.append(HeadingMark(last.page_index, last.level, f"{last.title} {ln.text}"))
        else:
            marks.append(HeadingMark(ln.page_index, level, ln.text))
        previous = n
    return marks


def _standalone(lines: list[_Line], n: int) -> bool:
    """A short bold line on its own: not a bold paragraph, not a list item, not mid-sentence."""
    ln = lines[n]
    before = lines[n - 1] if n > 0 and lines[n - 1].page_index == ln.page_index else None
    after = (
        lines[n + 1] if n + 1 < len(lines) and lines[n + 1].page_index == ln.page_index else None
    )
    return (
        len(ln.text) <= 60
        and not ln.text.endswith((".", ":", ";", ","))
        and not re.match(r"^([•●▪\-–*o§]|\(?\w{1,3}[.)])\s", ln.text)
        and (after is None or not after.bold)
        and (before is None or before.bold or before.text.endswith((".", ":", "?", "!")))
    )


RAISE = 0.25  # a footnote digit sits at least this share of a letter's height above its bottom
SHRINK = 0.8  # and is at most this share of its height


def text_with_paragraph_gaps(textpage: pdfium.PdfTextPage) -> str:
    """The page's text (CRLF line breaks) with an empty line at each paragraph gap, and without
    footnote markers (superscript digits), which would otherwise stick to words ("teachers154")
    or merge sentences ("children.10 SDQ scores")."""
    text = str(textpage.get_text_range())
    with contextlib.suppress(pdfium.PdfiumError, ValueError):
        text = _mark_superscripts(textpage, text)
    try:
        return _with_gaps(textpage, text).replace(SUPERSCRIPT, "")
    except (pdfium.PdfiumError, ValueError, statistics.StatisticsError):
        return text.replace(SUPERSCRIPT, "")  # layout unreadable: the text alone is still right


SUPERSCRIPT = "\x00"  # stands in for a footnote digit until the text is laid out


def _mark_superscripts(textpage: pdfium.PdfTextPage, text: str) -> str:
    """Digits raised above, and smaller than, the letter before them become SUPERSCRIPT."""
    if len(text) != textpage.count_chars():
        return text
    chars = list(text)
    for start, end in _lines_to_last_digit(text):
        bottom_before: float | None = None  # bottom of the last letter or digit on this line
        tallest = 0.0  # the tallest letter on this line so far (capital or ascender height)
        for i in range(start, end):
            c = text[i]
            if not c.isalnum():
                continue
            _, bottom, _, top = textpage.get_charbox(i)
            height = float(top - bottom)
            small = c.isdigit() and 0 < height < SHRINK * tallest
            if small and bottom_before is not None and bottom - bottom_before > RAISE * tallest:
                chars[i] = SUPERSCRIPT
                continue
            if height > 0:
                bottom_before, tallest = float(bottom), max(tallest, height)
    return "".join(chars)


_LINE = re.compile(r"[^\r\n]+")


def _lines_to_last_digit(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line holding a digit, ending just after its last digit: only these
    characters can decide whether a digit is a footnote marker, so only they are measured."""
    for line in _LINE.finditer(text):
        last = _last_digit(line.group(0))
        if last >= 0:
            yield line.start(), line.start() + last + 1


def _last_digit(piece: str) -> int:
    """Index of the last character of ``piece`` that ``str.isdigit`` accepts, or -1."""
    last = max(piece.rfind(d) for d in "0123456789")
    if piece.isascii():
        return last
    tail = range(len(piece) - 1, last, -1)  # a non-ASCII digit ("²", "٣") after the last one
    return next((k for k in tail if piece[k].isdigit()), last)


def _with_gaps(textpage: pdfium.PdfTextPage, text: str) -> str:
    lines = text.split("\r\n")
    count = textpage.count_chars()
    # per line: (top of its first glyph, bottom of its last glyph, height); pdfium sometimes
    # runs two printed lines into one text line, so the two ends are measured separately
    boxes: list[tuple[float, float, float] | None] = []
    position = 0
    for line in lines:
        # first and last non-space characters (strip() removes exactly what isspace() accepts)
        first, last = position + len(line) - len(line.lstrip()), position + len(line.rstrip()) - 1
        position += len(line) + 2
        if first > last or last >= count:
            boxes.append(None)
            continue
        _, first_bottom, _, top = textpage.get_charbox(first, loose=True)
        _, bottom, _, _ = textpage.get_charbox(last, loose=True)
        height = float(top - first_bottom)
        boxes.append((float(top), float(bottom), height) if height > 0 else None)
    filled = [b for b in boxes if b is not None]
    if len(filled) < 2:
        return text
    height = statistics.median(b[2] for b in filled)
    gaps = [a[1] - b[0] for a, b in zip(filled, filled[1:], strict=False)]
    ordinary = [g for g in gaps if -height < g < 2 * height]
    if len(filled) >= 3 and ordinary:
        usual = sorted(ordinary)[len(ordinary) // 4]  # most lines: no gap
        threshold = usual + PARAGRAPH_GAP * height
    else:
        threshold = height  # too few lines to know the page's spacing: a whole empty line
    out: list[str] = []
    previous: tuple[float, float, float] | None = None
    for line, box in zip(lines, boxes, strict=True):
        if box is not None and previous is not None:
            gap = previous[1] - box[0]
            if gap > threshold or gap < -height:
                out.append("")
        out.append(line)
        previous = box or previous
    return "\r\n".join(out)


def _continues(previous: _Line, line: _Line, marks: list[HeadingMark], level: int) -> bool:
    """A heading wrapped onto the next line: same page, size, weight and level."""
    return (
        bool(marks)
        and previous.page_index == line.page_index
        and abs(previous.size - line.size) < 0.5
        and previous.bold == line.bold
        and marks[-1].level == level
        and len(marks[-1].title) + len(line.text) <= MAX_HEADING_CHARS
        and not previous.text.endswith((".", ":", "?"))
    )


def _measure_page(document: pdfium.PdfDocument, i: int) -> list[_Line]:
    page = document[i]
    try:
        textpage = page.get_textpage()
        try:
            text = str(textpage.get_text_range())
            out: list[_Line] = []
            position = 0
            for raw in text.split("\r\n"):
                start, position = position, position + len(raw) + 2
                letters = [start + k for k, c in enumerate(raw) if c.isalpha()]
                if not letters:
                    continue
                picks = {letters[0], letters[len(letters) // 2], letters[-1]}
                size = max(_height(textpage, k) for k in picks)
                bold = all(
                    pdfium_c.FPDFText_GetFontWeight(textpage.raw, k) >= BOLD_WEIGHT
                    for k in (letters[0], letters[-1])
                )
                clean = collapse_spaces(normalise_text(raw).replace("-\n", "-"))
                out.append(_Line(i + 1, clean, round(size * 2) / 2, bold))
            return out
        finally:
            textpage.close()
    except pdfium.PdfiumError:
        return []
    finally:
        page.close()


def _height(textpage: pdfium.PdfTextPage, index: int) -> float:
    left, bottom, right, top = textpage.get_charbox(index, loose=True)
    return float(top - bottom)


def _body_size(lines: list[_Line]) -> float:
    weights: Counter[float] = Counter()
    for ln in lines:
        weights[ln.size] += len(ln.text)
    return weights.most_common(1)[0][0]


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _repeated_texts(lines: list[_Line]) -> set[str]:
    pages: dict[str, set[int]] = {}
    for ln in lines:
        pages.setdefault(_key(ln.text), set()).add(ln.page_index)
    return {key for key, found in pages.items() if len(found) >= 3}


def _is_heading_text(text: str) -> bool:
    return (
        sum(c.isalpha() for c in text) >= 2
        and len(text) <= MAX_HEADING_CHARS
        and not text.endswith((",", ";"))
        and not re.fullmatch(r"[\divxlc.\s-]+", text.lower())
    )
