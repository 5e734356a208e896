"""Cross-review comparison: one row per document in the library for a theme or a question.

The rows come from ``document_support`` (``assistant.evidence``): the same evidence support that
answering uses, exhaustive over the library after filters, silent documents kept and labelled
"not addressed". Each row's best quote becomes a ``Citation`` narrowed to its page and checked
verbatim against the build's page text; a quote that does not check out is not shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from assistant.citations import check, cite
from assistant.types import Citation, Document, Filters

if TYPE_CHECKING:
    from assistant.build.index import Index
    from assistant.evidence.selection import DocumentSupport, ScoredUnit, Selection

SUPPORTS: tuple[str, ...] = ("addresses", "mentions", "silent")
SUPPORT_LABELS: Mapping[str, str] = {
    "addresses": "Addresses",
    "mentions": "Mentions",
    "silent": "Not addressed",
}


class EvidenceSource(Protocol):
    """What packs, comparisons and the silence map use of ``assistant.pipeline.Assistant``."""

    @property
    def index(self) -> Index: ...

    def evidence(
        self, question: str, filters: Filters | Mapping[str, Any] | None = None
    ) -> Selection: ...

    def document_support(
        self, question: str, filters: Filters | Mapping[str, Any] | None = None
    ) -> list[DocumentSupport]: ...


@dataclass(frozen=True)
class ComparisonRow:
    """What one document says on the question: its status and best quote (None when silent)."""

    doc_id: str
    title: str
    doc_type: str
    area: str
    year: int | None
    status: str  # addresses | mentions | silent
    quote: Citation | None = None

    @property
    def status_label(self) -> str:
        return SUPPORT_LABELS.get(self.status, self.status)

    def to_dict(self) -> dict[str, Any]:
        q = self.quote
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "doc_type": self.doc_type,
            "area": self.area,
            "year": self.year,
            "status": self.status,
            "status_label": self.status_label,
            "quote": q.quote if q else None,
            "page": q.page_start if q else None,
            "page_index": q.page_index_start if q else None,
            "url": q.url if q else None,
            "viewer_url": q.viewer_url if q else None,
        }


@dataclass(frozen=True)
class Comparison:
    question: str
    build_id: str
    filters: Filters
    rows: tuple[ComparisonRow, ...]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "build_id": self.build_id,
            "filters": self.filters.to_dict(),
            "rows": [r.to_dict() for r in self.rows],
        }


def compare(
    source: EvidenceSource, question: str, filters: Filters | Mapping[str, Any] | None = None
) -> Comparison:
    """One row per document: addresses first, then mentions, then silent; by title within."""
    wanted = as_filters(filters)
    return comparison_of(question, source.document_support(question, wanted), source.index, wanted)


def comparison_of(
    question: str, supports: Sequence[DocumentSupport], index: Index, filters: Filters
) -> Comparison:
    rows = [row_of(s, index) for s in supports]
    order = {s: i for i, s in enumerate(SUPPORTS)}
    rows.sort(key=lambda r: (order.get(r.status, 9), r.title.lower()))
    return Comparison(question, index.build_id, filters, tuple(rows))


def row_of(support: DocumentSupport, index: Index) -> ComparisonRow:
    d: Document = support.document
    quote = quote_of(support.best, index, 1) if support.best is not None else None
    status = support.status if support.status in SUPPORTS else "silent"
    return ComparisonRow(d.doc_id, d.title, d.doc_type, d.area, d.year, status, quote)


def quote_of(scored: ScoredUnit, index: Index, n: int) -> Citation | None:
    """A verified citation of one scored unit, narrowed to its page; None if it does not check."""
    passage = scored.passage
    citation = cite(n, passage, scored.unit.text, index.pages(passage.chunk.doc_id))
    if not check(citation, index):
        return None
    return replace(citation, verified=True)


def as_filters(filters: Filters | Mapping[str, Any] | None) -> Filters:
    return filters if isinstance(filters, Filters) else Filters.from_dict(filters)
