"""What templates show: stored turns and Answers turned into small view values, and labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from markupsafe import Markup

from assistant.citations import viewer_url
from assistant.surfaces import (
    citations_by_number,
    is_refusal,
    is_structured,
    notes,
    own_words,
    quoted_numbers,
    source_groups,
)
from assistant.types import Answer, Citation, Document, Filters, Searched, SourceGroup, Status
from web.render import answer_html, safe_url

DOC_TYPE_LABELS: dict[str, str] = {
    "national_review": "National review",
    "lcspr": "Local child safeguarding practice review",
    "rapid_review": "Rapid review",
    "serious_case_review": "Serious case review",
    "briefing": "Briefing",
    "guidance": "Guidance",
    "news": "News",
    "other": "Other",
}

STATUS_LABELS: dict[Status, str] = {
    "answered": "Answered from the library",
    "partial": "Partly answered",
    "no_evidence": "No evidence found",
    "out_of_scope": "Outside what this service covers",
    "personal_data": "Personal details detected",
    "error": "Something went wrong",
}

FEEDBACK_REASONS: tuple[tuple[str, str], ...] = (
    ("wrong_source", "Wrong source"),
    ("missing_information", "Missing information"),
    ("not_relevant", "Not relevant"),
    ("inaccurate", "Inaccurate"),
    ("hard_to_understand", "Hard to understand"),
)

# Starter questions for the demo library's topics: shown when their theme is in the served library.
STARTERS: tuple[tuple[str, str], ...] = (
    ("adultification", "What is adultification bias and how does it affect Black children?"),
    ("silence-on-racism", "Why are reviews often silent about a child's race or ethnicity?"),
    ("professional-curiosity", "What do reviews say about professional curiosity and culture?"),
    ("voice-of-the-child", "How can practitioners hear the voice of the child in their identity?"),
    ("education-and-schools", "What did the Child Q review find about searches in schools?"),
    ("faith-and-culture", "How should practitioners respond to faith and culture in assessments?"),
    ("language-and-interpreters", "What is the learning about using interpreters with families?"),
    ("fathers-and-male-carers", "What do reviews say about engaging fathers and male carers?"),
)


def doc_type_label(doc_type: str) -> str:
    return DOC_TYPE_LABELS.get(doc_type, doc_type.replace("_", " ").capitalize())


def theme_label(slug: str) -> str:
    return slug.replace("-", " ").replace("_", " ").capitalize()


def page_range(start: Any, end: Any) -> str:
    start, end = str(start or ""), str(end or "")
    if not start:
        return ""
    if not end or end == start:
        return f"page {start}"
    return f"pages {start}–{end}"


def theme_options(documents: Sequence[Document]) -> list[tuple[str, str]]:
    """(slug, label) for the theme filter: the ingest taxonomy if importable, else the library's."""
    taxonomy: Any = None
    try:
        from ingest.themes import THEMES

        taxonomy = THEMES
    except ImportError:
        pass
    options = _taxonomy(taxonomy) if taxonomy else []
    if not options:
        slugs = sorted({t for d in documents for t in d.themes})
        options = [(s, theme_label(s)) for s in slugs]
    return options


def _taxonomy(themes: Any) -> list[tuple[str, str]]:
    items: Iterable[Any] = themes.items() if isinstance(themes, Mapping) else themes
    out: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, str):
            out.append((item, theme_label(item)))
        elif isinstance(item, tuple) and len(item) == 2:
            slug, value = item
            label = getattr(value, "label", None)
            if isinstance(value, str):
                label = value
            elif isinstance(value, tuple | list) and value and isinstance(value[0], str):
                label = value[0]
            out.append((str(slug), str(label or theme_label(str(slug)))))
        else:
            slug = getattr(item, "slug", None) or getattr(item, "name", None)
            if slug:
                out.append((str(slug), str(getattr(item, "label", "") or theme_label(str(slug)))))
    return out


def doc_type_options(documents: Sequence[Document]) -> list[tuple[str, str]]:
    present = sorted({d.doc_type for d in documents})
    return [(t, doc_type_label(t)) for t in present]


def starter_questions(documents: Sequence[Document], limit: int = 4) -> list[str]:
    themes = {t for d in documents for t in d.themes}
    chosen = [q for theme, q in STARTERS if theme in themes]
    return chosen[:limit]


def is_demo(info: Any, documents: Sequence[Document]) -> bool:
    return bool(getattr(info, "is_demo", False)) or any(d.is_demo for d in documents)


# --- turns and citations ------------------------------------------------------------------------


@dataclass(frozen=True)
class CitationView:
    n: int
    anchor: str
    doc_id: str
    title: str
    publisher: str
    year: int | None
    pages: str
    section: str
    quote: str
    url: str
    viewer_url: str
    verified: bool


@dataclass(frozen=True)
class PageLink:
    """A cited page of a document, opened in the viewer with the first quote from it highlighted."""

    label: str
    viewer_url: str


@dataclass(frozen=True)
class SourceView:
    """One cited document: its quotes not shown elsewhere in the answer, and its pages, once."""

    anchor: str
    doc_id: str
    title: str
    year: int | None
    doc_type: str  # label, "" when unknown
    publisher: str
    url: str  # the original publication (http(s) only)
    numbers: tuple[int, ...]  # every citation number from this document, in order
    quotes: tuple[CitationView, ...]  # shown under "What the sources say"
    pages: tuple[PageLink, ...]
    feedback_n: int  # the citation number source feedback is recorded against


