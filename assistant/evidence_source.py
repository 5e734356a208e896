"""The evidence source packs, ``compare`` and the silence map read (``comparison.EvidenceSource``).

ADR 12 gives the Assistant ``evidence(question, filters)`` and ``document_support(question,
filters)``. Until the Assistant has them, ``evidence_source`` wraps it in ``SelectorSource``,
which calls the served build's own ``EvidenceSelector`` (the scorer answering uses) on the
Assistant's own retrieval: ``select`` over the passages an answer would get, and
``document_support`` over each document's best passages. Nothing here scores text. Once the
Assistant has both methods, ``evidence_source`` returns it unchanged and this wrapper can go.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from assistant.index import matches
from assistant.types import Filters

if TYPE_CHECKING:
    from assistant.comparison import EvidenceSource
    from assistant.evidence import DocumentSupport, Selection
    from assistant.index import Index

PER_DOCUMENT_K = 4  # passages of one document scored for its support


def evidence_source(assistant: Any) -> EvidenceSource:
    if hasattr(type(assistant), "document_support") and hasattr(type(assistant), "evidence"):
        return assistant  # type: ignore[no-any-return]
    return SelectorSource(assistant)


def _filters(filters: Filters | Mapping[str, Any] | None) -> Filters:
    return filters if isinstance(filters, Filters) else Filters.from_dict(filters)


class SelectorSource:
    """An Assistant's served selector and retriever as an ``EvidenceSource``."""

    def __init__(self, assistant: Any) -> None:
        self.assistant = assistant

    def __getattr__(self, name: str) -> Any:  # ask, search, reload_if_swapped, ...
        return getattr(self.assistant, name)

    @property
    def index(self) -> Index:
        return self.assistant.index  # type: ignore[no-any-return]

    def evidence(
        self, question: str, filters: Filters | Mapping[str, Any] | None = None
    ) -> Selection:
        served = self.assistant._served
        r = served.retriever.retrieve(question, served.settings.retrieval_k, _filters(filters))
        return served.selector.select(question, r.passages, r.vector)  # type: ignore[no-any-return]

    def document_support(
        self, question: str, filters: Filters | Mapping[str, Any] | None = None
    ) -> list[DocumentSupport]:
        """Exactly one row per document the filters admit, silent ones included."""
        served = self.assistant._served
        wanted = _filters(filters)
        index = served.index
        admitted = {c.doc_id for c in index.chunks if matches(wanted, c, index.document(c.doc_id))}
        by_document = {}
        vector = None
        for document in index.documents:
            if document.doc_id in admitted:
                scoped = Filters(**{**wanted.__dict__, "doc_ids": (document.doc_id,)})
                r = served.retriever.retrieve(question, PER_DOCUMENT_K, scoped)
                by_document[document.doc_id] = r.passages
                vector = r.vector
        rows: list[DocumentSupport] = served.selector.document_support(
            question, by_document, vector
        )
        return rows
