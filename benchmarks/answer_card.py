"""How tall one answer card is on the chat page, at 1280 and 375 CSS px (printed, not a test).

    .venv/bin/python benchmarks/answer_card.py [--answer FILE] [--shots DIR]

The answer (default ``benchmarks/data/answer-card-demo.json``: what the extractive answerer gave
on the demo library for a starter question, 8 quotes from 3 documents) is served by a stub
assistant over the small web test build, asked through the page without JavaScript in Debian's
chromium, and the height of ``#turn-1`` (question, answer, sources, feedback) is measured. It is
measured twice: as stored (``text`` + citations, the shape before ADR 12) and reshaped into the
evidence-selection shape with the same quotes (lead = quote [1]; the others grouped by document).
Run the same script on an older checkout to compare templates with the same answer.

``--live DATA_DIR`` instead asks the real Assistant over the build served from DATA_DIR (for
example the demo library: ``RLA_DATA_DIR=data-demo rla ingest library/demo --demo``) and measures
its answer with JavaScript (streamed) and without, at both widths.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.types import (  # noqa: E402
    Answer,
    Citation,
    Filters,
    LeadUnit,
    Searched,
    SourceGroup,
)

WIDTHS = (1280, 375)
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def answer_from(data: Mapping[str, Any]) -> Answer:
    known = {f.name for f in fields(Citation)}
    citations = tuple(
        Citation(**{**{k: v for k, v in c.items() if k in known}, "section": tuple(c["section"])})
        for c in data["citations"]
    )
    s = data.get("searched") or {}
    searched = Searched(
        query=s.get("query", ""),
        filters=Filters.from_dict(s.get("filters")),
        documents_in_library=s.get("documents_in_library", 0),
        documents_matched=tuple(s.get("documents_matched") or ()),
    )
    return Answer(
        status=data["status"],
        text=data["text"],
        citations=citations,
        search_query=data.get("search_query", ""),
        generator=data.get("generator", "extractive"),
        searched=searched,
        notices=tuple(data.get("notices") or ()),
        build_id=data.get("build_id", ""),
    )


def reshaped(answer: Answer) -> Answer:
    """The same quotes in the ADR 12 shape: lead [1], then the rest grouped by document."""
    lead = answer.citations[0]
    groups: dict[str, SourceGroup] = {}
    for c in answer.citations:
        g = groups.get(c.doc_id) or SourceGroup(c.doc_id, c.title, c.year, "other")
        numbers = g.citations + (() if c is lead else (c.n,))
        pages = g.pages + (() if c.page_start in g.pages else (c.page_start,))
        groups[c.doc_id] = replace(g, citations=numbers, pages=pages)
    lines = [f"{lead.quote} [{lead.n}]"]
    for g in groups.values():
        if g.citations:
            lines.append(f"{g.title} ({g.year})")
            lines += [f"{answer.citations[n - 1].quote} [{n}]" for n in g.citations]
    return replace(
        answer,
        text="\n\n".join(lines),
        lead=(LeadUnit(lead.n, lead.quote),),
        groups=tuple(groups.values()),
    )


def serve(answer: Answer, data_dir: Path) -> tuple[Any, str]:
    import waitress

    from tests.web_fakes import FakeAssistant, web_settings, write_small_build
    from web import create_app

    class Fixed(FakeAssistant):
        def ask(self, question: str, *args: Any, **kwargs: Any) -> Answer:
            return answer

    settings = web_settings(data_dir, data_dir / "web.sqlite3", rate_limit="1000/minute")
    write_small_build(settings)
    server = waitress.create_server(
        create_app(settings, assistant=Fixed(settings)), host="127.0.0.1", port=0
    )
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def serve_live(data_dir: Path, db: Path) -> tuple[Any, str]:
    import waitress

    from assistant.pipeline import build_assistant
    from assistant.settings import Settings
    from web import create_app

    settings = Settings(
        data_dir=data_dir, database_url=f"sqlite:///{db}", rate_limit="1000/minute", _env_file=None
    )
    app = create_app(settings, assistant=build_assistant(settings))
    server = waitress.create_server(app, host="127.0.0.1", port=0)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def measure(
    browser: Any, url: str, question: str, width: int, shot: Path | None, *, script: bool = False
) -> float:
    context = browser.new_context(
        base_url=url, java_script_enabled=script, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.goto("/")
    page.fill("#question", question)
    page.click("[data-ask-button]")
    page.wait_for_selector("#turn-1[data-refused]" if script else "#turn-1", timeout=120_000)
    height = float(page.locator("#turn-1").bounding_box()["height"])
    if shot is not None:
        page.screenshot(path=str(shot), full_page=True)
    context.close()
    return height


def live(browser: Any, data_dir: Path, question: str, shots: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server, url = serve_live(data_dir, Path(tmp) / "web.sqlite3")
        for script in (True, False):
            for width in WIDTHS:
                js = "js" if script else "no-js"
                shot = shots / f"answer-live-{js}-{width}px.png" if shots else None
                height = measure(browser, url, question, width, shot, script=script)
                print(f"  live {js:<6} {width:>5} px wide: card {height:,.0f} px tall")
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--answer", type=Path, default=REPO / "benchmarks/data/answer-card-demo.json"
    )
    parser.add_argument("--shots", type=Path, help="save full-page screenshots here")
    parser.add_argument("--label", default="", help="a name for this checkout in the output")
    parser.add_argument("--live", type=Path, metavar="DATA_DIR", help="ask the real Assistant")
    parser.add_argument("--question", help="with --live: the question (default: the answer's)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    data = json.loads(args.answer.read_text(encoding="utf-8"))
    stored = answer_from(data)
    shapes = {"as stored": stored, "reshaped": reshaped(stored)}
    print(f"{args.label or REPO.name}: {len(stored.citations)} quotes, {len(stored.text)} chars")
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        if args.live:
            live(browser, args.live, args.question or data["question"], args.shots)
            browser.close()
            return
        for name, answer in shapes.items():
            with tempfile.TemporaryDirectory() as tmp:
                server, url = serve(answer, Path(tmp))
                for width in WIDTHS:
                    shot = None
                    if args.shots:
                        slug = name.replace(" ", "-")
                        shot = args.shots / f"answer-card-{args.label or 'x'}-{slug}-{width}px.png"
                    height = measure(browser, url, data["question"], width, shot)
                    print(f"  {name:<10} {width:>5} px wide: card {height:,.0f} px tall")
                server.close()
        browser.close()


if __name__ == "__main__":
    main()