@dataclass(frozen=True)
class TurnView:
    turn_id: str
    position: int
    anchor: str
    question: str
    status: Status
    status_label: str
    html: Markup  # the text shown as prose: a refusal's reason, a legacy or LLM answer's text
    text: str
    citations: tuple[CitationView, ...]
    searched: Searched | None
    notices: tuple[str, ...]
    generator: str
    build_id: str
    refused: bool = False
    structured: bool = False
    lead: tuple[CitationView, ...] = ()  # quote = the lead unit's text
    sources: tuple[SourceView, ...] = ()
    notes: tuple[str, ...] = ()  # a refusal's reason; what is missing or thin (own words)
    related: bool = False

    @property
    def grouped(self) -> tuple[SourceView, ...]:
        """The sources that have quotes to show under "What the sources say"."""
        return tuple(s for s in self.sources if s.quotes)


def citation_view(citation: Citation, anchor: str) -> CitationView:
    c = citation
    return CitationView(
        n=c.n,
        anchor=f"{anchor}-source-{c.n}",
        doc_id=c.doc_id,
        title=c.title,
        publisher=c.publisher,
        year=c.year,
        pages=page_range(c.page_start, c.page_end),
        section=" › ".join(c.section),
        quote=c.quote,
        url=safe_url(c.url),
        viewer_url=viewer_url(c.doc_id, c.page_index_start, c.quote),
        verified=c.verified,
    )


def _page_links(labels: Sequence[str], cited: Sequence[Citation]) -> tuple[PageLink, ...]:
    """Each printed page label once, linked to the viewer at the first citation on that page."""
    links = []
    for label in dict.fromkeys(x for x in labels if x):
        at = next((c for c in cited if c.page_start == label), None)
        index = at.page_index_start if at else None
        if at is None:
            at = next((c for c in cited if c.page_end == label), None)
            index = at.page_index_end if at else None
        if at is not None:
            links.append(PageLink(label, viewer_url(at.doc_id, index, at.quote)))
    return tuple(links)


def _source_view(
    group: SourceGroup,
    position: int,
    anchor: str,
    citations: Mapping[int, Citation],
    quoted: Sequence[int],
) -> SourceView:
    cited = [c for n, c in sorted(citations.items()) if c.doc_id == group.doc_id]
    first = cited[0] if cited else None
    numbers = tuple(c.n for c in cited)
    return SourceView(
        anchor=f"{anchor}-doc-{position}",
        doc_id=group.doc_id,
        title=group.title or (first.title if first else ""),
        year=group.year or (first.year if first else None),
        doc_type=doc_type_label(group.doc_type) if group.doc_type not in ("", "other") else "",
        publisher=first.publisher if first else "",
        url=safe_url(first.url.split("#")[0]) if first else "",
        numbers=numbers,
        quotes=tuple(citation_view(citations[n], anchor) for n in quoted if n in citations),
        pages=_page_links(group.pages, cited),
        feedback_n=numbers[0] if numbers else 0,
    )


def _sources(
    answer: Answer, anchor: str, citations: Mapping[int, Citation]
) -> tuple[SourceView, ...]:
    """Every cited document once; its quotes are those not already shown in the lead or text."""
    return tuple(
        _source_view(group, position, anchor, citations, quoted_numbers(answer, group))
        for position, group in enumerate(source_groups(answer), 1)
    )


def _prose(answer: Answer, refused: bool, links: Mapping[int, str]) -> Markup:
    """The text shown as prose: a refusal's reason; a legacy answer's text; an LLM answer's text
    when it has no lead units. Structured extractive answers need none (the lead says it)."""
    if refused:
        return answer_html("\n\n".join(own_words(answer)), links)
    if not is_structured(answer) or (not answer.lead and answer.generator == "llm"):
        return answer_html(answer.text, links)
    return Markup("")


def _notes(answer: Answer, refused: bool) -> tuple[str, ...]:
    if refused:
        return own_words(answer)
    return notes(answer) if is_structured(answer) else ()


def turn_view(turn_id: str, position: int, question: str, answer: Answer) -> TurnView:
    anchor = f"turn-{position}"
    by_number = citations_by_number(answer)
    citations = tuple(citation_view(c, anchor) for c in by_number.values())
    links = {c.n: c.viewer_url for c in citations}
    refused = is_refusal(answer)
    lead = tuple(
        replace(citation_view(by_number[unit.n], anchor), quote=unit.text)
        for unit in answer.lead
        if unit.n in by_number
    )
    return TurnView(
        turn_id=turn_id,
        position=position,
        anchor=anchor,
        question=question,
        status=answer.status,
        status_label=STATUS_LABELS.get(answer.status, answer.status),
        html=_prose(answer, refused, links),
        text=answer.text,
        citations=citations,
        searched=answer.searched,
        notices=answer.notices,
        generator=answer.generator,
        build_id=answer.build_id,
        refused=refused,
        structured=is_structured(answer),
        lead=() if refused else lead,
        sources=_sources(answer, anchor, by_number),
        notes=_notes(answer, refused),
        related=answer.related,
    )


def filters_summary(filters: Filters | None) -> str:
    if filters is None:
        return "none"
    parts = []
    if filters.themes:
        parts.append("theme: " + ", ".join(theme_label(t) for t in filters.themes))
    if filters.doc_types:
        parts.append("type: " + ", ".join(doc_type_label(t) for t in filters.doc_types))
    if filters.year_from is not None:
        parts.append(f"from {filters.year_from}")
    if filters.year_to is not None:
        parts.append(f"to {filters.year_to}")
    return "; ".join(parts) or "none"
