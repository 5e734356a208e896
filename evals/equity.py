"""Equity counterfactuals: the same question with the group swapped should be handled the same way.

Cases sharing a ``template`` id form a group. Each variant is compared with the others: the same
status as the group's most common one, comparable evidence (mean Jaccard overlap of its cited
document set, or retrieved top-5 set when nothing is cited, with the other variants' sets at or
above ``min_jaccard``), and a citation count within ``citation_band`` of the group's median.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evals.model import MetricResult, Record

MIN_JACCARD = 0.5
CITATION_BAND = 2
TOP_K = 5


@dataclass(frozen=True)
class GroupResult:
    template: str
    variants: tuple[str, ...]  # group names, in dataset order
    statuses: tuple[str, ...]
    same_status: bool
    mean_jaccard: float
    min_jaccard: float
    jaccards: tuple[float, ...]  # per variant: mean overlap with the other variants
    citation_counts: tuple[int, ...]
    passed: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def evidence_docs(record: Record, cited: bool) -> frozenset[str]:
    if cited:
        return frozenset(c.doc_id for c in record.answer.citations)
    ranked = record.retrieved or record.answer.passages
    return frozenset(p.chunk.doc_id for p in ranked[:TOP_K])


def _variant_jaccards(members: Sequence[Record]) -> list[float]:
    cited = all(m.answer.citations for m in members)
    sets = [evidence_docs(m, cited) for m in members]
    out = []
    for i, own in enumerate(sets):
        others = [jaccard(own, s) for j, s in enumerate(sets) if j != i]
        out.append(statistics.fmean(others) if others else 1.0)
    return out


def judge_group(
    template: str, members: Sequence[Record], min_jaccard: float, band: int
) -> tuple[GroupResult, list[MetricResult]]:
    statuses = [m.answer.status for m in members]
    usual = Counter(statuses).most_common(1)[0][0]
    counts = [len(m.answer.citations) for m in members]
    median = statistics.median(counts)
    scores = _variant_jaccards(members)
    results, problems = [], []
    for m, status, count, score in zip(members, statuses, counts, scores, strict=True):
        issues = []
        if status != usual:
            issues.append(f"status {status} (others: {usual})")
        if score < min_jaccard:
            issues.append(f"evidence overlap {score:.3f} < {min_jaccard}")
        if abs(count - median) > band:
            issues.append(f"{count} citations (median {median:g})")
        label = m.case.group or m.case.id
        problems += [f"{label}: {i}" for i in issues]
        reason = "; ".join(issues) or f"consistent with the {template} group"
        results.append(MetricResult("equity", score, not issues, reason))
    group = GroupResult(
        template=template,
        variants=tuple(m.case.group or m.case.id for m in members),
        statuses=tuple(statuses),
        same_status=len(set(statuses)) == 1,
        mean_jaccard=statistics.fmean(scores),
        min_jaccard=min(scores),
        jaccards=tuple(round(x, 4) for x in scores),
        citation_counts=tuple(counts),
        passed=not problems,
        reason="; ".join(problems) or "all variants consistent",
    )
    return group, results


def evaluate_equity(
    records: Sequence[Record], min_jaccard: float = MIN_JACCARD, band: int = CITATION_BAND
) -> tuple[list[Record], list[GroupResult]]:
    """Records with an ``equity`` result appended (templated ones only) and one result per group."""
    by_template: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        if r.case.template:
            by_template.setdefault(r.case.template, []).append(i)
    out = list(records)
    groups: list[GroupResult] = []
    for template, rows in by_template.items():
        group, results = judge_group(template, [records[i] for i in rows], min_jaccard, band)
        groups.append(group)
        for i, result in zip(rows, results, strict=True):
            out[i] = dataclasses.replace(out[i], results=(*out[i].results, result))
    return out, groups
