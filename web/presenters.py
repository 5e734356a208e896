"""What templates show: stored turns and Answer JSON turned into small view values, and labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

from markupsafe import Markup

from assistant.surfaces import (
    citations_by_number,
    is_refusal,
    is_structured,
    notes,
    own_words,
    quoted_numbers,
    source_groups,
)
from assistant.types import Document
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

STATUS_LABELS: dict[str, str] = {
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
    year: Any
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
    year: Any
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
    status: str
    status_label: str
    html: Markup  # the text shown as prose: a refusal's reason, a legacy or LLM answer's text
    text: str
    citations: tuple[CitationView, ...]
    searched: Mapping[str, Any] | None
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


def viewer_url(doc_id: str, page_index: Any, quote: str) -> str:
    query = urlencode({"page": int(page_index or 1), "q": quote[:1000]})
    return f"/library/{url_quote(doc_id, safe='')}?{query}#q1"


def citation_view(data: Mapping[str, Any], anchor: str) -> CitationView:
    n = int(data.get("n", 0))
    section = data.get("section") or ()
    return CitationView(
        n=n,
        anchor=f"{anchor}-source-{n}",
        doc_id=str(data.get("doc_id", "")),
        title=str(data.get("title", "")),
        publisher=str(data.get("publisher", "")),
        year=data.get("year"),
        pages=page_range(data.get("page_start"), data.get("page_end")),
        section=" › ".join(str(s) for s in section),
        quote=str(data.get("quote", "")),
        url=safe_url(str(data.get("url", ""))),
        viewer_url=viewer_url(
            str(data.get("doc_id", "")), data.get("page_index_start"), str(data.get("quote", ""))
        ),
        verified=bool(data.get("verified", False)),
    )


def _page_links(labels: Sequence[Any], cited: Sequence[Mapping[str, Any]]) -> tuple[PageLink, ...]:
    """Each printed page label once, linked to the viewer at the first citation on that page."""
    links = []
    for label in dict.fromkeys(str(x) for x in labels if str(x)):
        at = next((c for c in cited if str(c.get("page_start")) == label), None)
        index = at.get("page_index_start") if at else None
        if at is None:
            at = next((c for c in cited if str(c.get("page_end")) == label), None)
            index = at.get("page_index_end") if at else None
        if at is not None:
            quote = str(at.get("quote", ""))
            links.append(PageLink(label, viewer_url(str(at.get("doc_id", "")), index, quote)))
    return tuple(links)


def _source_view(
    group: Mapping[str, Any],
    position: int,
    anchor: str,
    citations: Mapping[int, Mapping[str, Any]],
    quoted: Sequence[int],
) -> SourceView:
    doc_id = str(group.get("doc_id", ""))
    cited = [c for n, c in sorted(citations.items()) if str(c.get("doc_id", "")) == doc_id]
    first = cited[0] if cited else {}
    numbers = tuple(int(c.get("n", 0)) for c in cited)
    doc_type = str(group.get("doc_type") or "")
    return SourceView(
        anchor=f"{anchor}-doc-{position}",
        doc_id=doc_id,
        title=str(group.get("title") or first.get("title", "")),
        year=group.get("year") or first.get("year"),
        doc_type=doc_type_label(doc_type) if doc_type not in ("", "other") else "",
        publisher=str(first.get("publisher", "")),
        url=safe_url(str(first.get("url", "")).split("#")[0]),
        numbers=numbers,
        quotes=tuple(citation_view(citations[n], anchor) for n in quoted if n in citations),
        pages=_page_links(group.get("pages") or (), cited),
        feedback_n=numbers[0] if numbers else 0,
    )


def _sources(
    answer: Mapping[str, Any], anchor: str, citations: Mapping[int, Mapping[str, Any]]
) -> tuple[SourceView, ...]:
    """Every cited document once; its quotes are those not already shown in the lead or text."""
    return tuple(
        _source_view(group, position, anchor, citations, quoted_numbers(answer, group))
        for position, group in enumerate(source_groups(answer), 1)
    )


def _prose(answer: Mapping[str, Any], refused: bool, links: Mapping[int, str]) -> Markup:
    """The text shown as prose: a refusal's reason; a legacy answer's text; an LLM answer's text
    when it has no lead units. Structured extractive answers need none (the lead says it)."""
    text = str(answer.get("text", ""))
    if refused:
        return answer_html("\n\n".join(own_words(answer)), links)
    if not is_structured(answer) or (not answer.get("lead") and answer.get("generator") == "llm"):
        return answer_html(text, links)
    return Markup("")


def _notes(answer: Mapping[str, Any], refused: bool) -> tuple[str, ...]:
    if refused:
        return own_words(answer)
    return notes(answer) if is_structured(answer) else ()


def turn_view(turn_id: str, position: int, question: str, answer: Mapping[str, Any]) -> TurnView:
    anchor = f"turn-{position}"
    by_number = citations_by_number(answer)
    citations = tuple(citation_view(c, anchor) for c in by_number.values())
    links = {c.n: c.viewer_url for c in citations}
    status = str(answer.get("status", "error"))
    refused = is_refusal(answer)
    lead = tuple(
        replace(citation_view(by_number[n], anchor), quote=str(unit.get("text", "")))
        for unit in answer.get("lead") or ()
        if (n := int(unit.get("n", 0))) in by_number
    )
    return TurnView(
        turn_id=turn_id,
        position=position,
        anchor=anchor,
        question=question,
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        html=_prose(answer, refused, links),
        text=str(answer.get("text", "")),
        citations=citations,
        searched=answer.get("searched"),
        notices=tuple(str(n) for n in answer.get("notices") or ()),
        generator=str(answer.get("generator", "")),
        build_id=str(answer.get("build_id", "")),
        refused=refused,
        structured=is_structured(answer),
        lead=() if refused else lead,
        sources=_sources(answer, anchor, by_number),
        notes=_notes(answer, refused),
        related=bool(answer.get("related")),
    )


def filters_summary(filters: Mapping[str, Any] | None) -> str:
    if not filters:
        return "none"
    parts = []
    if filters.get("themes"):
        parts.append("theme: " + ", ".join(theme_label(t) for t in filters["themes"]))
    if filters.get("doc_types"):
        parts.append("type: " + ", ".join(doc_type_label(t) for t in filters["doc_types"]))
    if filters.get("year_from") is not None:
        parts.append(f"from {filters['year_from']}")
    if filters.get("year_to") is not None:
        parts.append(f"to {filters['year_to']}")
    return "; ".join(parts) or "none"
