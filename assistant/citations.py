"""Citations: building them from passages, and verifying a draft's citations against the sources.

Code, never a model, decides what a citation points at. ``verify`` keeps a citation only when its
document exists in the build and its quote appears verbatim in that document's text on the cited
pages, after ``quote_key`` (``assistant.text.normalisation``: whitespace collapsed; curly quotes, dashes and Markdown emphasis
markers made uniform). Markers of dropped or unknown citations are removed from the text and the
survivors are renumbered 1..n in order of first appearance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote as urlquote
from urllib.parse import urlencode, urlsplit

from assistant.text.normalisation import quote_key
from assistant.types import Citation, Page, Passage

if TYPE_CHECKING:
    from assistant.build.index import Index


class Drafted(Protocol):
    """What ``verify`` reads of a draft answer (``generation.base.Draft``)."""

    @property
    def text(self) -> str: ...

    @property
    def citations(self) -> Sequence[Citation]: ...


def http_url(url: str | None) -> str:
    """``url`` when it is an absolute http(s) URL with a host and no spaces or control
    characters; otherwise "" (``javascript:``, ``data:``, ``file:``, relative and odd URLs)."""
    url = (url or "").strip()
    if not url or any(c.isspace() or ord(c) < 0x20 or c in '<>"' for c in url):
        return ""
    parsed = urlsplit(url)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
        return ""
    return url


MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
VIEWER_QUOTE_CHARS = 1000  # the viewer reads up to 2,000


def pages_text(pages: Sequence[Page], start: int, end: int) -> str:
    """Normalised text of the pages with physical index in [start, end]."""
    return quote_key(" ".join(p.text for p in pages if start <= p.index <= end))


def page_of(quote: str, pages: Sequence[Page], start: int, end: int) -> Page | None:
    """The page (within [start, end]) holding ``quote``; None when it spans pages or is absent."""
    target = quote_key(quote)
    for page in pages:
        if start <= page.index <= end and target in quote_key(page.text):
            return page
    return None


def viewer_url(doc_id: str, page_index: int | None, quote: str) -> str:
    """The one builder of this app's viewer links: the document at a physical page (1 when
    unknown), the quote highlighted there, and ``#q1`` (the highlight's id) to scroll to it.
    The quote keeps its words (whitespace folded), cut at a word within VIEWER_QUOTE_CHARS."""
    snippet = " ".join(quote.split())
    if len(snippet) > VIEWER_QUOTE_CHARS:
        snippet = snippet[:VIEWER_QUOTE_CHARS].rsplit(" ", 1)[0]
    query = urlencode({"page": page_index or 1, "q": snippet})
    return f"/library/{urlquote(doc_id, safe='')}?{query}#q1"


def source_url(url: str, media_type: str, page_index: int) -> str:
    """The original's address (at the page for a PDF); only http(s) URLs ever leave the core."""
    url = http_url(url)
    if url and media_type == "pdf" and "#" not in url:
        return f"{url}#page={page_index}"
    return url


def cite(n: int, passage: Passage, quote: str, pages: Sequence[Page]) -> Citation:
    """A citation of ``quote`` from ``passage``, narrowed to the page the quote is on."""
    chunk, document = passage.chunk, passage.document
    page = page_of(quote, pages, chunk.page_start, chunk.page_end)
    if page is not None:
        start = end = page.index
        label_start = label_end = page.label
    else:
        start, end = chunk.page_start, chunk.page_end
        label_start, label_end = chunk.page_label_start, chunk.page_label_end
    return Citation(
        n=n,
        doc_id=chunk.doc_id,
        chunk_id=chunk.chunk_id,
        title=document.title,
        quote=quote,
        page_start=label_start,
        page_end=label_end,
        page_index_start=start,
        page_index_end=end,
        publisher=document.publisher,
        year=document.year,
        section=chunk.section,
        url=source_url(document.url, document.media_type, start),
        viewer_url=viewer_url(chunk.doc_id, start, quote),
    )


def check(citation: Citation, index: Index) -> bool:
    """True when the cited document exists and holds the quote on the cited pages."""
    if index.document(citation.doc_id) is None or not quote_key(citation.quote):
        return False
    text = pages_text(
        index.pages(citation.doc_id), citation.page_index_start, citation.page_index_end
    )
    return quote_key(citation.quote) in text


def verify(draft: Drafted, index: Index) -> tuple[str, list[Citation]]:
    """Drop unverifiable citations and unknown markers; renumber the rest densely."""
    return verify_text(draft.text, draft.citations, index)


def verify_text(
    text: str, citations: Sequence[Citation], index: Index
) -> tuple[str, list[Citation]]:
    valid = {c.n: c for c in citations if check(c, index)}
    order: list[int] = []
    for match in MARKER.finditer(text):
        for number in _numbers(match.group(1)):
            if number in valid and number not in order:
                order.append(number)
    new_number = {old: new for new, old in enumerate(order, start=1)}
    dropped = any(n not in valid for m in MARKER.finditer(text) for n in _numbers(m.group(1)))
    text = MARKER.sub(lambda m: _rewrite(m.group(1), new_number), text)
    kept = [replace(valid[old], n=new, verified=True) for old, new in new_number.items()]
    return (tidy(text) if dropped else text.strip()), kept


def renumber(text: str, citations: Sequence[Citation]) -> tuple[str, list[Citation]]:
    """Renumber markers and citations 1..n in order of first appearance (no checks)."""
    known = {c.n: c for c in citations}
    order: list[int] = []
    for match in MARKER.finditer(text):
        for number in _numbers(match.group(1)):
            if number in known and number not in order:
                order.append(number)
    new_number = {old: new for new, old in enumerate(order, start=1)}
    text = MARKER.sub(lambda m: _rewrite(m.group(1), new_number), text)
    return text, [replace(known[old], n=new) for old, new in new_number.items()]


def _numbers(group: str) -> list[int]:
    return [int(x) for x in re.split(r"\s*,\s*", group) if x]


def _rewrite(group: str, new_number: dict[int, int]) -> str:
    numbers = [new_number[n] for n in _numbers(group) if n in new_number]
    unique = list(dict.fromkeys(numbers))
    return "".join(f"[{n}]" for n in unique)


def tidy(text: str) -> str:
    """Clean up spaces left where markers were removed."""
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip()
