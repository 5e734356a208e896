"""The web app over the real thing: the demo library ingested with the real embedder, the real
Assistant (build_assistant), real Chroma and SQLite. Every cited quote must open highlighted."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tests.web_fakes import csrf_token

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def real_assistant(demo_index, real_embedder):  # type: ignore[no-untyped-def]
    pipeline = pytest.importorskip("assistant.pipeline")
    settings, _ = demo_index
    return pipeline.build_assistant(settings, embedder=real_embedder)


@pytest.fixture()
def app(demo_index, real_assistant, tmp_path: Path):  # type: ignore[no-untyped-def]
    from web import create_app

    settings, _ = demo_index
    web_settings = settings.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path / 'web.sqlite3'}",
            "rate_limit": "1000/minute",
        }
    )
    return create_app(web_settings, assistant=real_assistant)


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def ask_page(client, question: str, **fields: str) -> str:  # type: ignore[no-untyped-def]
    response = client.post(
        "/ask", data={"question": question, "csrf_token": csrf_token(client), **fields}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)


def viewer_links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="(/library/[^"]+\?page=\d+&amp;q=[^"]+)"', html)]


def test_start_page_lists_demo_themes_and_starters(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").get_data(as_text=True)
    assert "You are using the demo library" in html
    starters = re.findall(r'name="question" value="([^"]+)"', html)
    assert len(starters) >= 3


def test_every_starter_question_is_answered_and_every_citation_opens_highlighted(client) -> None:  # type: ignore[no-untyped-def]
    starters = [
        unescape(q)
        for q in re.findall(
            r'name="question" value="([^"]+)"', client.get("/").get_data(as_text=True)
        )
    ]
    answered = 0
    for question in starters:
        html = ask_page(client, question)
        if "Answered from the library" in html or "Partly answered" in html:
            answered += 1
        for link in viewer_links(html):
            page = client.get(link)
            assert page.status_code == 200, link
            text = page.get_data(as_text=True)
            assert '<mark id="q1"' in text, f"quote not highlighted at {link}"
    assert answered >= len(starters) - 1, "the demo starters should almost all be answerable"


def test_follow_up_and_export_with_the_real_pipeline(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/ask",
        data={"question": "What did the Child Q review find?", "csrf_token": csrf_token(client)},
    )
    conversation = response.headers["Location"].split("#")[0]
    conversation_id = conversation.rsplit("/", 1)[1]
    html = ask_page(client, "What did it recommend for schools?", conversation_id=conversation_id)
    assert "Question 2" in html
    exported = client.get(conversation + "/export.md").get_data(as_text=True)
    assert "## Question 2" in exported
    assert exported.count("In this service, page ") >= 1
    assert ": </library/" in exported  # relative: never the Host header


def test_stream_with_the_real_pipeline(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    response = client.post(
        "/api/ask/stream",
        json={"question": "What is adultification bias?"},
        headers={"X-CSRFToken": token},
    )
    blocks = [b for b in response.get_data(as_text=True).split("\n\n") if b.strip()]
    names = [b.split("\n", 1)[0].removeprefix("event: ") for b in blocks]
    assert names[0] == "meta" and names[-1] == "answer" and "token" in names
    final: dict[str, Any] = json.loads(blocks[-1].split("data: ", 1)[1])
    assert final["answer"]["status"] in ("answered", "partial")
    assert final["answer"]["citations"]
    assert 'rla-cite"' in final["html"]


def test_personal_data_is_refused_and_not_stored(app, client) -> None:  # type: ignore[no-untyped-def]
    html = ask_page(
        client, "Tell me about Aisha Khan, born 12/03/2015, of 14 Elm Road, Leeds LS6 2AB"
    )
    assert "Aisha" not in html
    assert "Personal details detected" in html
    with app.extensions["rla"].store.engine.connect() as conn:
        stored = conn.exec_driver_sql("select question, answer_json from turns").all()
    assert stored and all("Aisha" not in q for q, _ in stored)


def test_off_topic_question_is_not_answered_with_sources(client) -> None:  # type: ignore[no-untyped-def]
    html = ask_page(client, "What is the best recipe for banana bread?")
    assert "Answered from the library" not in html


def test_api_search_and_documents_with_the_real_build(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/search", query_string={"q": "interpreters", "k": 3}).get_json()
    assert 1 <= len(body["passages"]) <= 3
    documents = client.get("/api/documents").get_json()
    assert documents["build"]["is_demo"] is True
    assert len(documents["documents"]) == 14
    assert client.get("/healthz").get_json()["documents"] == 14


@pytest.mark.shared
def test_real_pdf_opens_at_the_cited_page_with_its_image(
    real_pdfs: Path, real_embedder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A real DfE PDF from ../shared: the citation opens its page, quote highlighted, page rendered."""
    from assistant.pipeline import build_assistant
    from assistant.settings import Settings
    from ingest.job import run_ingest
    from web import create_app

    pdf = real_pdfs / "dfe_information_sharing_advice_safeguarding_practitioners_2024.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf.name} not in {real_pdfs}")
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    run_ingest(settings, [pdf], embedder=real_embedder)
    app = create_app(settings, assistant=build_assistant(settings, embedder=real_embedder))
    client = app.test_client()
    html = ask_page(client, "When can practitioners share information without consent?")
    links = viewer_links(html)
    assert links, "expected at least one cited page"
    page = client.get(links[0]).get_data(as_text=True)
    assert '<mark id="q1"' in page
    image = re.search(r'src="(/library/[^"]+/page/\d+\.png)"', page)
    assert image, "a PDF page should show its rendered image"
    png = client.get(image.group(1))
    assert png.status_code == 200 and png.data[:4] == b"\x89PNG"
