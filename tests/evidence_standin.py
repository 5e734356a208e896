"""TEMPORARY (delete when assistant/evidence.py lands on main): an approximation of the ADR 12
evidence interfaces over ``Assistant.search``, so packs, compare and the silence map can be
developed before the real evidence selection exists. Never used outside tests."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.keyword import tokenize
from assistant.types import Document, Filters, Passage

ADDRESSES, MENTIONS = 0.5, 0.3


@dataclass(frozen=True)
class Unit:
    text: str
    kind: str = "sentence"
    block: int = 0
    position: int = 0
    context: bool = False


@dataclass(frozen=True)
class ScoredUnit:
    unit: Unit
    passage: Passage
    score: float
    support: str


@dataclass(frozen=True)
class DocumentSupport:
    document: Document
    status: str
    best: ScoredUnit | None


@dataclass(frozen=True)
class Selection:
    question: str
    status: str
    lead: tuple[ScoredUnit, ...]
    by_document: tuple[tuple[Document, tuple[ScoredUnit, ...]], ...]
    missing: tuple[str, ...]
    subject_absent: bool


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 5]


class StandIn:
    """Wraps an Assistant; ``evidence`` and ``document_support`` approximated by search."""

    def __init__(self, assistant: Any) -> None:
        self.assistant = assistant

    @property
    def index(self) -> Any:
        return self.assistant.index

    def __getattr__(self, name: str) -> Any:
        return getattr(self.assistant, name)

    def _units(self, question: str, passages: list[Passage]) -> list[ScoredUnit]:
        words = set(tokenize(question))
        out = []
        for p in passages:
            for s in _sentences(p.chunk.text):
                overlap = len(words & set(tokenize(s))) / max(1, len(words))
                score = overlap + (p.dense_score or 0.0)
                support = "addresses" if score >= ADDRESSES else "mentions"
                if overlap > 0:
                    out.append(ScoredUnit(Unit(s), p, score, support))
        return sorted(out, key=lambda u: -u.score)

    def document_support(
        self, question: str, filters: Filters | Mapping[str, Any] | None = None
    ) -> list[DocumentSupport]:
        f = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        rows = []
        for d in self.index.documents:
            if f.doc_types and d.doc_type not in f.doc_types:
                continue
            scoped = Filters(doc_ids=(d.doc_id,), doc_types=f.doc_types, year_from=f.year_from)
            units = self._units(question, self.assistant.search(question, scoped, k=3))
            best = units[0] if units and units[0].score >= MENTIONS else None
            rows.append(DocumentSupport(d, best.support if best else "silent", best))
        return rows

    def evidence(
        self, question: str, filters: Filters | Mapping[str, Any] | None = None
    ) -> Selection:
        groups = []
        for row in self.document_support(question, filters):
            if row.best is not None:
                scoped = Filters(doc_ids=(row.document.doc_id,))
                units = self._units(question, self.assistant.search(question, scoped, k=3))
                groups.append((row.document, tuple(u for u in units if u.score >= MENTIONS)))
        groups.sort(key=lambda g: -g[1][0].score if g[1] else 0)
        lead = tuple(g[1][0] for g in groups[:1] if g[1] and g[1][0].support == "addresses")
        status = "answered" if lead else "no_evidence"
        return Selection(question, status, lead, tuple(groups), (), not groups)


def evidence_source(assistant: Any) -> Any:
    """The assistant itself once it has the ADR 12 methods; the stand-in until then."""
    return assistant if hasattr(type(assistant), "document_support") else StandIn(assistant)
