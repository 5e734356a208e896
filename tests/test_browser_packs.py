"""Browser tests for the Packs, Compare and Silence map pages (Playwright + Debian chromium).

With JavaScript: draft, untick, move within a section without a round trip, export Markdown and
check the file. Without JavaScript: the same with the form (Move buttons post), export DOCX.
axe-core (a script, so with JavaScript on) reports 0 violations on every page and state.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.packs_support import small_assistant
from tests.test_browser import CHROMIUM, assert_accessible
from tests.test_browser import browser as browser  # noqa: F401  (the shared fixture, over base_url here)
from tests.web_fakes import web_settings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
        )
    import waitress

    from web import create_app

    data = tmp_path_factory.mktemp("browser-packs")
    source = small_assistant(data)
    app = create_app(
        web_settings(data, data / "web.sqlite3", rate_limit="1000/minute"), assistant=source
    )
    server = waitress.create_server(
        app, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def _page(browser: Any, base_url: str, *, javascript: bool) -> Any:
    context = browser.new_context(
        base_url=base_url,
        accept_downloads=True,
        java_script_enabled=javascript,
        viewport={"width": 1100, "height": 900},
    )
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on(
        "console",
        lambda m: (
            page.errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text  # e.g. favicon.ico
            else None
        ),
    )
    return page


@pytest.fixture()
def page(browser: Any, base_url: str) -> Iterator[Any]:
    page = _page(browser, base_url, javascript=True)
    yield page
    page.context.close()
    assert not page.errors, f"browser errors: {page.errors}"


@pytest.fixture()
def nojs(browser: Any, base_url: str) -> Iterator[Any]:
    page = _page(browser, base_url, javascript=False)
    yield page
    page.context.close()


def draft(page: Any, topic: str = "Adultification") -> None:
    page.goto("/packs")
    page.fill("#topic", topic)
    page.click("[data-pack-draft]")
    page.wait_for_selector("#pack-form")


def item_ids(page: Any, prefix: str) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        f"#pack-form [data-item^='{prefix}']", "items => items.map(i => i.dataset.item)"
    )


def text_of(page: Any, item: str) -> str:
    return " ".join(page.inner_text(f"[data-item='{item}'] .govuk-body").split())


def test_draft_tick_reorder_and_export_markdown(page: Any, tmp_path: Path) -> None:
    page.goto("/packs")
    assert_accessible(page, "packs-01-empty")
    draft(page)
    assert item_ids(page, "p") and item_ids(page, "s-")
    assert_accessible(page, "packs-02-draft")
    first, second, third, *_ = item_ids(page, "q")
    page.evaluate("window.notReloaded = true")
    page.click(f"[data-item='{first}'] [data-move='down']")
    assert item_ids(page, "q")[:2] == [second, first]
    assert page.evaluate("window.notReloaded") is True, "moved in the page, no round trip"
    page.wait_for_function(
        "() => document.getElementById('pack-announcer').textContent.startsWith('Moved to position 2')"
    )
    focused = page.evaluate("document.activeElement.closest('[data-item]').dataset.item")
    assert focused == first, "focus stays on the moved item's button"
    page.uncheck(f"#keep-{third}")
    assert_accessible(page, "packs-03-reordered")
    with page.expect_download() as download:
        page.click("[data-export='md']")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    a, b = text.find(text_of(page, second)[:50]), text.find(text_of(page, first)[:50])
    assert 0 < a < b, "the export follows the new order"
    assert text_of(page, third)[:50] not in text, "an unticked question is left out"
    assert "> " in text, "the learning point's quote is kept"


def test_without_javascript_move_posts_and_export_docx(nojs: Any, tmp_path: Path) -> None:
    draft(nojs)
    first, second, *_ = item_ids(nojs, "q")
    nojs.uncheck(f"#keep-{second}")
    nojs.click(f"[data-item='{first}'] [data-move='down']")
    nojs.wait_for_selector("#pack-form")
    assert item_ids(nojs, "q")[:2] == [second, first]
    assert not nojs.is_checked(f"#keep-{second}"), "ticks survive the round trip"
    with nojs.expect_download() as download:
        nojs.click("[data-export='docx']")
    from docx import Document

    doc = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    listed = [" ".join(p.text.split()) for p in doc.paragraphs if p.style.name == "List Number"]
    assert text_of(nojs, first) in listed
    assert text_of(nojs, second) not in listed
    assert [p.style.name for p in doc.paragraphs].count("Quote") >= 1


@pytest.mark.parametrize("javascript", [True, False])
def test_compare_and_silence_map_are_accessible(
    browser: Any, base_url: str, javascript: bool
) -> None:
    page = _page(browser, base_url, javascript=javascript)
    try:
        suffix = "js" if javascript else "nojs"
        page.goto("/compare")
        page.fill("#question", "Adultification")
        page.click("button:text('Compare')")
        page.wait_for_selector("table.rla-compare")
        assert page.locator("table.rla-compare tbody tr").count() == 3
        if javascript:  # axe runs as a script; the HTML is the same either way
            assert_accessible(page, f"compare-{suffix}")
        page.goto("/silence-map")
        if javascript:  # the first visit starts the map; the page reloads itself until it is ready
            page.wait_for_selector("table.rla-silence", timeout=90_000)
        assert page.locator("table.rla-silence tbody tr").count() == 3
        if javascript:
            assert_accessible(page, f"silence-map-{suffix}")
        assert not page.errors, page.errors
    finally:
        page.context.close()
