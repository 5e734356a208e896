"""Browser tests: Playwright driving Debian's chromium against the app served by waitress.

Flows: ask → streamed answer with cited sources → open a source at its page (quote highlighted) →
follow up in the same conversation → feedback (reason chips + comment) → export as Markdown; the
same with the keyboard only; the no-JavaScript path; and an axe-core scan of every page (0
violations). Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web_fakes import FakeAssistant, make_app, web_settings, write_small_build

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeAssistant]]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
        )
    import waitress

    data = tmp_path_factory.mktemp("browser-build")
    write_small_build(web_settings(data, data / "unused.sqlite3"))
    app = make_app(data, data / "web.sqlite3", rate_limit="1000/minute")
    server = waitress.create_server(
        app, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", app.extensions["rla"].assistants.get()
    server.close()


@pytest.fixture(scope="module")
def base_url(served: tuple[str, FakeAssistant]) -> str:
    return served[0]


@pytest.fixture()
def fake(served: tuple[str, FakeAssistant]) -> Iterator[FakeAssistant]:
    """The app's assistant: a test queues the answers it needs; none are left for the next."""
    served[1].replies.clear()
    yield served[1]
    served[1].replies.clear()


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=base_url, accept_downloads=True, viewport={"width": 1100, "height": 900}
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert not [e for e in errors if "Failed to load resource" not in e], (
        f"browser errors: {errors}"
    )


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def assert_accessible(page: Any, name: str) -> None:
    """axe-core (bundled with axe-playwright-python, injected locally: no network) finds nothing."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
    shot(page, name)


def wait_announced(page: Any, text: str) -> None:
    page.wait_for_function(
        "text => document.getElementById('answer-announcer').textContent === text", arg=text
    )


def ask_with_mouse(page: Any, question: str, turn: int) -> None:
    page.fill("#question", question)
    page.click("[data-ask-button]")
    page.wait_for_selector(
        f"#turn-{turn} .rla-answer__text, #turn-{turn} .rla-searched, #turn-{turn} .govuk-warning-text"
    )


def test_ask_read_sources_open_page_follow_up_feedback_export(page: Any, tmp_path: Path) -> None:
    page.goto("/")
    assert_accessible(page, "01-chat-empty")
    ask_with_mouse(page, "What is adultification bias?", 1)
    wait_announced(page, "Answer ready")
    assert "/c/" in page.url  # the conversation has an address now
    sources = page.locator("#turn-1 .rla-source")
    assert sources.count() >= 1
    assert "Briefing: adultification bias in safeguarding" in sources.first.inner_text()
    assert page.locator("#turn-1 .rla-source blockquote").count() == 0  # quotes stay above
    assert page.locator("#turn-1 .rla-lead__quote").inner_text().startswith("Adultification bias")
    assert page.locator("#turn-1 [data-copy-target]").is_visible()
    page.locator("#turn-1 .govuk-details__summary").first.click()  # "How this answer was found"
    assert_accessible(page, "02-chat-answer")

    page.locator("#turn-1 [data-copy-target]").click()
    wait_announced(page, "Answer copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Adultification bias happens" in copied and "Sources:" in copied

    ask_with_mouse(page, "What should supervision do about race and identity?", 2)
    assert page.locator("article.rla-turn").count() == 2
    assert page.locator("#question").input_value() == ""

    feedback = page.locator("#turn-1-feedback")
    feedback.get_by_label("No", exact=True).check()
    feedback.locator(".govuk-details__summary").click()
    feedback.get_by_label("Wrong source").check()
    feedback.get_by_label("Missing information").check()
    feedback.get_by_label("Comment (optional)").fill("The second source was about something else.")
    feedback.get_by_role("button", name="Send feedback").click()
    page.wait_for_function(
        "() => document.querySelector('#turn-1-feedback .rla-feedback__result').textContent.includes('Thank you')"
    )
    source_form = page.locator("#turn-1-doc-1 .rla-source-feedback")
    source_form.get_by_role("button", name=re.compile(r"^Not relevant\W+Briefing")).click()
    page.wait_for_function(
        "() => document.querySelector('#turn-1-doc-1 .rla-feedback__result').textContent.includes('Thank you')"
    )
    shot(page, "03-chat-follow-up-feedback")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export this conversation as Markdown").click()
    exported = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "## Question 1" in exported and "## Question 2" in exported
    assert "> Adultification bias happens" in exported
    assert "Original: <https://example.org/adultification>" in exported

    page.locator("#turn-1-doc-1").get_by_role("link", name=re.compile("^page 2 of")).click()
    page.wait_for_selector("mark#q1")
    assert page.locator("mark#q1").inner_text().startswith("Practitioners should ask")
    page.go_back()
    page.locator("#turn-1 .rla-lead a.rla-cite").click()  # the lead's [1]: the quote in place
    page.wait_for_selector("mark#q1")
    assert page.locator("mark#q1").inner_text().startswith("Adultification bias happens")
    assert_accessible(page, "04-viewer-quote-highlighted")


def test_reload_keeps_the_conversation_and_history_lists_it(page: Any) -> None:
    page.goto("/")
    ask_with_mouse(page, "Were interpreters used?", 1)
    url = page.url
    page.reload()
    assert page.locator("#turn-1").is_visible()
    assert page.url == url
    page.goto("/conversations")
    assert page.get_by_role("link", name="Were interpreters used?").is_visible()
    assert_accessible(page, "05-conversations")


def test_keyboard_only(page: Any) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    outline = page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert outline == "rgb(255, 221, 0)"  # visible yellow focus
    page.keyboard.press("Enter")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "question":
            break
    else:
        pytest.fail("the question box is not reachable with Tab")
    focus = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert focus == ["solid", "3px"]
    page.keyboard.type("What is adultification bias?")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-ask-button')"):
            break
    else:
        pytest.fail("the Ask button is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#turn-1 .rla-sources")
    wait_announced(page, "Answer ready")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('rla-cite')"):
            break
    else:
        pytest.fail("no citation link reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("mark#q1")
    shot(page, "06-keyboard-viewer")


def test_no_evidence_partial_and_personal_data_are_accessible(
    page: Any, fake: FakeAssistant
) -> None:
    page.goto("/")
    ask_with_mouse(page, "zebra crossings", 1)  # nothing in the build matches
    assert "What I searched" in page.locator("#turn-1").inner_text()
    assert_accessible(page, "07-no-evidence")
    fake.queue(fake.answer_for("adultification", status="partial"))
    ask_with_mouse(page, "What is adultification?", 2)
    assert "Partly answered" in page.locator("#turn-2").inner_text()
    fake.queue(fake.declined("personal_data"))
    ask_with_mouse(page, "Is Jane Smith at risk?", 3)
    assert "Personal details detected" in page.locator("#turn-3").inner_text()
    assert_accessible(page, "08-partial-and-personal-data")


def test_error_summary_on_empty_question(page: Any) -> None:
    page.goto("/")
    page.get_by_text("Filter the library (optional)").click()
    page.fill("#year_from", "soon")
    page.click("[data-ask-button]")
    page.wait_for_selector(".govuk-error-summary")
    # the page's script moves focus to the summary once loaded; wait for it (fails on timeout)
    page.wait_for_function(
        "() => document.activeElement.classList.contains('govuk-error-summary')", timeout=5000
    )
    assert "Enter a question" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page, "09-error-summary")
    page.get_by_role("link", name="Enter a question").click()
    assert page.evaluate("document.activeElement.id") == "question"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/library", "10-library"),
        (
            "/library/national-review-2022?page=2&q=Professional%20curiosity%20was%20often%20missing.",
            "11-viewer-pdf",
        ),
        ("/about", "12-about"),
        ("/no-such-page", "13-not-found"),
    ],
)
def test_other_pages_are_accessible(page: Any, path: str, name: str) -> None:
    page.goto(path)
    if "viewer" in name:
        page.wait_for_function("() => document.querySelector('img.rla-page-image').complete")
        assert page.evaluate("document.querySelector('img.rla-page-image').naturalWidth") > 100
    assert_accessible(page, name)


def test_the_page_works_without_javascript(browser: Any, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.fill("#question", "What is adultification bias?")
    page.click("[data-ask-button]")
    page.wait_for_url("**/c/**")
    assert page.locator("#turn-1 .rla-source").count() >= 1
    assert page.locator("#turn-1 [data-copy-target]").is_hidden()  # the copy button needs JS
    page.locator("#turn-1-feedback").get_by_label("Yes", exact=True).check()
    page.locator("#turn-1-feedback").get_by_role("button", name="Send feedback").click()
    page.wait_for_selector(".govuk-notification-banner--success")
    assert "Thank you for your feedback." in page.inner_text(".govuk-notification-banner--success")
    page.fill("#question", "And what about supervision?")
    page.click("[data-ask-button]")
    page.wait_for_selector("#turn-2")
    shot(page, "14-no-javascript")
    context.close()


@pytest.fixture(scope="module")
def real_base_url(
    base_url: str, demo_index: Any, real_embedder: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The demo library, the real Assistant and embedding model, served by waitress."""
    import waitress

    from assistant.pipeline import build_assistant
    from web import create_app

    settings, _ = demo_index
    db = tmp_path_factory.mktemp("browser-real") / "web.sqlite3"
    settings = settings.model_copy(
        update={"database_url": f"sqlite:///{db}", "rate_limit": "1000/minute"}
    )
    app = create_app(settings, assistant=build_assistant(settings, embedder=real_embedder))
    server = waitress.create_server(
        app, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True
    )
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.mark.integration
def test_demo_library_end_to_end_with_the_real_assistant(browser: Any, real_base_url: str) -> None:
    """What `make run` gives a new user: a starter question, a cited answer, the quoted page."""
    context = browser.new_context(base_url=real_base_url, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto("/")
    page.locator(".rla-starter").first.click()
    page.wait_for_selector("#turn-1 .rla-sources", timeout=60_000)
    wait_announced(page, "Answer ready")
    assert page.locator("#turn-1 .rla-source").count() >= 1
    assert page.locator("#turn-1 a.rla-cite").count() >= 1
    assert_accessible(page, "20-real-demo-answer")
    ask_with_mouse(page, "What should practitioners do differently?", 2)
    assert page.locator("article.rla-turn").count() == 2
    page.locator("#turn-1 .rla-source__links a").first.click()
    page.wait_for_selector("mark#q1")
    assert len(page.locator("mark#q1").inner_text()) > 20
    assert_accessible(page, "21-real-demo-viewer")
    page.goto("/library")
    assert page.locator("tbody tr").count() == 14
    assert_accessible(page, "22-real-demo-library")
    context.close()


def test_pages_reflow_on_a_small_screen(browser: Any, base_url: str) -> None:
    """WCAG 1.4.10: at 320 CSS px nothing scrolls sideways except the library table's own region."""
    context = browser.new_context(base_url=base_url, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto("/")
    ask_with_mouse(page, "What is adultification bias?", 1)
    overflow = "() => document.scrollingElement.scrollWidth - window.innerWidth"
    assert page.evaluate(overflow) <= 0
    shot(page, "15-small-screen-answer")
    page.goto(
        "/library/national-review-2022?page=2&q=Professional%20curiosity%20was%20often%20missing."
    )
    assert page.evaluate(overflow) <= 0
    page.goto("/library")
    assert page.evaluate(overflow) <= 0
    assert_accessible(page, "16-small-screen-library")
    context.close()


# --- the answer's shape (ADR 12): lead, quotes by document once, sources once, refusals ----------

CARD_QUOTES = """turn => Array.from(document.querySelectorAll(
    `#${turn} .rla-lead__quote, #${turn} .rla-quote`)).map(q => q.innerText.replace(/\\s*\\[\\d+\\]$/, ''))"""


def assert_shaped_answer(page: Any, turn: str) -> None:
    """Lead above the grouped quotes above the sources; each quote once in the card."""
    lead = page.locator(f"#{turn} .rla-lead").bounding_box()
    groups = page.locator(f"#{turn} .rla-groups").bounding_box()
    sources = page.locator(f"#{turn} .rla-sources").bounding_box()
    assert lead["y"] < groups["y"] < sources["y"]
    quotes = page.evaluate(CARD_QUOTES, turn)
    assert len(quotes) >= 2
    card = page.locator(f"#{turn}").inner_text()
    for quote in quotes:
        assert card.count(quote) == 1, quote
    assert page.locator(f"#{turn} .rla-sources blockquote").count() == 0


REFUSAL_CONTROLS = ("Copy answer", "How this answer was found", "Was this answer helpful?")


def assert_refusal_card(page: Any, turn: str) -> None:
    card = page.locator(f"#{turn}")
    assert card.get_attribute("data-refused") == "true"
    text = card.inner_text()
    for control in REFUSAL_CONTROLS:
        assert control not in text, control
    assert card.locator("[data-copy-target], .rla-feedback").count() == 0


MULTI_DOCUMENT = "adultification interpreters curiosity"
NOT_HELD = "The library does not mention vaping."


def test_shaped_answer_and_refusal_with_javascript(page: Any, fake: FakeAssistant) -> None:
    page.goto("/")
    ask_with_mouse(page, MULTI_DOCUMENT, 1)
    wait_announced(page, "Answer ready")
    assert_shaped_answer(page, "turn-1")
    assert page.locator("#question").input_value() == ""  # answered: ready for a follow-up
    question = "Does vaping harm children at school?"
    fake.queue(fake.related("children harm", NOT_HELD))
    ask_with_mouse(page, question, 2)
    wait_announced(page, "Answer ready")
    assert_refusal_card(page, "turn-2")
    assert "Related, not an answer" in page.locator("#turn-2").inner_text()
    assert page.locator("#question").input_value() == question  # ready to edit
    assert_accessible(page, "30-shaped-answer-and-refusal-js")


def test_a_starter_question_that_is_refused_lands_in_the_box(
    page: Any, fake: FakeAssistant
) -> None:
    page.goto("/")
    page.locator(".rla-starter").first.click()
    wait_announced(page, "Answer ready")
    fake.queue(fake.declined("personal_data"))
    page.fill("#question", "Is Jane Smith, who is 14, at risk?")
    page.click("[data-ask-button]")
    page.wait_for_selector("#turn-2 .govuk-warning-text")
    wait_announced(page, "Answer ready")
    assert_refusal_card(page, "turn-2")
    assert page.locator("#question").input_value() == "Is Jane Smith, who is 14, at risk?"
    assert "Jane" not in page.locator("#turn-2").inner_text()  # the reply never repeats it


def test_shaped_answer_and_refusal_without_javascript(
    browser: Any, base_url: str, fake: FakeAssistant
) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.fill("#question", MULTI_DOCUMENT)
    page.click("[data-ask-button]")
    page.wait_for_url("**/c/**")
    assert_shaped_answer(page, "turn-1")
    assert page.locator("#question").input_value() == ""
    question = "Does vaping harm children at school?"
    fake.queue(fake.related("children harm", NOT_HELD))
    page.fill("#question", question)
    page.click("[data-ask-button]")
    page.wait_for_selector("#turn-2")
    assert_refusal_card(page, "turn-2")
    assert page.locator("#question").input_value() == question  # ready to edit
    shot(page, "31-shaped-answer-and-refusal-no-js")
    # axe runs as a script: scan the same server-rendered page, with the same cookie, where it can
    scanner = browser.new_context(base_url=base_url, storage_state=context.storage_state())
    scanned = scanner.new_page()
    scanned.goto(page.url)
    assert_accessible(scanned, "31-shaped-answer-and-refusal-no-js-axe")
    scanner.close()
    context.close()


def test_shaped_answer_on_a_phone(browser: Any, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/")
    ask_with_mouse(page, MULTI_DOCUMENT, 1)
    wait_announced(page, "Answer ready")
    assert_shaped_answer(page, "turn-1")
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0
    assert_accessible(page, "32-shaped-answer-375px")
    context.close()
