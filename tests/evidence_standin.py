"""TEMPORARY (delete when ``Assistant.evidence`` / ``Assistant.document_support`` land on main):
the two ADR 12 methods approximated with the real ``EvidenceSelector`` of the served build, so
packs, compare and the silence map can be tested before the Assistant exposes them. Tests only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.evidence import DocumentSupport, Selection
from assistant.index import matches
from assistant.types import Filters

PER_DOCUMENT_K = 4


def _filters(filters: Filters | Mapping[str, Any] | None) -> Filters:
    return filters if isinstance(filters, Filters) else Filters.from_dict(filters)


class StandIn:
    """Wraps an Assistant; everything else is delegated to it."""

    def __init__(self, assistant: Any) -> None:
        self.assistant = assistant

    def __getattr__(self, name: str) -> Any:
        return getattr(self.assistant, name)

    @property
    def index(self) -> Any:
        return self.assistant.index

    def evidence(
        self, question: str, filters: Filters | Mapping[str, Any] | None = None
    ) -> Selection:
        served = self.assistant._served
        r = served.retriever.retrieve(question, served.settings.retrieval_k, _filters(filters))
        return served.selector.select(question, r.passages, r.vector)  # type: ignore[no-any-return]

    def document_support(
        self, question: str, filters: Filters | Mapping[str, Any] | None = None
    ) -> list[DocumentSupport]:
        served = self.assistant._served
        f = _filters(filters)
        index = served.index
        wanted = {c.doc_id for c in index.chunks if matches(f, c, index.document(c.doc_id))}
        by_document = {}
        vector = None
        for document in index.documents:
            if document.doc_id not in wanted:
                continue
            scoped = Filters(**{**f.__dict__, "doc_ids": (document.doc_id,)})
            r = served.retriever.retrieve(question, PER_DOCUMENT_K, scoped)
            by_document[document.doc_id] = r.passages
            vector = r.vector
        rows = served.selector.document_support(question, by_document, vector)
        return rows  # type: ignore[no-any-return]


def evidence_source(assistant: Any) -> Any:
    """The assistant itself once it has the ADR 12 methods; the stand-in until then."""
    return assistant if hasattr(type(assistant), "document_support") else StandIn(assistant)
