"""GOV.UK Frontend's JavaScript in the pages: character counts (also in a streamed turn), the
error summary and the service navigation's menu on a phone (Playwright + Debian chromium)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_browser import ask_with_mouse, wait_announced
from tests.test_browser import base_url as base_url  # noqa: F401  (the shared fixtures)
from tests.test_browser import browser as browser  # noqa: F401
from tests.test_browser import page as page  # noqa: F401
from tests.test_browser import served as served  # noqa: F401

pytestmark = pytest.mark.browser


def count_message(page: Any, field: str) -> str:  # noqa: F811
    """The count GOV.UK's script shows (it hides the static "up to" message it replaces)."""
    group = page.locator(".govuk-character-count", has=page.locator(f"#{field}"))
    return " ".join(group.locator(".govuk-character-count__status").inner_text().split())


def test_the_question_count_warns_past_the_limit_and_the_server_refuses(page: Any) -> None:  # noqa: F811
    page.goto("/")
    page.wait_for_function("() => document.body.classList.contains('govuk-frontend-supported')")
    page.fill("#question", "a" * 2010)
    page.wait_for_function(
        "() => document.querySelector('#question').classList.contains('govuk-textarea--error')"
    )
    assert count_message(page, "question") == "You have 10 characters too many"
    page.click("[data-ask-button]")  # the stream is refused, so the form posts: the server says why
    page.wait_for_selector(".govuk-error-summary")
    page.wait_for_function("() => document.activeElement.classList.contains('govuk-error-summary')")
    assert "Question must be 2,000 characters or fewer" in page.inner_text(".govuk-error-summary")
    page.get_by_role("link", name="Question must be 2,000 characters or fewer").click()
    assert page.evaluate("document.activeElement.id") == "question"


def test_a_streamed_turn_gets_its_components_started(page: Any) -> None:  # noqa: F811
    page.goto("/")
    ask_with_mouse(page, "What is adultification bias?", 1)
    wait_announced(page, "Answer ready")
    feedback = page.locator("#turn-1-feedback")
    feedback.locator(".govuk-details__summary").click()
    # GOV.UK's count adds a live status region when it starts: the swapped-in turn has one
    assert feedback.locator(".govuk-character-count__status").count() == 1
    feedback.get_by_label("Comment (optional)").fill("Too short.")
    page.wait_for_function(
        "() => document.querySelector('#turn-1-feedback .govuk-character-count__status')"
        ".textContent.includes('490 characters remaining')"
    )


def test_the_navigation_folds_into_a_menu_on_a_phone(browser: Any, base_url: str) -> None:  # noqa: F811
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/")
    menu = page.get_by_role("button", name="Menu")
    menu.wait_for()
    assert menu.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="Silence map").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="Silence map").is_visible()
    context.close()
