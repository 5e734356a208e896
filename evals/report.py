"""Reports of a run: Markdown and a self-contained HTML page (inline CSS and SVG, no external
references). The HTML page is a Jinja2 template (``templates/report.html.j2``) with autoescaping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from evals.acceptance import UNBOUNDED, acceptance_rows, test_verdict
from evals.charts import bar_chart, histogram
from evals.model import Record
from evals.report_equity import equity_groups, equity_headline, equity_matrix, equity_templates
from evals.summary import LOWER_IS_BETTER


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _headline_rows(summary: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """One row per metric that applied to at least one question."""
    rows = []
    for name, row in summary["metrics"].items():
        if not row["n"]:
            continue
        if row["passed"] + row["failed"]:
            counts = f"{row['passed']}/{row['n']} passed"
        else:
            counts = f"{row['n']} questions (graded, no pass/fail)"
        rows.append((name, _fmt(row["value"]), counts))
    return rows


def _not_applicable(summary: Mapping[str, Any]) -> str:
    names = [n for n, row in summary["metrics"].items() if not row["n"]]
    return f"Not applicable to this dataset: {', '.join(names)}." if names else ""


def _failures(records: Sequence[Record]) -> list[tuple[Record, list[tuple[str, str]]]]:
    return [(r, [(m.name, m.reason) for m in r.failures()]) for r in records if r.failures()]


# --- Markdown ---------------------------------------------------------------------------------------


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(
    config: Mapping[str, Any], records: Sequence[Record], summary: Mapping[str, Any]
) -> str:
    ds = config.get("dataset", {})
    lines = [
        f"# Evaluation run `{config.get('name', '')}`",
        "",
        f"Dataset `{ds.get('name', '')}` (sha256 `{str(ds.get('sha256', ''))[:12]}`), "
        f"{summary['questions']} questions; generator `{config.get('generator', '')}`; judge "
        f"`{config.get('judge', '')}`; build `{config.get('build', {}).get('build_id', '')}`; "
        f"{config.get('timestamp', '')}.",
        "",
        "Statuses: " + ", ".join(f"{k} {v}" for k, v in summary["statuses"].items()),
        "",
        "## Metrics",
        "",
        "| metric | value | questions |",
        "|---|---:|---|",
    ]
    lines += [f"| {n} | {v} | {c} |" for n, v, c in _headline_rows(summary)]
    lines += ["", _not_applicable(summary)] if _not_applicable(summary) else []
    lat = summary["latency_ms"]
    lines += ["", f"Latency: p50 {lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms.", ""]
    lines += _md_acceptance(summary) + _md_kinds(summary, "by_split", "split")
    lines += _md_kinds(summary) + _md_kinds(summary, "by_attack", "attack") + _md_equity(summary)
    failures = _failures(records)
    lines += ["## Failures", "", f"{len(failures)} questions with at least one failed metric.", ""]
    for r, items in failures:
        lines.append(
            f"- **{r.case.id}** ({r.case.kind}, status `{r.answer.status}`): "
            f"{_md_cell(r.case.question)}"
        )
        lines += [f"  - `{name}`: {_md_cell(reason)}" for name, reason in items]
    return "\n".join(lines) + "\n"


def _md_kinds(summary: Mapping[str, Any], key: str = "by_kind", label: str = "kind") -> list[str]:
    kinds = summary.get(key) or {}
    if not kinds:
        return []
    names = [
        n
        for n in summary["metrics"]
        if any(k["metrics"].get(n) is not None for k in kinds.values())
    ]
    lines = [
        f"## By {'question kind' if label == 'kind' else label}",
        "",
        f"| {label} | questions | " + " | ".join(names) + " |",
        "|---|---:|" + "---:|" * len(names),
    ]
    for kind, row in kinds.items():
        cells = " | ".join(_fmt(row["metrics"].get(n), 2) for n in names)
        lines.append(f"| {kind} | {row['questions']} | {cells} |")
    return [*lines, ""]


def _md_acceptance(summary: Mapping[str, Any]) -> list[str]:
    table = summary.get("acceptance") or []
    if not table:
        return []
    lines = ["## Done when (issue 8), by split", ""]
    return [*lines, *_md_table(*acceptance_rows(table)), "", test_verdict(table), ""]


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


def _md_equity(summary: Mapping[str, Any]) -> list[str]:
    eq = summary["equity"]
    if not eq["groups"]:
        return []
    lines = ["## Equity counterfactuals", "", equity_headline(eq), ""]
    lines += _md_table(*equity_matrix(eq)) + [""]
    lines += _md_table(*equity_templates(eq)) + [""]
    lines += _md_table(*equity_groups(eq))
    return [*lines, ""]


# --- HTML -------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("evals", "templates"),
        autoescape=select_autoescape(["html", "html.j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )


def _breakdowns(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The per-split, per-kind and per-attack tables that apply to this run."""
    out = []
    for key, label, anchor, title in (
        ("by_split", "split", "split", "By split"),
        ("by_kind", "kind", "kinds", "By question kind"),
        ("by_attack", "attack", "attack", "By attack"),
    ):
        kinds = summary.get(key) or {}
        if not kinds:
            continue
        names = [
            n
            for n in summary["metrics"]
            if any(k["metrics"].get(n) is not None for k in kinds.values())
        ]
        rows = [
            [kind, str(row["questions"]), *(_fmt(row["metrics"].get(n), 2) for n in names)]
            for kind, row in kinds.items()
        ]
        head = [label, "questions", *names]
        out.append({"anchor": anchor, "title": title, "head": head, "rows": rows})
    return out


