"""The app shell: every page's status and security headers, health, errors, limits, logging."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from tests.web_fakes import csrf_token, make_app, web_settings, write_small_build
from web import create_app

PAGES = (
    "/",
    "/about",
    "/conversations",
    "/library",
    "/library/national-review-2022?page=2",
    "/library/adultification-briefing",
)


def assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_served_with_security_headers(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    assert_security_headers(response)
    html = response.get_data(as_text=True)
    assert '<html lang="en-GB" class="govuk-template">' in html
    assert 'href="#main-content"' in html and 'id="main-content"' in html
    assert "<script>" not in html and " style=" not in html  # no inline script or style (CSP)
    assert "https://" not in html.split("<body", 1)[0]  # no CDN assets in the head


@pytest.mark.parametrize(
    "path",
    [
        "/static/app.css",
        "/static/app.js",
        "/static/govuk-init.js",
        "/static/govuk-frontend/govuk-frontend.min.css",
        "/static/govuk-frontend/govuk-frontend.min.js",
        "/healthz",
        "/api/documents",
    ],
)
def test_assets_and_json_carry_security_headers(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response)


def test_api_responses_are_not_cached(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/documents").headers["Cache-Control"] == "no-store"


def test_healthz_reports_the_served_build_without_loading_the_model(tmp_path: Path) -> None:
    settings = web_settings(tmp_path, tmp_path / "db.sqlite3")
    info = write_small_build(settings)
    built: list[int] = []

    def factory():  # type: ignore[no-untyped-def]
        built.append(1)
        raise AssertionError("the model must not load for /healthz")

    app = create_app(settings, assistant_factory=factory)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["build_id"] == info.build_id
    assert body["documents"] == 3
    assert body["status"] == "ok" and body["model_loaded"] is False
    assert built == []


def test_no_build_gives_503_everywhere_with_a_clear_message(tmp_path: Path) -> None:
    settings = web_settings(tmp_path, tmp_path / "db.sqlite3")
    app = create_app(settings)  # default factory never runs: there is no build
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "no_build"
    page = client.get("/")
    assert page.status_code == 503
    assert "rla ingest" in page.get_data(as_text=True)
    assert_security_headers(page)
    api = client.post("/api/ask", json={"question": "What is adultification?"})
    assert api.status_code == 503 and "rla ingest" in api.get_json()["error"]


def test_the_assistant_is_built_lazily_once_and_reloaded_per_request(
    build_dir: Path, tmp_path: Path
) -> None:
    from tests.web_fakes import FakeAssistant

    settings = web_settings(build_dir, tmp_path / "db.sqlite3")
    made: list[FakeAssistant] = []

    def factory() -> FakeAssistant:
        made.append(FakeAssistant(settings))
        return made[-1]

    app = create_app(settings, assistant_factory=factory)
    assert made == []
    client = app.test_client()
    client.get("/")
    client.get("/library")
    assert len(made) == 1
    assert made[0].reloads >= 2


def test_404_page_is_friendly_html_and_json_under_api(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "Page not found" in page.get_data(as_text=True)
    assert_security_headers(page)
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404 and api.get_json()["status"] == 404


def test_favicon_is_served_and_linked_from_every_page(client) -> None:  # type: ignore[no-untyped-def]
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO header, not an HTML error page
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in html
    svg_href = re.search(r'<link rel="icon" href="([^"]+\.svg)"', html)
    assert svg_href is not None
    svg = client.get(svg_href.group(1))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True).lstrip().startswith("<svg")


def test_method_not_allowed(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/ask").status_code == 405
    assert client.get("/api/ask").status_code == 405


def test_request_body_is_capped(build_dir: Path, tmp_path: Path) -> None:
    app = make_app(build_dir, tmp_path / "db.sqlite3", max_request_kb=1)
    client = app.test_client()
    response = client.post("/api/ask", json={"question": "x" * 5000})
    assert response.status_code == 413
    page = client.post("/ask", data={"question": "y" * 5000})
    assert page.status_code == 413
    assert "too large" in page.get_data(as_text=True)


def test_rate_limit_on_ask_endpoints_is_shared_and_friendly(
    build_dir: Path, tmp_path: Path
) -> None:
    app = make_app(build_dir, tmp_path / "db.sqlite3", rate_limit="2/minute")
    client = app.test_client()
    assert client.post("/api/ask", json={"question": "adultification"}).status_code == 200
    token = csrf_token(client)
    first = client.post("/ask", data={"question": "adultification", "csrf_token": token})
    assert first.status_code == 303
    limited = client.post("/api/ask", json={"question": "adultification"})
    assert limited.status_code == 429
    assert "error" in limited.get_json()
    assert limited.headers.get("Retry-After")
    page = client.post("/ask", data={"question": "adultification", "csrf_token": token})
    assert page.status_code == 429
    assert "Too many questions" in page.get_data(as_text=True)
    assert client.get("/library").status_code == 200  # reading is not limited


def test_production_cookies_are_secure_httponly_lax(build_dir: Path, tmp_path: Path) -> None:
    app = make_app(build_dir, tmp_path / "db.sqlite3", production=True)
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/ask",
        data={"question": "adultification", "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/"},
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_development_cookies_are_httponly_lax_not_secure(client) -> None:  # type: ignore[no-untyped-def]
    cookie = client.get("/about").headers["Set-Cookie"]  # the page's CSRF token starts a session
    assert cookie.startswith("rla_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_forms_need_a_csrf_token(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/ask", data={"question": "adultification"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_question_text_is_never_logged(client, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    secret = "Qzxv adultification question marker"
    caplog.set_level(logging.DEBUG)
    token = csrf_token(client)
    client.post("/ask", data={"question": secret, "csrf_token": token})
    client.post("/api/ask", json={"question": secret})
    stream = client.post(
        "/api/ask/stream", json={"question": secret}, headers={"X-CSRFToken": token}
    )
    assert b"event: answer" in stream.data
    client.get("/api/search", query_string={"q": secret})
    fake = client.application.extensions["rla"].assistants.get()
    fake.queue(fake.declined("error"))  # a failed answer logs no question text either
    client.post("/api/ask", json={"question": secret})
    messages = [r.getMessage() for r in caplog.records]
    assert any("question_chars=" in m for m in messages), "ask should log lengths"
    for message in messages:
        assert "Qzxv" not in message
        assert "marker" not in message


ROUTES = {
    ("GET", "/"),
    ("POST", "/ask"),
    ("GET", "/c/<conversation_id>"),
    ("GET", "/c/<conversation_id>/export.md"),
    ("POST", "/c/<conversation_id>/delete"),
    ("GET", "/conversations"),
    ("GET", "/about"),
    ("GET", "/library"),
    ("GET", "/library/<doc_id>"),
    ("GET", "/library/<doc_id>/page/<int:number>.png"),
    ("POST", "/feedback/answer/<turn_id>"),
    ("POST", "/feedback/source/<turn_id>/<int:n>"),
    ("POST", "/api/ask"),
    ("POST", "/api/ask/stream"),
    ("GET", "/api/search"),
    ("GET", "/api/documents"),
    ("POST", "/api/feedback"),
    ("GET", "/api/feedback/export"),
    ("GET", "/api/openapi.json"),
    ("GET", "/healthz"),
    ("GET", "/favicon.ico"),
    ("GET", "/static/<path:filename>"),
    ("GET", "/packs"),
    ("POST", "/packs"),
    ("GET", "/compare"),
    ("POST", "/compare"),
    ("GET", "/silence-map"),
    ("GET", "/silence-map.csv"),
}


def test_every_route_answers_with_security_headers(build_dir: Path, tmp_path: Path) -> None:
    """Each rule in the URL map is requested once; a new route must be added here (and tested)."""
    app = make_app(build_dir, tmp_path / "db.sqlite3", feedback_export_token="t0ken")
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert rules == ROUTES
    client = app.test_client()
    token = csrf_token(client)
    asked = client.post("/ask", data={"question": "adultification", "csrf_token": token})
    conversation = asked.headers["Location"].split("#")[0]
    html = client.get(conversation).get_data(as_text=True)
    turn_id = html.split('action="/feedback/answer/', 1)[1].split('"', 1)[0]
    calls = [
        (client.get("/"), 200),
        (asked, 303),
        (client.get(conversation), 200),
        (client.get(conversation + "/export.md"), 200),
        (client.get("/conversations"), 200),
        (client.get("/about"), 200),
        (client.get("/library"), 200),
        (client.get("/library/national-review-2022?page=1"), 200),
        (client.get("/library/national-review-2022/page/1.png"), 200),
        (
            client.post(
                f"/feedback/answer/{turn_id}", data={"rating": "helpful", "csrf_token": token}
            ),
            303,
        ),
        (
            client.post(
                f"/feedback/source/{turn_id}/1", data={"rating": "relevant", "csrf_token": token}
            ),
            303,
        ),
        (client.post("/api/ask", json={"question": "adultification"}), 200),
        (
            client.post(
                "/api/ask/stream",
                json={"question": "adultification"},
                headers={"X-CSRFToken": token},
            ),
            200,
        ),
        (client.get("/api/search?q=adultification"), 200),
        (client.get("/api/documents"), 200),
        (client.post("/api/feedback", json={"turn_id": turn_id, "rating": "helpful"}), 201),
        (client.get("/api/feedback/export", headers={"Authorization": "Bearer t0ken"}), 200),
        (client.get("/api/openapi.json"), 200),
        (client.get("/healthz"), 200),
        (client.get("/favicon.ico"), 200),
        (client.get("/static/app.js"), 200),
        (client.get("/packs"), 200),  # drafting itself: tests/test_web_packs.py
        (client.post("/packs", data={"topic": "", "csrf_token": token}), 400),
        (client.get("/compare"), 200),
        (client.post("/compare", data={"question": "", "csrf_token": token}), 400),
        (client.get("/silence-map"), 200),  # "being prepared" on the first request
        (client.get("/silence-map.csv"), 503),  # not prepared yet
        (client.post(conversation + "/delete", data={"csrf_token": token}), 303),
    ]
    for response, status in calls:
        assert response.status_code == status, (response.request.path, response.status_code)
        assert_security_headers(response)
