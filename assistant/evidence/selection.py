"""What evidence selection returns: units scored for a question, a document's support, and
the selection an answer is written from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from assistant.text.units import Unit
from assistant.types import Document, Passage, Status

Support = Literal["addresses", "mentions", "silent"]


@dataclass(frozen=True)
class ScoredUnit:
    unit: Unit
    passage: Passage
    score: float
    support: Support
    dense: float = 0.0
    cover: float = 0.0
    kind_ok: bool = False
    vector: np.ndarray | None = None

    @property
    def document(self) -> Document:
        return self.passage.document


@dataclass(frozen=True)
class DocumentSupport:
    document: Document
    status: Support
    best: ScoredUnit | None


@dataclass(frozen=True)
class Selection:
    question: str
    status: Status  # ANSWERED, PARTIAL or NO_EVIDENCE
    lead: tuple[ScoredUnit, ...]
    by_document: tuple[tuple[Document, tuple[ScoredUnit, ...]], ...]
    missing: tuple[str, ...]
    subject_absent: bool
    related: tuple[ScoredUnit, ...] = ()  # offered with a refusal: not an answer
    best_score: float = 0.0
    kind: str = "any"
    kind_missing: bool = False  # the kind of answer asked for is in none of the chosen units
    missing_parts: tuple[str, ...] = ()  # parts of a compound question nothing found answers
    thin: tuple[tuple[str, int], ...] = ()  # (subject, chunks mentioning it) for thin coverage

    @property
    def units(self) -> tuple[ScoredUnit, ...]:
        return tuple(u for _, group in self.by_document for u in group)


def group(chosen: Sequence[ScoredUnit]) -> tuple[tuple[Document, tuple[ScoredUnit, ...]], ...]:
    """Documents in order of their best unit; units best first within each."""
    groups: dict[str, list[ScoredUnit]] = {}
    docs: dict[str, Document] = {}
    for unit in sorted(chosen, key=lambda u: -u.score):
        groups.setdefault(unit.document.doc_id, []).append(unit)
        docs[unit.document.doc_id] = unit.document
    return tuple((docs[d], tuple(units_)) for d, units_ in groups.items())
