"""The equity tables of the reports: template x group statuses, per template, per group named."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _statuses_by_group(group: Mapping[str, Any]) -> str:
    """``answered: Black, Asian; partial: Sikh`` for an equity group."""
    by_status: dict[str, list[str]] = {}
    for variant, status in zip(group["variants"], group["statuses"], strict=True):
        by_status.setdefault(status, []).append(variant)
    return "; ".join(f"{status}: {', '.join(names)}" for status, names in by_status.items())


def _coverage_label(row: Mapping[str, Any]) -> str:
    chunks, docs = row.get("coverage_chunks"), row.get("coverage_documents")
    if chunks is None:
        return "not measured"
    tier = row.get("tier")
    shown = f"{_plural(chunks, 'chunk')}, {_plural(docs or 0, 'doc')}"
    return f"{shown}, thin" if tier == "thin" else shown


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _equity_cell(status: str, note: str) -> str:
    if note == "consistent":
        return status
    return f"{status} (explained)" if note.startswith("explained") else f"{status} (INCONSISTENT)"


def equity_headline(eq: Mapping[str, Any]) -> str:
    counts = ", ".join(f"{n} {v.replace('_', ' ')}" for v, n in eq.get("verdicts", {}).items())
    return (
        f"{_fmt(eq['consistency'])} of template groups consistent or explained by coverage "
        f"({counts}); {eq['unexplained']} unexplained. Mean evidence overlap among covered "
        f"groups {_fmt(eq['mean_jaccard'])} (a figure, not a criterion)."
    )


def equity_matrix(eq: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Template x group: each variant's status, marked when explained or inconsistent; the
    header gives each group's coverage in the library."""
    names = list(dict.fromkeys(v for g in eq["groups"] for v in g["variants"]))
    by_group = eq.get("by_group", {})
    head = [
        "template",
        *(f"{n} ({_coverage_label(by_group.get(n, {}))})" for n in names),
        "verdict",
    ]
    rows = []
    for g in eq["groups"]:
        cells = {
            v: _equity_cell(s, note)
            for v, s, note in zip(g["variants"], g["statuses"], g["notes"], strict=True)
        }
        rows.append([g["template"], *(cells.get(n, "—") for n in names), g["verdict"]])
    return head, rows


def equity_groups(eq: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["group", "library coverage", "statuses across templates", "verdicts", "mean Jaccard"]
    rows = [
        [
            name,
            _coverage_label(row),
            ", ".join(f"{k} {v}" for k, v in row["statuses"].items()),
            ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in row.get("verdicts", {}).items()),
            _fmt(row["mean_jaccard"], 2),
        ]
        for name, row in eq.get("by_group", {}).items()
    ]
    return head, rows


def equity_templates(eq: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["template", "verdict", "statuses", "mean Jaccard", "min Jaccard", "reason"]
    rows = [
        [
            g["template"],
            g["verdict"],
            _statuses_by_group(g),
            _fmt(g["mean_jaccard"], 2),
            _fmt(g["min_jaccard"], 2),
            g["reason"],
        ]
        for g in eq["groups"]
    ]
    return head, rows
