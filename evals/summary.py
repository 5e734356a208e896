"""Aggregates of a run: each metric's mean over the records it applies to, overall and by kind,
the equity groups, statuses and latency percentiles. ``headline`` is the flat view compare uses."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from evals.equity import GroupResult
from evals.model import Record

LOWER_IS_BETTER = frozenset({"false_refusal", "latency_p50_ms", "latency_p95_ms", "error_rate"})


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
    """Per group named (Black, Sikh, ...): its statuses across templates and mean overlap."""
    rows: dict[str, dict[str, Any]] = {}
    for g in groups:
        for variant, status, score in zip(g.variants, g.statuses, g.jaccards, strict=True):
            row = rows.setdefault(variant, {"statuses": Counter(), "jaccards": []})
            row["statuses"][status] += 1
            row["jaccards"].append(score)
    return {
        name: {
            "statuses": dict(row["statuses"]),
            "mean_jaccard": round(statistics.fmean(row["jaccards"]), 4),
        }
        for name, row in rows.items()
    }


def equity_summary(groups: Sequence[GroupResult]) -> dict[str, Any]:
    if not groups:
        return {
            "groups": [],
            "group_pass_rate": None,
            "same_status_rate": None,
            "mean_jaccard": None,
        }
    return {
        "groups": [g.to_dict() for g in groups],
        "group_pass_rate": round(sum(g.passed for g in groups) / len(groups), 4),
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


def summarise(records: Sequence[Record], groups: Sequence[GroupResult] = ()) -> dict[str, Any]:
    overall = metric_table(records)
    lat = latency(records)
    equity = equity_summary(groups)
    statuses = Counter(r.answer.status for r in records)
    headline: dict[str, float | None] = {name: row["value"] for name, row in overall.items()}
    headline["error_rate"] = round(statuses.get("error", 0) / len(records), 4) if records else None
    headline["equity_group_pass_rate"] = equity["group_pass_rate"]
    headline["equity_same_status_rate"] = equity.get("same_status_rate")
    headline["equity_mean_jaccard"] = equity["mean_jaccard"]
    headline["latency_p50_ms"] = lat["p50"]
    headline["latency_p95_ms"] = lat["p95"]
    return {
        "questions": len(records),
        "statuses": dict(sorted(statuses.items())),
        "metrics": overall,
        "by_kind": breakdown(records, lambda r: r.case.kind),
        "by_attack": breakdown([r for r in records if r.case.attack], lambda r: r.case.attack),
        "equity": equity,
        "latency_ms": lat,
        "headline": headline,
        "failures": sum(len(r.failures()) for r in records),
    }