def _equity(summary: Mapping[str, Any]) -> dict[str, Any] | None:
    eq = summary["equity"]
    if not eq["groups"]:
        return None
    return {
        "headline": equity_headline(eq),
        "matrix": equity_matrix(eq),
        "templates": equity_templates(eq),
        "groups": equity_groups(eq),
    }


def _acceptance(summary: Mapping[str, Any]) -> dict[str, Any] | None:
    table = summary.get("acceptance") or []
    if not table:
        return None
    head, rows = acceptance_rows(table)
    return {"head": head, "rows": rows, "verdict": test_verdict(table)}


def _nav(
    acceptance: object, breakdowns: Sequence[Mapping[str, Any]], equity: object
) -> list[tuple[str, str]]:
    """Links to the sections this report has, and only those."""
    nav = [("metrics", "Metrics")]
    nav += [("acceptance", "Done when")] if acceptance else []
    nav += [(b["anchor"], b["title"]) for b in breakdowns]
    nav += [("equity", "Equity")] if equity else []
    return [*nav, ("latency", "Latency"), ("failures", "Failures"), ("questions", "Questions")]


def _questions(records: Sequence[Record]) -> list[dict[str, Any]]:
    return [
        {
            "record": r,
            "expected": [
                (label, value)
                for label, value in (
                    ("Attack", r.case.attack),
                    ("Group", r.case.group),
                    ("Expected handling", r.case.handling),
                )
                if value
            ],
        }
        for r in records
    ]


def render_html(
    config: Mapping[str, Any], records: Sequence[Record], summary: Mapping[str, Any]
) -> str:
    """The run as one self-contained page (inline CSS and SVG), from ``templates/report.html.j2``
    with autoescaping on: every value from a run is escaped by Jinja2."""
    ds = config.get("dataset", {})
    meta = (
        f"Dataset {ds.get('name', '')} (sha256 {str(ds.get('sha256', ''))[:12]}), "
        f"{summary['questions']} questions · generator {config.get('generator', '')} · judge "
        f"{config.get('judge', '')} · build {config.get('build', {}).get('build_id', '')} · "
        f"{config.get('timestamp', '')}"
    )
    bars = [
        (n, row["value"])
        for n, row in summary["metrics"].items()
        if row["value"] is not None and n not in LOWER_IS_BETTER and n not in UNBOUNDED
    ]
    acceptance, breakdowns, equity = _acceptance(summary), _breakdowns(summary), _equity(summary)
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=f"Evaluation run {config.get('name', '')}",
            meta=meta,
            statuses=", ".join(f"{k}: {v}" for k, v in summary["statuses"].items()),
            nav=_nav(acceptance, breakdowns, equity),
            metrics_chart=Markup(bar_chart(bars, title="Metric means (0 to 1)")),
            metrics_rows=_headline_rows(summary),
            not_applicable=_not_applicable(summary),
            acceptance=acceptance,
            breakdowns=breakdowns,
            equity=equity,
            latency=summary["latency_ms"],
            latency_chart=Markup(
                histogram([r.latency_ms for r in records], title="Latency per question (ms)")
            ),
            failures=_failures(records),
            questions=_questions(records),
            fmt=_fmt,
        )
    )
    return page.rstrip() + "\n"
