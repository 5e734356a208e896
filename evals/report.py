"""Reports of a run: Markdown and a self-contained HTML page (inline CSS and SVG, no external
references, every piece of text escaped)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from evals.acceptance import UNBOUNDED, acceptance_rows, test_verdict
from evals.charts import bar_chart, histogram
from evals.model import Record
from evals.report_equity import equity_groups, equity_headline, equity_matrix, equity_templates
from evals.summary import LOWER_IS_BETTER

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1b1b1b}
h1,h2,h3{line-height:1.2}table{border-collapse:collapse;margin:1rem 0;width:100%}
th,td{border:1px solid #c8c8c8;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#00703c;font-weight:600}.fail{color:#b00020;font-weight:600}.na{color:#6b6b6b}
.failure{border-left:4px solid #b00020;padding:.3rem .8rem;margin:.6rem 0;background:#fff6f6}
details{margin:.3rem 0}pre{white-space:pre-wrap;background:#f7f7f7;padding:.6rem}
.meta{color:#505050}svg{max-width:100%;height:auto}.wide{overflow-x:auto}.wide table{width:auto}
"""


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


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], raw: bool = False) -> str:
    """An HTML table; cells are escaped unless ``raw`` (then the caller escaped them)."""
    th = "".join(f"<th scope='col'>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if raw else escape(str(c))}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _verdict(value: float | None, passed: bool | None) -> str:
    if value is None:
        return "<span class='na'>n/a</span>"
    if passed is None:
        return "<span class='na'>graded</span>"
    return "<span class='pass'>pass</span>" if passed else "<span class='fail'>FAIL</span>"


def _html_metrics(summary: Mapping[str, Any]) -> str:
    bars = [
        (n, row["value"])
        for n, row in summary["metrics"].items()
        if row["value"] is not None and n not in LOWER_IS_BETTER and n not in UNBOUNDED
    ]
    table = _table(["metric", "value", "questions"], _headline_rows(summary))
    note = f"<p class='meta'>{escape(_not_applicable(summary))}</p>"
    chart = bar_chart(bars, title="Metric means (0 to 1)")
    return "<h2 id='metrics'>Metrics</h2>" + chart + table + note


def _html_kinds(summary: Mapping[str, Any], key: str = "by_kind", label: str = "kind") -> str:
    kinds = summary.get(key) or {}
    if not kinds:
        return ""
    names = [
        n
        for n in summary["metrics"]
        if any(k["metrics"].get(n) is not None for k in kinds.values())
    ]
    rows = [
        [kind, str(row["questions"]), *(_fmt(row["metrics"].get(n), 2) for n in names)]
        for kind, row in kinds.items()
    ]
    title = "By question kind" if label == "kind" else f"By {label}"
    anchor = "kinds" if label == "kind" else label
    return f"<h2 id='{anchor}'>{escape(title)}</h2>" + _table([label, "questions", *names], rows)


def _html_acceptance(summary: Mapping[str, Any]) -> str:
    table = summary.get("acceptance") or []
    if not table:
        return ""
    return (
        "<h2 id='acceptance'>Done when (issue 8), by split</h2>"
        + _table(*acceptance_rows(table))
        + f"<p>{escape(test_verdict(table))}</p>"
    )


def _html_equity(summary: Mapping[str, Any]) -> str:
    eq = summary["equity"]
    if not eq["groups"]:
        return ""
    note = (
        "<p class='meta'>Equal treatment given what the library holds: a status that differs "
        "only because the library never mentions a group (0 chunks) or mentions it thinly, and "
        "the answer says so, is <em>explained by coverage</em>; a different status among covered "
        "groups, unequal effort, a refusal for one group only or an uncited generalisation is "
        "inconsistent. Evidence overlap is shown as a figure only.</p>"
    )
    return (
        f"<h2 id='equity'>Equity counterfactuals</h2><p>{escape(equity_headline(eq))}</p>"
        + note
        + "<div class='wide' role='region' tabindex='0' aria-label='Status per template and group'>"
        + _table(*equity_matrix(eq))
        + "</div>"
        + "<h3>By template</h3>"
        + _table(*equity_templates(eq))
        + "<h3>By group named</h3>"
        + _table(*equity_groups(eq))
    )


def _html_failures(records: Sequence[Record]) -> str:
    parts = [
        f"<h2 id='failures'>Failures</h2><p>{len(_failures(records))} questions with at "
        "least one failed metric.</p>"
    ]
    for r, items in _failures(records):
        reasons = "".join(
            f"<li><code>{escape(n)}</code>: {escape(reason)}</li>" for n, reason in items
        )
        parts.append(
            f"<div class='failure'><h3><a href='#q-{escape(r.case.id)}'>{escape(r.case.id)}</a> "
            f"({escape(r.case.kind)}, status {escape(r.answer.status)})</h3>"
            f"<p>{escape(r.case.question)}</p><ul>{reasons}</ul></div>"
        )
    return "".join(parts)


def _html_records(records: Sequence[Record]) -> str:
    parts = ["<h2 id='questions'>Questions</h2>"]
    for r in records:
        metrics = [
            [
                escape(m.name),
                escape(_fmt(m.value, 2)),
                _verdict(m.value, m.passed),
                escape(m.reason),
            ]
            for m in r.results
        ]
        cites = "".join(
            f"<li>[{c.n}] {escape(c.title)}, p. {escape(c.page_start)}: “{escape(c.quote)}”</li>"
            for c in r.answer.citations
        )
        expected = "".join(
            f"<p class='meta'>{escape(label)}: {escape(value)}</p>"
            for label, value in (
                ("Attack", r.case.attack),
                ("Group", r.case.group),
                ("Expected handling", r.case.handling),
            )
            if value
        )
        parts.append(
            f"<details id='q-{escape(r.case.id)}'><summary>{escape(r.case.id)} · "
            f"{escape(r.case.kind)} · {escape(r.answer.status)} · {r.latency_ms:.0f} ms · "
            f"{escape(r.case.question)}</summary>{expected}<pre>{escape(r.answer.text)}</pre>"
            f"<ol class='citations'>{cites}</ol>"
            + _table(["metric", "value", "verdict", "reason"], metrics, raw=True)
            + "</details>"
        )
    return "".join(parts)


def render_html(
    config: Mapping[str, Any], records: Sequence[Record], summary: Mapping[str, Any]
) -> str:
    ds = config.get("dataset", {})
    lat = summary["latency_ms"]
    title = f"Evaluation run {config.get('name', '')}"
    meta = (
        f"Dataset {ds.get('name', '')} (sha256 {str(ds.get('sha256', ''))[:12]}), "
        f"{summary['questions']} questions · generator {config.get('generator', '')} · judge "
        f"{config.get('judge', '')} · build {config.get('build', {}).get('build_id', '')} · "
        f"{config.get('timestamp', '')}"
    )
    statuses = ", ".join(f"{k}: {v}" for k, v in summary["statuses"].items())
    body = "".join(
        [
            f"<h1>{escape(title)}</h1><p class='meta'>{escape(meta)}</p>",
            f"<p>Statuses — {escape(statuses)}</p>",
            "<nav><a href='#metrics'>Metrics</a> · <a href='#kinds'>By kind</a> · "
            "<a href='#equity'>Equity</a> · <a href='#latency'>Latency</a> · "
            "<a href='#failures'>Failures</a> · <a href='#questions'>Questions</a></nav>",
            _html_metrics(summary),
            _html_acceptance(summary),
            _html_kinds(summary, "by_split", "split"),
            _html_kinds(summary),
            _html_kinds(summary, "by_attack", "attack"),
            _html_equity(summary),
            f"<h2 id='latency'>Latency</h2><p>p50 {lat['p50']} ms · p95 {lat['p95']} ms · "
            f"max {lat['max']} ms</p>",
            histogram([r.latency_ms for r in records], title="Latency per question (ms)"),
            _html_failures(records),
            _html_records(records),
        ]
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>{body}</main>"
        f"</body></html>\n"
    )
