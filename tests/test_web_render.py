"""Answer text and page text → safe HTML."""

from __future__ import annotations

import pytest

from web.logs import describe
from web.render import answer_html, highlight, safe_url

LINKS = {1: "/library/a?page=2&q=Bias#q1", 2: "/library/b?page=1&q=x#q1"}


def test_citation_markers_become_viewer_links_only_for_real_citations() -> None:
    html = str(answer_html("Bias is common [1]. See also [2] and [7].", LINKS))
    assert '<a class="govuk-link rla-cite" href="/library/a?page=2&amp;q=Bias#q1">' in html
    assert 'href="/library/b?page=1&amp;q=x#q1"' in html
    assert "[7]" in html and html.count("<a ") == 2


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](https://evil.example/)",
        '<a href="https://evil.example">x</a>',
        "<iframe src=//evil.example></iframe>",
    ],
)
def test_model_markup_never_becomes_live_html(text: str) -> None:
    html = str(answer_html(text, LINKS))
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "javascript:" not in html.replace("javascript:alert(1)", "")  # at most inert text
    assert "<a " not in html  # models never place links
    assert "onerror=" not in html or "&lt;img" in html


def test_light_markdown_is_kept() -> None:
    html = str(answer_html("**Key point**\n\n- one [1]\n- two\n\n> quoted", LINKS))
    assert "<strong>Key point</strong>" in html
    assert "<ul>" in html and "<li>" in html
    assert "<blockquote>" in html


def test_highlight_is_whitespace_case_and_dash_tolerant() -> None:
    page = "Reviews found that Black girls\nwere treated as adults – and not  protected."
    marked = highlight(page, "black girls were treated as adults - and not protected.")
    assert marked.found == "exact"
    assert (
        '<mark id="q1" tabindex="-1">Black girls\nwere treated as adults – and not  protected.</mark>'
        in str(marked.html)
    )


def test_highlight_escapes_everything() -> None:
    marked = highlight("<b>bold</b> & <script>x()</script> text here", "<script>x()</script>")
    html = str(marked.html)
    assert "<script>" not in html and "<b>" not in html
    assert "<mark" in html and "&lt;script&gt;x()&lt;/script&gt;" in html


def test_highlight_partial_and_missing() -> None:
    page = "one two three four five six seven eight nine ten"
    partial = highlight(page, "four five six seven eight nine ten eleven twelve")
    assert partial.found == "partial"
    assert "<mark" in str(partial.html)
    assert highlight(page, "nothing of the sort").found == "none"
    assert highlight(page, "  ").found == "no_quote"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a.pdf#page=3", "https://example.org/a.pdf#page=3"),
        ("http://example.org", "http://example.org"),
        ("javascript:alert(1)", ""),
        ("data:text/html,x", ""),
        ("//evil.example", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_url(url, expected) -> None:  # type: ignore[no-untyped-def]
    assert safe_url(url) == expected


def test_describe_never_includes_the_message() -> None:
    try:
        raise ValueError("secret question text")
    except ValueError as exc:
        text = describe(exc)
    assert text.startswith("ValueError at test_web_render.py:")
    assert "secret" not in text


def test_highlight_finds_the_trailing_run_of_a_quote_that_starts_on_the_previous_page() -> None:
    page = " ".join(f"word{i}" for i in range(200))
    quote = (
        " ".join(f"earlier{i}" for i in range(300)) + " " + " ".join(f"word{i}" for i in range(10))
    )
    marked = highlight(page, quote)
    assert marked.found == "partial"
    assert (
        '<mark id="q1" tabindex="-1">word0 word1 word2 word3 word4 word5 word6 word7 word8 word9</mark>'
        in str(marked.html)
    )


def test_highlight_ignores_runs_shorter_than_six_words() -> None:
    assert (
        highlight("alpha beta gamma delta epsilon", "alpha beta gamma delta epsilon zeta").found
        == "none"
    )
