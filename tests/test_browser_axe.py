"""axe-core on every page, with and without JavaScript, on a phone (375 px) and a desktop (1280 px).

The pages are served by waitress over a real Assistant on the small test build (the packs server of
tests/test_browser_packs.py). "Without JavaScript" means the page's own scripts are blocked, so it
renders exactly as a browser without JavaScript shows it (no GOV.UK Frontend components started, no
streaming); axe itself is injected by Playwright over the DevTools protocol, which the block does
not touch. Each state is reached the way a user reaches it in that mode: with JavaScript the answer
streams in and is swapped into the page; without it, the form posts and the server renders.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_browser import assert_accessible
from tests.test_browser import browser as browser  # noqa: F401  (the shared fixture)
from tests.test_browser_packs import base_url as base_url  # noqa: F401  (the packs server)

pytestmark = pytest.mark.browser

WIDTHS = (375, 1280)
SCRIPTS = re.compile(r"\.m?js(\?.*)?$")
VIEWER = "/library/national-review-2022?page=2&q=Professional%20curiosity%20was%20often%20missing."


@pytest.fixture(
    params=[(w, js) for w in WIDTHS for js in (True, False)],
    ids=lambda p: f"{p[0]}px-{'js' if p[1] else 'nojs'}",
)
def mode(request: pytest.FixtureRequest, browser: Any, base_url: str) -> Iterator[Any]:  # noqa: F811
    width, javascript = request.param
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900})
    if not javascript:
        context.route(SCRIPTS, lambda route: route.abort())
    page = context.new_page()
    page.label = f"{width}px-{'js' if javascript else 'nojs'}"  # type: ignore[attr-defined]
    page.javascript = javascript  # type: ignore[attr-defined]
    yield page
    context.close()


def scan(page: Any, name: str) -> None:
    """0 axe violations; the page's scripts ran or not as the mode says; nothing scrolls sideways."""
    started = page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert started is page.javascript, f"{name}: GOV.UK Frontend started={started}"
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: {overflow}px wider than the window"
    assert_accessible(page, f"axe-{name}-{page.label}")


def ask(page: Any, question: str, turn: int) -> None:
    page.fill("#question", question)
    page.click("[data-ask-button]")
    page.wait_for_selector(f"#turn-{turn}", timeout=60_000)
    if page.javascript:  # the streamed turn is swapped in, then announced
        page.wait_for_function(
            "() => document.getElementById('answer-announcer').textContent === 'Answer ready'"
        )


def wait_ready(page: Any) -> None:
    """With JavaScript, GOV.UK Frontend's module has run before axe looks."""
    if page.javascript:
        page.wait_for_function("() => document.body.classList.contains('govuk-frontend-supported')")


def test_chat_pages(mode: Any) -> None:
    page = mode
    page.goto("/")
    wait_ready(page)
    scan(page, "chat-start")
    page.click("[data-ask-button]")  # no question: the error summary
    page.wait_for_selector(".govuk-error-summary")
    wait_ready(page)
    scan(page, "chat-error-summary")
    page.goto("/")
    ask(page, "What is adultification bias?", 1)
    page.locator("#turn-1 .govuk-details__summary").first.click()  # "How this answer was found"
    ask(page, "Does vaping harm children at school?", 2)
    wait_ready(page)
    scan(page, "chat-conversation")
    page.goto("/conversations")
    wait_ready(page)
    scan(page, "conversations")


@pytest.mark.parametrize(
    ("path", "name"),
    [("/library", "library"), (VIEWER, "viewer"), ("/about", "about"), ("/nope", "not-found")],
)
def test_reading_pages(mode: Any, path: str, name: str) -> None:
    page = mode
    page.goto(path)
    wait_ready(page)
    scan(page, name)


def test_packs_compare_and_silence_map(mode: Any) -> None:
    page = mode
    page.goto("/packs")
    wait_ready(page)
    scan(page, "packs-start")
    page.fill("#topic", "Adultification")
    page.click("[data-pack-draft]")
    page.wait_for_selector("#pack-form", timeout=60_000)
    wait_ready(page)
    scan(page, "packs-draft")
    page.goto("/compare")
    page.fill("#question", "Adultification")
    page.click("button:text('Compare')")
    page.wait_for_selector("table.rla-compare")
    wait_ready(page)
    scan(page, "compare")
    page.goto("/silence-map")  # prepared in the background: the waiting page, or the map
    wait_ready(page)
    scan(page, "silence-map")
