"""The Packs, Compare and Silence map pages: real Flask, a real Assistant over the small build.

The no-JavaScript path throughout: drafting, ticking (``keep``), reordering with the Move
buttons, exporting each format; the comparison table and its CSV; the silence map and its CSV.
"""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path
from typing import Any

import pytest

from assistant.packs.question_bank import load_bank
from assistant.packs.silence_map import RACE_THEMES
from tests.packs_support import SMALL_DOCUMENTS, small_assistant
from tests.web_fakes import csrf_token, web_settings

TOPIC = "Adultification"


@pytest.fixture(scope="module")
def packs_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from web import create_app

    data = tmp_path_factory.mktemp("web-packs")
    source = small_assistant(data)
    return create_app(
        web_settings(data, data / "db.sqlite3", rate_limit="1000/minute"), assistant=source
    )


@pytest.fixture()
def web(packs_app: Any) -> Any:
    return packs_app.test_client()


def _draft(web: Any, **fields: Any) -> Any:
    data = {"csrf_token": csrf_token(web, "/packs"), "topic": TOPIC, **fields}
    return web.post("/packs", data=data, buffered=True)  # closed, as a WSGI server closes it


def _ids(html: str, prefix: str) -> list[str]:
    return re.findall(rf'name="order" value="({prefix}[^"]*)"', html)


def test_packs_page_offers_a_topic_form(web: Any) -> None:
    html = web.get("/packs").get_data(as_text=True)
    assert 'name="topic"' in html and "Draft a pack" in html
    assert re.search(r'aria-current="page">\s*<strong[^>]*>Session packs</strong>', html)


def test_drafting_needs_the_csrf_token(web: Any) -> None:
    assert web.post("/packs", data={"topic": TOPIC}).status_code == 400


def test_a_blank_or_identifying_topic_is_refused(web: Any) -> None:
    blank = _draft(web, topic="  ")
    assert blank.status_code == 400 and "Enter a theme or a question" in blank.get_data(
        as_text=True
    )
    named = _draft(web, topic="Jane Smith aged 14 from SW1A 1AA")
    assert named.status_code == 400
    assert "could identify a person" in named.get_data(as_text=True)


def test_draft_shows_points_summaries_and_questions_all_ticked(web: Any) -> None:
    response = _draft(web)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    points, questions = _ids(html, "p"), _ids(html, "q")
    assert points and questions and _ids(html, "s-")
    assert html.count('type="checkbox" name="keep"') == html.count('name="order"')
    assert html.count(" checked>") == html.count('name="order"')
    assert "Written for this pack" in html
    for name in ("docx", "pdf", "md", "pptx"):
        assert f'name="export" value="{name}"' in html


def test_move_down_swaps_within_a_section_and_keeps_ticks(web: Any) -> None:
    html = _draft(web).get_data(as_text=True)
    order = _ids(html, "p") + _ids(html, "s-") + _ids(html, "q")
    questions = _ids(html, "q")
    assert len(questions) >= 2
    moved = _draft(
        web, edited="1", order=order, keep=[questions[1]], move=f"down:{questions[0]}"
    ).get_data(as_text=True)
    assert _ids(moved, "q")[:2] == [questions[1], questions[0]]
    assert moved.count(" checked>") == 1
    assert (
        f'value="down:{questions[0]}" class="govuk-button govuk-button--secondary rla-button--small" data-move="down" autofocus'
        in moved
    )
    # an item cannot move out of its section
    first_summary = _ids(html, "s-")[0]
    up = _draft(web, edited="1", order=order, move=f"up:{first_summary}").get_data(as_text=True)
    assert _ids(up, "p") + _ids(up, "s-") + _ids(up, "q") == order


def test_export_markdown_has_only_the_kept_items_in_order(web: Any) -> None:
    html = _draft(web).get_data(as_text=True)
    points, questions = _ids(html, "p"), _ids(html, "q")
    order = points + list(reversed(questions))
    keep = [points[0], questions[0], questions[1]]
    response = _draft(web, edited="1", order=order, keep=keep, export="md")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.get_data(as_text=True)
    assert text.count("\n### ") == 1  # one point kept, no summaries
    assert "## Questions for discussion" in text and "## Case summaries" not in text
    listed = re.findall(r"^\d+\. (.+)$", text, re.M)
    bank = load_bank().theme("adultification").questions
    assert listed == [bank[1], bank[0]], "kept questions only, in the new order"


