"""The answer's shape for its JSON and pages: lead units and the evidence grouped by document.

Computed from the final, verified citations (after the output checks renumbered them), so
``lead[].n`` and ``groups[].citations`` always point at citations the answer really carries.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.evidence.selection import Selection
from assistant.text.normalisation import quote_key
from assistant.types import Citation, Document, LeadUnit, SourceGroup


def lead_units(selection: Selection | None, citations: Sequence[Citation]) -> tuple[LeadUnit, ...]:
    if selection is None or not selection.lead:
        return ()
    wanted = {quote_key(u.unit.text) for u in selection.lead}
    return tuple(LeadUnit(c.n, c.quote) for c in citations if quote_key(c.quote) in wanted)


def source_groups(
    citations: Sequence[Citation],
    documents: dict[str, Document],
    lead: Sequence[LeadUnit] = (),
    order: Sequence[str] = (),
) -> tuple[SourceGroup, ...]:
    """Every cited document once, in ``order`` (best supported first) then as first cited."""
    lead_ns = {u.n for u in lead}
    doc_ids = list(
        dict.fromkeys(
            [
                *(d for d in order if any(c.doc_id == d for c in citations)),
                *(c.doc_id for c in citations),
            ]
        )
    )
    out = []
    for doc_id in doc_ids:
        cited = [c for c in citations if c.doc_id == doc_id]
        document = documents.get(doc_id)
        pages = sorted({c.page_index_start: c.page_start for c in cited}.items())
        out.append(
            SourceGroup(
                doc_id=doc_id,
                title=document.title if document else cited[0].title,
                year=document.year if document else cited[0].year,
                doc_type=document.doc_type if document else "other",
                citations=tuple(c.n for c in cited if c.n not in lead_ns),
                pages=tuple(dict.fromkeys(label for _, label in pages if label)),
            )
        )
    return tuple(out)
