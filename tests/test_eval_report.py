"""The eval HTML report: a Jinja2 template whose contents links all land, and whose tables never
widen the page past a 1280 px window (checked in Chromium)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from assistant.types import Answer, Citation
from evals.model import Case, MetricResult, Record
from evals.report import render_html

BASELINE = Path(__file__).resolve().parents[1] / "evals" / "results" / "baseline"
CHROMIUM = Path("/usr/bin/chromium")
LONG = "https://example.org/" + "a-very-long-unbroken-path-segment-" * 12


def records() -> list[Record]:
    citation = Citation(1, "d", "d#0", "A review " * 10, "Quote " + LONG, "3", "3", 3, 3)
    out = []
    for i, kind in enumerate(("factual", "comparison", "out-of-scope")):
        answer = Answer(status="answered", text=f"Answer {i} {LONG} [1]", citations=(citation,))
        results = (
            MetricResult("citation_validity", 1.0, True),
            MetricResult("key_fact_recall", 0.5, False, "missed: " + LONG),
            MetricResult("abstention", None, None),
        )
        case = Case(id=f"q{i}", question=f"Question {i}: {LONG}?", kind=kind)
        out.append(Record(case=case, answer=answer, latency_ms=100.0 + i, results=results))
    return out


def baseline_html() -> str:
    """The committed baseline run's summary (its wide per-kind table), rendered now."""
    config = json.loads((BASELINE / "config.json").read_text(encoding="utf-8"))
    summary = json.loads((BASELINE / "summary.json").read_text(encoding="utf-8"))
    return render_html(config, records(), summary)


def broken_links(html: str) -> set[str]:
    targets = set(re.findall(r'href="#([^"]+)"', html))
    return targets - set(re.findall(r'\bid="([^"]+)"', html))


def test_every_contents_link_lands_and_equity_only_when_present() -> None:
    html = baseline_html()
    assert broken_links(html) == set()
    assert 'href="#equity"' not in html  # a run without equity questions has no such section
    assert 'href="#metrics"' in html and 'id="metrics"' in html


def test_the_equity_link_lands_on_the_equity_section() -> None:
    from tests.test_eval_equity import _run

    recs, summary = _run()
    html = render_html({"name": "eq", "dataset": {"name": "equity"}}, recs, summary)
    assert 'href="#equity"' in html and 'id="equity"' in html
    assert broken_links(html) == set()


def test_every_table_sits_in_a_labelled_scrolling_region() -> None:
    html = baseline_html()
    tables = html.count("<table>")
    assert tables > 5
    wrapped = re.findall(
        r'<div class="table-wrap" role="region" tabindex="0" aria-label="[^"]+">\s*<table>', html
    )
    assert len(wrapped) == tables


def test_values_are_escaped_by_the_template() -> None:
    hostile = records()[0]
    case = Case(id="x", question='<script>alert(1)</script> "quoted"', kind="factual")
    html = render_html({"name": "<b>n</b>"}, [Record(case=case, answer=hostile.answer)], _summary())
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>n</b>" not in html


def _summary() -> dict[str, Any]:
    from evals.summary import summarise

    return summarise(records())


@pytest.mark.browser
def test_no_table_widens_the_page_beyond_1280_px(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
        )
    from playwright.sync_api import sync_playwright

    report = tmp_path / "report.html"
    report.write_text(baseline_html(), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(report.as_uri())
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page_width = page.evaluate("document.documentElement.scrollWidth")
        widest_table = page.evaluate(
            "Math.max(...[...document.querySelectorAll('table')].map(t => t.scrollWidth))"
        )
        right_edges = page.evaluate(
            "[...document.querySelectorAll('.table-wrap')].map(w => w.getBoundingClientRect().right)"
        )
        browser.close()
    assert page_width <= 1280
    assert max(right_edges) <= 1280
    assert widest_table > 1000  # the wide per-kind table is there, scrolling inside its region
