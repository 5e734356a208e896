"""Text from documents and models → safe HTML.

Everything that came from a document or a model is untrusted. Answer text may carry light Markdown
(from the LLM answerer): it goes through markdown-it-py's "js-default" preset (raw HTML disabled,
unsafe link schemes refused), then nh3 keeps only a few formatting tags with no attributes at all (no
links: a model never gets to place a link). Only then are ``[n]`` markers turned into links to the
viewer at the cited page (the quote highlighted), and only for numbers that are real citations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "blockquote", "code", "pre"}
CITE_MARK = re.compile(r"\[(\d{1,3})\]")
_markdown = MarkdownIt("js-default")


def answer_html(text: str, links: Mapping[int, str]) -> Markup:
    """Answer text as sanitised HTML with ``[n]`` → ``<a href="{links[n]}">`` (the viewer, with the
    quote highlighted in place). Numbers that are not real citations stay plain text."""
    html = nh3.clean(_markdown.render(text or ""), tags=ALLOWED_TAGS, attributes={})

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in links:
            return match.group(0)
        return (
            f'<a class="govuk-link rla-cite" href="{escape(links[n])}">'
            f'<span class="govuk-visually-hidden">source </span>[{n}]</a>'
        )

    return Markup(CITE_MARK.sub(link, html))  # noqa: S704 - built from sanitised parts


def safe_url(url: str | None) -> str:
    """Only http(s) URLs are ever put into an href; anything else becomes ""."""
    if not url:
        return ""
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return ""
    return url.strip()


# --- highlighting a quote on a page -------------------------------------------------------------


@dataclass(frozen=True)
class Highlight:
    html: Markup
    found: str  # "exact" | "partial" | "none" | "no_quote"


_WORD = re.compile(r"\S+")
MIN_RUN_WORDS = 6
_DASHES = str.maketrans(
    {"‐": "-", "‑": "-", "–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"'}
)


def _pattern(words: list[str]) -> re.Pattern[str]:
    parts = []
    for word in words:
        chars = [re.escape(ch) for ch in word.translate(_DASHES)]
        parts.append("".join(chars))
    return re.compile(r"\s+".join(parts), re.IGNORECASE)


def _longest_run(folded: str, words: list[str], *, from_start: bool) -> re.Match[str] | None:
    """Longest leading (or trailing) run of the quote's words found in the page, by binary search:
    if the first k words occur together, so do the first k - 1, so "found" is monotonic in k."""
    best, low, high = None, MIN_RUN_WORDS, len(words) - 1
    while low <= high:
        size = (low + high) // 2
        match = _pattern(words[:size] if from_start else words[-size:]).search(folded)
        if match:
            best, low = match, size + 1
        else:
            high = size - 1
    return best


def _find(text: str, quote: str) -> tuple[int, int, str] | None:
    """Locate the quote in the page, tolerant of whitespace, case and typographic dashes/quotes.

    When the whole quote is not on this page (it may run onto the next one), the longest leading or
    trailing run of at least six words that is found is highlighted instead.
    """
    folded = text.translate(_DASHES)  # same length as text: one char → one char
    words = _WORD.findall(quote)
    if not words:
        return None
    match = _pattern(words).search(folded)
    if match:
        return match.start(), match.end(), "exact"
    runs = [
        _longest_run(folded, words, from_start=True),
        _longest_run(folded, words, from_start=False),
    ]
    found = [m for m in runs if m is not None]
    if not found:
        return None
    longest = max(found, key=lambda m: m.end() - m.start())
    return longest.start(), longest.end(), "partial"


def highlight(text: str, quote: str, mark_id: str = "q1") -> Highlight:
    """The page text, escaped, with the quote wrapped in ``<mark id=mark_id>``."""
    if not quote.strip():
        return Highlight(escape(text), "no_quote")
    located = _find(text, quote)
    if located is None:
        return Highlight(escape(text), "none")
    start, end, how = located
    html = (
        escape(text[:start])
        + Markup(f'<mark id="{escape(mark_id)}" tabindex="-1">')
        + escape(text[start:end])
        + Markup("</mark>")
        + escape(text[end:])
    )
    return Highlight(Markup(html), how)
