"""The evaluation nouns: a Case (one dataset line), a MetricResult, and a Record (one run of a case).

Dataset lines are JSON objects (format in ``evals/datasets/README.md``). Records keep the real
``Answer`` so evaluators read typed fields; ``Record.to_dict`` is the ``records.jsonl`` line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.types import Answer, Passage, Status

ANSWERABLE_KINDS = ("factual", "thematic", "comparison", "follow-up")
ANSWER_STATUSES: tuple[Status, ...] = ("answered", "partial")
REFUSAL_STATUSES: tuple[Status, ...] = ("no_evidence", "out_of_scope", "partial", "personal_data")


@dataclass(frozen=True)
class Case:
    """One evaluation question. Only ``id`` and ``question`` are required."""

    id: str
    question: str
    kind: str = "factual"
    answerable: bool | None = True  # None: not judged (e.g. equity probes)
    expected_docs: tuple[str, ...] = ()  # file names, as in the gold set
    expected_pages: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # physical, 1-based
    expected_page_labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # printed
    key_facts: tuple[str, ...] = ()
    follows: str = ""  # id of the case asked just before (its history)
    template: str = ""  # equity: counterfactual group id
    group: str = ""  # equity: the group named in this variant
    attack: str = ""  # adversarial: injection | stereotype | generalise | jailbreak | personal_data
    expected_status: tuple[str, ...] = ()  # acceptable statuses; empty = any
    must_not_contain: tuple[str, ...] = ()  # regexes (case-insensitive) the answer must not match
    handling: str = ""  # the expected handling, in words (shown in reports)
    subject: str = ""  # absent: the subject the library does not hold
    missing: tuple[str, ...] = ()  # partial: the parts of the question the library does not cover

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Case:
        def strings(key: str) -> tuple[str, ...]:
            return tuple(str(v) for v in data.get(key) or ())

        return cls(
            id=str(data["id"]),
            question=str(data["question"]),
            kind=str(data.get("kind", "factual")),
            answerable=data.get("answerable", True),
            expected_docs=strings("expected_docs"),
            expected_pages={
                str(k): tuple(int(p) for p in v)
                for k, v in (data.get("expected_pages") or {}).items()
            },
            expected_page_labels={
                str(k): tuple(str(p) for p in v)
                for k, v in (data.get("expected_page_labels") or {}).items()
            },
            key_facts=strings("key_facts"),
            follows=str(data.get("follows") or ""),
            template=str(data.get("template") or ""),
            group=str(data.get("group") or ""),
            attack=str(data.get("attack") or ""),
            expected_status=strings("expected_status"),
            must_not_contain=strings("must_not_contain"),
            handling=str(data.get("handling") or ""),
            subject=str(data.get("subject") or ""),
            missing=strings("missing"),
        )


@dataclass(frozen=True)
class MetricResult:
    """One evaluator's verdict on one record. ``value``/``passed`` are None when not applicable."""

    name: str
    value: float | None
    passed: bool | None
    reason: str = ""

    @property
    def applicable(self) -> bool:
        return self.value is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "passed": self.passed,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Expected:
    """A case's expected evidence resolved to the build's doc ids."""

    doc_ids: tuple[str, ...] = ()
    pages: Mapping[str, frozenset[int]] = field(default_factory=dict)
    labels: Mapping[str, frozenset[str]] = field(default_factory=dict)
    unresolved: tuple[str, ...] = ()  # expected file names not found in the build

    def relevant(self, passage: Passage) -> bool:
        """A passage counts when it is from an expected document (and page, where pages are given)."""
        c = passage.chunk
        if c.doc_id not in self.doc_ids:
            return False
        pages, labels = self.pages.get(c.doc_id), self.labels.get(c.doc_id)
        if not pages and not labels:
            return True
        if pages and any(c.page_start <= p <= c.page_end for p in pages):
            return True
        return bool(labels) and bool({c.page_label_start, c.page_label_end} & set(labels or ()))


@dataclass(frozen=True)
class Record:
    """One case run through the Assistant, with everything the evaluators need."""

    case: Case
    answer: Answer
    expected: Expected = Expected()
    retrieved: tuple[Passage, ...] = ()  # ranked search results for the retrieval metrics
    sources: Mapping[str, Mapping[int, str]] = field(default_factory=dict)  # doc -> page -> text
    latency_ms: float = 0.0
    results: tuple[MetricResult, ...] = ()

    def result(self, name: str) -> MetricResult | None:
        return next((r for r in self.results if r.name == name), None)

    def failures(self) -> list[MetricResult]:
        return [r for r in self.results if r.passed is False]

    def to_dict(self) -> dict[str, Any]:
        from evals.dataset import split_of  # dataset imports this module

        a = self.answer
        return {
            "id": self.case.id,
            "question": self.case.question,
            "kind": self.case.kind,
            "split": split_of(self.case.id),
            "template": self.case.template or None,
            "group": self.case.group or None,
            "status": a.status,
            "text": a.text,
            "generator": a.generator,
            "search_query": a.search_query,
            "citations": [c.to_dict() for c in a.citations],
            "passages": [_passage_summary(p, text=200) for p in a.passages],
            "retrieved": [_passage_summary(p, text=0) for p in self.retrieved],
            "expected_doc_ids": list(self.expected.doc_ids),
            "notices": list(a.notices),
            "lead": [u.to_dict() for u in a.lead],
            "missing": list(a.missing),
            "related": a.related,
            "refusal": a.refusal,
            "latency_ms": round(self.latency_ms, 1),
            "answer_metrics": dict(a.metrics),
            "metrics": {r.name: r.to_dict() for r in self.results},
        }


def _passage_summary(p: Passage, *, text: int) -> dict[str, Any]:
    """A passage for records.jsonl: rank, ids, scores, pages, and the first ``text`` characters."""
    c = p.chunk
    data: dict[str, Any] = {
        "rank": p.rank,
        "doc_id": c.doc_id,
        "chunk_id": c.chunk_id,
        "score": round(p.score, 5),
        "page_start": c.page_label_start,
        "page_end": c.page_label_end,
        "page_index_start": c.page_start,
        "page_index_end": c.page_end,
    }
    if text:
        data["text"] = c.text[:text]
    return data
