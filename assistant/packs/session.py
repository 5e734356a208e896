"""Trainer session packs: content only (the formats live in ``assistant.packs.formats``).

A pack on a theme or a question holds learning points (verbatim quotes, each a checked
``Citation``), case summaries (per relevant document, in its own quoted words), reflective
questions from the bank (labelled as written for the pack), the sources with licence notes, the
cross-review comparison, and notes on what was searched. Every quote comes from the evidence
selection answering uses (``EvidenceSource.evidence`` / ``document_support``) and is kept only
when it is verbatim on its cited page. When the library holds little, the pack says what was
searched and stays short: nothing is added to fill it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from assistant.packs.comparison import (
    Comparison,
    EvidenceSource,
    as_filters,
    comparison_of,
    quote_of,
)
from assistant.packs.question_bank import BankTheme, QuestionBank
from assistant.text.normalisation import quote_key
from assistant.types import Citation, Document, Filters

if TYPE_CHECKING:
    from assistant.build.index import Index
    from assistant.evidence.selection import DocumentSupport, ScoredUnit, Selection

MAX_POINTS = 8
MAX_POINTS_PER_DOCUMENT = 3
MAX_SUMMARY_QUOTES = 2
CHECK_ORIGINALS = (
    "Quotes are verbatim from this library's copies of the documents. Check each one against "
    "the original publication, and its licence, before you hand it out."
)


@dataclass(frozen=True)
class LearningPoint:
    """A key learning point: a verbatim quote with its citation (document, page, links)."""

    point_id: str  # "p1", stable within a draft
    citation: Citation
    doc_type: str = "other"

    @property
    def quote(self) -> str:
        return self.citation.quote


@dataclass(frozen=True)
class CaseSummary:
    """What one relevant document is (type, area, year) and what it says, in its own words."""

    summary_id: str  # "s-<doc_id>"
    doc_id: str
    title: str
    doc_type: str
    area: str
    year: int | None
    publisher: str
    status: str  # addresses | mentions
    quotes: tuple[Citation, ...]


@dataclass(frozen=True)
class ReflectiveQuestion:
    """A discussion question from the bank: written for the pack, never a review finding."""

    question_id: str  # "q1"
    text: str
    label: str  # e.g. "Written for this pack ... not findings of any review."
    theme_id: str | None = None


@dataclass(frozen=True)
class Source:
    doc_id: str
    title: str
    publisher: str
    year: int | None
    url: str
    licence: str  # the licence as recorded, or a note that it was not recorded
    is_demo: bool = False


@dataclass(frozen=True)
class SessionPack:
    title: str
    topic: str  # what the trainer asked for
    theme_id: str | None  # the bank theme it matched, if any
    question: str  # the question the library was searched with
    aims: tuple[str, ...]
    build_id: str
    build_date: str
    made: str  # ISO 8601, UTC
    status: str  # drafted | little | nothing
    points: tuple[LearningPoint, ...]
    summaries: tuple[CaseSummary, ...]
    questions: tuple[ReflectiveQuestion, ...]
    sources: tuple[Source, ...]
    comparison: Comparison
    notes: tuple[str, ...]  # what was searched, coverage, what was left out
    filters: Filters = Filters()
    bank_version: str = ""
    questions_label: str = ""
    reminder: str = CHECK_ORIGINALS

    def item_ids(self) -> tuple[str, ...]:
        return (
            *(p.point_id for p in self.points),
            *(s.summary_id for s in self.summaries),
            *(q.question_id for q in self.questions),
        )

    def select(self, keep: Collection[str] | None, order: Sequence[str] = ()) -> SessionPack:
        """The pack with only the ``keep`` items (None keeps all), in ``order`` where given."""
        rank = {item: i for i, item in enumerate(order)}

        def pick(items: Sequence[Any], key: str) -> tuple[Any, ...]:
            kept = [x for x in items if keep is None or getattr(x, key) in keep]
            return tuple(sorted(kept, key=lambda x: rank.get(getattr(x, key), len(rank))))

        points = pick(self.points, "point_id")
        summaries = pick(self.summaries, "summary_id")
        cited = {p.citation.doc_id for p in points} | {s.doc_id for s in summaries}
        return replace(
            self,
            points=points,
            summaries=summaries,
            questions=pick(self.questions, "question_id"),
            sources=tuple(s for s in self.sources if s.doc_id in cited),
        )


# --- drafting -----------------------------------------------------------------------------------


def draft_pack(
    source: EvidenceSource,
    topic: str,
    bank: QuestionBank,
    filters: Filters | Mapping[str, Any] | None = None,
    *,
    made: datetime | None = None,
) -> SessionPack:
    """Draft a pack on ``topic`` (a theme id, label or alias from the bank, or a question)."""
    topic = " ".join(topic.split())
    theme = bank.match(topic)
    question = theme.search if theme else topic
    wanted = as_filters(filters)
    index = source.index
    selection = source.evidence(question, wanted)
    supports = source.document_support(question, wanted)
    comparison = comparison_of(question, supports, index, wanted)
    points, dropped = learning_points(selection, supports, index)
    summaries = case_summaries(comparison, selection, index)
    status = _status(selection, points, summaries)
    label = theme.label if theme else topic
    return SessionPack(
        title=f"Session pack: {label}",
        topic=topic,
        theme_id=theme.theme_id if theme else None,
        question=question,
        aims=bank.aims(theme, label[:1].lower() + label[1:] if theme else f"“{label}”"),
        build_id=index.build_id,
        build_date=str(getattr(index.info, "created", "")),
        made=(made or datetime.now(UTC)).isoformat(timespec="seconds"),
        status=status,
        points=points,
        summaries=summaries,
        questions=_questions(bank, theme) if status != "nothing" else (),
        sources=sources_of(index, points, summaries),
        comparison=comparison,
        notes=_notes(selection, comparison, index, status, points, dropped),
        filters=wanted,
        bank_version=bank.version,
        questions_label=bank.label,
    )


def learning_points(
    selection: Selection, supports: Sequence[DocumentSupport], index: Index
) -> tuple[tuple[LearningPoint, ...], int]:
    """Verified points: the answer's lead, its other units document by document, then the best
    unit of each further document that addresses the question (the comparison's). None when
    answering would refuse."""
    if selection.status == "no_evidence" or selection.subject_absent:
        return (), 0
    points: list[LearningPoint] = []
    seen: set[str] = set()
    per_document: dict[str, int] = {}
    dropped = 0
    for scored in _candidates(selection, supports):
        doc_id = scored.passage.chunk.doc_id
        text = quote_key(scored.unit.text)
        if text in seen or per_document.get(doc_id, 0) >= MAX_POINTS_PER_DOCUMENT:
            continue
        seen.add(text)
        citation = quote_of(scored, index, len(points) + 1)
        if citation is None:
            dropped += 1
            continue
        per_document[doc_id] = per_document.get(doc_id, 0) + 1
        points.append(
            LearningPoint(f"p{len(points) + 1}", citation, scored.passage.document.doc_type)
        )
        if len(points) == MAX_POINTS:
            break
    return tuple(points), dropped


def _candidates(selection: Selection, supports: Sequence[DocumentSupport]) -> list[ScoredUnit]:
    queues = [list(units) for _, units in selection.by_document]
    ordered: list[ScoredUnit] = list(selection.lead)
    while any(queues):
        for queue in queues:
            if queue:
                ordered.append(queue.pop(0))
    best = [s.best for s in supports if s.status == "addresses" and s.best is not None]
    ordered.extend(sorted(best, key=lambda s: -s.score))
    return [s for s in ordered if s.support == "addresses" and not s.unit.context]


def case_summaries(
    comparison: Comparison, selection: Selection, index: Index
) -> tuple[CaseSummary, ...]:
    """One summary per document that addresses or mentions the question, best first."""
    more = {document.doc_id: units for document, units in selection.by_document}
    summaries = []
    for row in comparison.rows:
        if row.status == "silent" or row.quote is None:
            continue
        document = index.document(row.doc_id)
        quotes = [row.quote]
        for scored in more.get(row.doc_id, ()):
            if len(quotes) >= MAX_SUMMARY_QUOTES:
                break
            if scored.unit.context or quote_key(scored.unit.text) in _texts(quotes):
                continue
            extra = quote_of(scored, index, len(quotes) + 1)
            if extra is not None:
                quotes.append(extra)
        summaries.append(
            CaseSummary(
                summary_id=f"s-{row.doc_id}",
                doc_id=row.doc_id,
                title=row.title,
                doc_type=row.doc_type,
                area=row.area,
                year=row.year,
                publisher=document.publisher if document else "",
                status=row.status,
                quotes=tuple(quotes),
            )
        )
    return tuple(summaries)


def _texts(quotes: Sequence[Citation]) -> set[str]:
    return {quote_key(q.quote) for q in quotes}


def _questions(bank: QuestionBank, theme: BankTheme | None) -> tuple[ReflectiveQuestion, ...]:
    theme_id = theme.theme_id if theme else None
    return tuple(
        ReflectiveQuestion(f"q{i}", text, bank.label, theme_id)
        for i, text in enumerate(bank.questions(theme), start=1)
    )


def sources_of(
    index: Index, points: Sequence[LearningPoint], summaries: Sequence[CaseSummary]
) -> tuple[Source, ...]:
    doc_ids = dict.fromkeys([p.citation.doc_id for p in points] + [s.doc_id for s in summaries])
    documents = [d for d in (index.document(i) for i in doc_ids) if d is not None]
    return tuple(source_of(d) for d in documents)


def source_of(document: Document) -> Source:
    extra = document.extra or {}
    licence = document.licence or extra.get("licence_of_original", "")
    return Source(
        doc_id=document.doc_id,
        title=document.title,
        publisher=document.publisher or extra.get("about_publisher", ""),
        year=document.year,
        url=document.url or extra.get("about_url", ""),
        licence=licence or "Licence not recorded: check the publisher's terms before reuse.",
        is_demo=document.is_demo,
    )


def _status(
    selection: Selection, points: Sequence[LearningPoint], summaries: Sequence[CaseSummary]
) -> str:
    if not points and not summaries:
        return "nothing"
    if selection.status != "answered" or len(points) < 3:
        return "little"
    return "drafted"


def _notes(
    selection: Selection,
    comparison: Comparison,
    index: Index,
    status: str,
    points: Sequence[LearningPoint],
    dropped: int,
) -> tuple[str, ...]:
    counts = {s: comparison.count(s) for s in ("addresses", "mentions", "silent")}
    filters = ", ".join(f"{k}={v}" for k, v in comparison.filters.to_dict().items() if v)
    notes = [
        f"Searched all {len(comparison.rows)} documents of library build {index.build_id}"
        + (f" (filters: {filters})" if filters else "")
        + f" for: “{selection.question}”.",
        f"{counts['addresses']} document(s) address it, {counts['mentions']} mention it and "
        f"{counts['silent']} do not address it (see the comparison).",
    ]
    if selection.subject_absent:
        notes.append("The subject of this topic does not appear anywhere in the library.")
    if selection.missing:
        notes.append("The library does not hold: " + "; ".join(selection.missing) + ".")
    if status == "nothing":
        notes.append(
            "No learning points, case summaries or discussion questions were drafted: nothing in "
            "the library supports them, and this pack does not fill the gap with other material."
        )
    elif status == "little":
        notes.append(
            f"The library holds little on this: {len(points)} learning point(s) could be quoted."
        )
    if dropped:
        notes.append(
            f"{dropped} quote(s) were left out because they did not check out on the page."
        )
    if getattr(index.info, "is_demo", False):
        notes.append(
            "Drawn from the demo library: briefings written for this project that summarise the "
            "publications they name. They are not the official publications."
        )
    return tuple(notes)
