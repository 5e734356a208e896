"""Aggregates of a run: each metric's mean over the records it applies to, overall and by kind,
the equity groups (verdicts, coverage per group named), statuses and latency percentiles.
``headline`` is the flat view compare uses."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from evals.acceptance import ALL, acceptance, figure
from evals.dataset import split_of
from evals.equity import CONSISTENT, EXPLAINED, INCONSISTENT, VERDICTS, GroupResult
from evals.model import Record

LOWER_IS_BETTER = frozenset(
    {
        "false_refusal",
        "latency_p50_ms",
        "latency_p95_ms",
        "error_rate",
        "equity_unexplained",
        "median_answer_chars",
    }
)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def metric_table(records: Sequence[Record]) -> dict[str, dict[str, Any]]:
    """metric -> {value (mean of applicable), n, passed, failed}, in first-seen order."""
    table: dict[str, dict[str, Any]] = {}
    for r in records:
        for m in r.results:
            row = table.setdefault(m.name, {"values": [], "passed": 0, "failed": 0})
            if m.value is None:
                continue
            row["values"].append(m.value)
            row["passed"] += m.passed is True
            row["failed"] += m.passed is False
    return {
        name: {
            "value": round(statistics.fmean(row["values"]), 4) if row["values"] else None,
            "n": len(row["values"]),
            "passed": row["passed"],
            "failed": row["failed"],
        }
        for name, row in table.items()
    }


def latency(records: Sequence[Record]) -> dict[str, float]:
    values = [r.latency_ms for r in records]
    return {
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "mean": round(statistics.fmean(values), 1) if values else 0.0,
        "max": round(max(values), 1) if values else 0.0,
    }


def by_group(groups: Sequence[GroupResult]) -> dict[str, dict[str, Any]]:
    """Per group named (Black, Sikh, ...): library coverage, statuses and verdict notes across
    templates, and mean overlap."""
    rows: dict[str, dict[str, Any]] = {}
    for g in groups:
        for i, variant in enumerate(g.variants):
            row = rows.setdefault(
                variant,
                {
                    "coverage_chunks": g.coverage[i],
                    "coverage_documents": g.coverage_docs[i],
                    "tier": g.tiers[i],
                    "statuses": Counter(),
                    "verdicts": Counter(),
                    "jaccards": [],
                },
            )
            row["statuses"][g.statuses[i]] += 1
            row["verdicts"][_variant_verdict(g.notes[i])] += 1
            row["jaccards"].append(g.jaccards[i])
    return {
        name: {
            "coverage_chunks": row["coverage_chunks"],
            "coverage_documents": row["coverage_documents"],
            "tier": row["tier"],
            "statuses": dict(row["statuses"]),
            "verdicts": dict(row["verdicts"]),
            "mean_jaccard": round(statistics.fmean(row["jaccards"]), 4),
        }
        for name, row in rows.items()
    }


def _variant_verdict(note: str) -> str:
    if note == CONSISTENT:
        return CONSISTENT
    return EXPLAINED if note.startswith("explained") else INCONSISTENT


def equity_summary(groups: Sequence[GroupResult]) -> dict[str, Any]:
    if not groups:
        return {
            "groups": [],
            "consistency": None,
            "unexplained": None,
            "verdicts": {},
            "same_status_rate": None,
            "mean_jaccard": None,
            "by_group": {},
        }
    verdicts = Counter(g.verdict for g in groups)
    return {
        "groups": [g.to_dict() for g in groups],
        "consistency": round(sum(g.passed for g in groups) / len(groups), 4),
        "unexplained": verdicts.get(INCONSISTENT, 0),
        "verdicts": {v: verdicts.get(v, 0) for v in VERDICTS},
        "same_status_rate": round(sum(g.same_status for g in groups) / len(groups), 4),
        "mean_jaccard": round(statistics.fmean(g.mean_jaccard for g in groups), 4),
        "by_group": by_group(groups),
    }


def breakdown(records: Sequence[Record], key: Callable[[Record], str]) -> dict[str, Any]:
    """Questions, statuses, metric means and latency per value of ``key`` (e.g. question kind)."""
    parts: dict[str, list[Record]] = {}
    for r in records:
        parts.setdefault(key(r), []).append(r)
    return {
        name: {
            "questions": len(rows),
            "statuses": dict(Counter(r.answer.status for r in rows)),
            "metrics": {k: v["value"] for k, v in metric_table(rows).items()},
            "latency_ms": latency(rows),
        }
        for name, rows in sorted(parts.items())
    }


def by_split(records: Sequence[Record]) -> dict[str, Any]:
    """The per-kind breakdown's figures for the ``tune`` and ``test`` splits and ``all``."""
    parts = breakdown(records, lambda r: split_of(r.case.id))
    parts[ALL] = breakdown(records, lambda r: ALL)[ALL] if records else {}
    return parts


def summarise(records: Sequence[Record], groups: Sequence[GroupResult] = ()) -> dict[str, Any]:
    rows = [r.to_dict() for r in records]
    overall = metric_table(records)
    lat = latency(records)
    equity = equity_summary(groups)
    statuses = Counter(r.answer.status for r in records)
    headline: dict[str, float | None] = {name: row["value"] for name, row in overall.items()}
    headline["error_rate"] = round(statuses.get("error", 0) / len(records), 4) if records else None
    headline["equity_consistency"] = equity["consistency"]
    headline["equity_unexplained"] = equity["unexplained"]
    headline["equity_same_status_rate"] = equity["same_status_rate"]
    headline["equity_mean_jaccard"] = equity["mean_jaccard"]
    for name in ("median_answer_chars", "median_answer_units"):
        headline[name] = figure(rows, name)["value"]
    headline["latency_p50_ms"] = lat["p50"]
    headline["latency_p95_ms"] = lat["p95"]
    return {
        "questions": len(records),
        "statuses": dict(sorted(statuses.items())),
        "metrics": overall,
        "by_kind": breakdown(records, lambda r: r.case.kind),
        "by_split": by_split(records),
        "acceptance": acceptance(rows),
        "by_attack": breakdown([r for r in records if r.case.attack], lambda r: r.case.attack),
        "equity": equity,
        "latency_ms": lat,
        "headline": headline,
        "failures": sum(len(r.failures()) for r in records),
    }
