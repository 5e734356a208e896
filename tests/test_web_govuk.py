"""GOV.UK Frontend, vendored (ADR 0021): what is shipped, what is not, and that pages use it."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.web_fakes import csrf_token, make_app, web_settings, write_small_build

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "web" / "static"
VENDORED = STATIC / "govuk-frontend"
SCRIPT = ROOT / "web" / "assets" / "vendor-govuk-frontend.sh"


def vendored_version() -> str:
    first = (VENDORED / "VERSION").read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"govuk-frontend (\d+\.\d+\.\d+) \(MIT\)", first)
    assert match, first
    return match.group(1)


def test_the_vendored_release_is_the_pinned_one_and_matches_the_macros() -> None:
    pinned = re.search(r"GOVUK_FRONTEND_VERSION:-([\d.]+)\}", SCRIPT.read_text(encoding="utf-8"))
    assert pinned and pinned.group(1) == vendored_version()
    script = (VENDORED / "govuk-frontend.min.js").read_text(encoding="utf-8")
    assert script.startswith(f'const version="{vendored_version()}";')
    assert re.search(r"export\{[^}]*\binitAll\b", script)
    # govuk-frontend-jinja's major version follows GOV.UK Frontend's: 4.x is for 6.x
    macros_major = int(version("govuk-frontend-jinja").split(".")[0])
    assert int(vendored_version().split(".")[0]) == macros_major + 2


def test_the_licence_note_travels_with_the_files() -> None:
    licence = (VENDORED / "LICENCE.txt").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Crown Copyright (Government Digital Service)" in licence
    assert vendored_version() in licence


def test_no_gds_transport_font_and_no_crown_are_shipped() -> None:
    shipped = [p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file()]
    assert not [p for p in shipped if re.search(r"\.(woff2?|ttf|otf|eot)$", p)], shipped
    assert not [p for p in shipped if "crest" in p or "crown" in p], shipped
    css = (VENDORED / "govuk-frontend.min.css").read_text(encoding="utf-8")
    assert "@font-face" not in css and "GDS Transport" not in css
    assert "govuk-crest" not in css and "/assets/" not in css
    assert re.search(r"\.govuk-template__body\{font-family:system-ui,", css)


def test_only_the_components_in_use_are_compiled() -> None:
    css = (VENDORED / "govuk-frontend.min.css").read_text(encoding="utf-8")
    for used in (
        "govuk-character-count",
        "govuk-error-summary",
        "govuk-notification-banner",
        "govuk-summary-list",
        "govuk-details",
        "govuk-service-navigation",
    ):
        assert f".{used}" in css, used
    for unused in ("govuk-header__logo", "govuk-footer__copyright-logo", "govuk-accordion"):
        assert f".{unused}" not in css, unused


@pytest.fixture()
def client(tmp_path: Path):  # type: ignore[no-untyped-def]
    write_small_build(web_settings(tmp_path, tmp_path / "unused.sqlite3"))
    return make_app(tmp_path, tmp_path / "web.sqlite3").test_client()


@pytest.mark.parametrize("path", ["/", "/library", "/about", "/packs", "/compare", "/nope"])
def test_every_page_loads_the_vendored_files_and_starts_them_as_a_module(client, path: str) -> None:  # type: ignore[no-untyped-def]
    html = client.get(path).get_data(as_text=True)
    assert '<link rel="stylesheet" href="/static/govuk-frontend/govuk-frontend.min.css">' in html
    assert '<script type="module" src="/static/govuk-init.js"></script>' in html
    assert 'class="govuk-template__body"' in html
    assert 'data-module="govuk-service-navigation"' in html
    init = client.get("/static/govuk-init.js")
    assert init.status_code == 200 and "javascript" in init.mimetype
    assert 'from "./govuk-frontend/govuk-frontend.min.js"' in init.get_data(as_text=True)


def test_the_start_page_uses_the_macros(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").get_data(as_text=True)
    assert (
        'class="govuk-notification-banner"' in html
        and 'aria-labelledby="demo-banner-title"' in html
    )
    assert 'data-module="govuk-character-count" data-maxlength="2000"' in html
    assert 'id="question-info" class="govuk-hint govuk-character-count__message"' in html
    assert '<details class="govuk-details"' in html
    # the question box carries no maxlength: GOV.UK's count lets people see how far over they are
    textarea = re.search(r"<textarea[^>]*id=\"question\"[^>]*>", html)
    assert textarea and "maxlength" not in textarea.group(0)


def test_an_empty_question_gets_the_error_summary_first(client) -> None:  # type: ignore[no-untyped-def]

    html = client.post("/ask", data={"question": "", "csrf_token": csrf_token(client)})
    html = html.get_data(as_text=True)
    summary = html.index('class="govuk-error-summary"')
    assert summary < html.index('aria-labelledby="demo-banner-title"')  # before the demo banner
    assert '<a href="#question">Enter a question</a>' in html[summary:]
    assert 'class="govuk-form-group govuk-form-group--error govuk-character-count"' in html
    assert '<textarea class="govuk-textarea govuk-textarea--error govuk-js-character-count"' in html