@pytest.mark.parametrize(
    ("name", "media_type", "magic"),
    [
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
        (
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            b"PK",
        ),
        ("pdf", "application/pdf", b"%PDF"),
    ],
)
def test_export_binary_formats(web: Any, name: str, media_type: str, magic: bytes) -> None:
    response = _draft(web, export=name)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.data.startswith(magic)
    assert response.headers["Content-Disposition"].endswith(f'.{name}"')


def test_drafting_and_comparing_share_the_ask_rate_limit(tmp_path: Path) -> None:
    from web import create_app

    app = create_app(
        web_settings(tmp_path, tmp_path / "db.sqlite3", rate_limit="2/minute"),
        assistant=small_assistant(tmp_path),
    )
    web = app.test_client()
    assert _draft(web, topic="  ").status_code == 400
    assert _compare(web, question="  ").status_code == 400
    assert _draft(web, topic="  ").status_code == 429


def test_unknown_export_format_is_a_bad_request(web: Any) -> None:
    assert _draft(web, export="exe").status_code == 400


# --- compare ------------------------------------------------------------------------------------


def _compare(web: Any, **fields: Any) -> Any:
    data = {"csrf_token": csrf_token(web, "/compare"), "question": TOPIC, **fields}
    return web.post("/compare", data=data, buffered=True)


def test_compare_page_has_one_row_per_document(web: Any) -> None:
    html = _compare(web).get_data(as_text=True)
    assert html.count('<th scope="row" class="govuk-table__header">') == len(SMALL_DOCUMENTS)
    assert "Not addressed" in html  # the guidance says nothing on adultification
    assert "rla-status--silent" in html


def test_compare_csv_export(web: Any) -> None:
    response = _compare(web, export="csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["document", "type", "area", "year", "status"]
    assert len(rows) == len(SMALL_DOCUMENTS) + 1


# --- silence map --------------------------------------------------------------------------------


def _silence_html(web: Any) -> str:
    for _ in range(240):
        html: str = web.get("/silence-map").get_data(as_text=True)
        if "data-silence-pending" not in html:
            return html
        time.sleep(0.25)
    raise AssertionError("the silence map was not ready within a minute")


def test_the_first_request_prepares_the_silence_map_in_the_background(web: Any) -> None:
    first = web.get("/silence-map")
    assert first.status_code == 200
    assert "being prepared" in first.get_data(as_text=True)
    assert "<table" in _silence_html(web)


def test_silence_map_page_is_a_table_with_text_for_every_cell(web: Any, packs_app: Any) -> None:
    html = _silence_html(web)
    assert (
        html.count('<th scope="row" class="govuk-table__header">') == len(SMALL_DOCUMENTS) + 1
    )  # + the totals row
    assert html.count('class="govuk-table__cell rla-silence__cell ') == len(SMALL_DOCUMENTS) * len(
        RACE_THEMES
    )
    cells = re.findall(r'rla-silence__cell--(\w+)">\s*(?:<a [^>]*>)?([A-Z][a-z ]+)', html)
    labels = {"addresses": "Addresses", "mentions": "Mentions", "silent": "Not addressed"}
    assert cells and all(labels[status] == text.strip() for status, text in cells)
    cache = Path(packs_app.extensions["rla"].settings.data_dir) / "cache" / "silence-map"
    assert list(cache.glob("*/*.json")), "the map is cached per build on first request"


def test_silence_map_csv_has_totals(web: Any) -> None:
    _silence_html(web)  # prepared (it is served from the per-build cache)
    rows = list(csv.reader(io.StringIO(web.get("/silence-map.csv").get_data(as_text=True))))
    assert len(rows) == len(SMALL_DOCUMENTS) + 2
    assert len(rows[0]) == 3 + len(RACE_THEMES)
    totals = rows[-1]
    for j in range(3, len(rows[0])):
        assert int(totals[j]) == sum(1 for r in rows[1:-1] if r[j] == "Not addressed")
