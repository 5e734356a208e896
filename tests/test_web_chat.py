"""The chat page without JavaScript: ask (POST → redirect → answer page), follow up, statuses,
history, export, delete, and that one browser never sees another's conversations."""

from __future__ import annotations

import re

import pytest

from assistant.types import Filters
from tests.web_fakes import csrf_token

QUESTION = "What is adultification bias?"


def fake(app):  # type: ignore[no-untyped-def]
    return app.extensions["rla"].assistants.get()


def ask(client, question: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {"question": question, "csrf_token": csrf_token(client), **fields}
    return client.post("/ask", data=data)


def test_start_page_has_label_hint_notice_banner_filters_and_starters(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").get_data(as_text=True)
    assert re.search(
        r'<label class="govuk-label govuk-label--m" for="question">\s*Your question', html
    )
    # the box is described by its character count and its hint, which holds the warning
    assert 'aria-describedby="question-info question-hint"' in html
    hint = html[html.index('id="question-hint"') : html.index("<textarea")]
    assert 'id="question-warning"' in hint
    assert "could identify a real child, family or professional" in hint
    assert 'data-module="govuk-character-count" data-maxlength="2000"' in html
    assert "You are using the demo library" in html
    assert 'name="theme"' in html and 'name="doc_type"' in html
    assert 'name="year_from"' in html and 'name="year_to"' in html
    assert "Silence on race and racism" in html  # theme list from ingest.themes
    assert '<option value="national_review">National review</option>' in html
    assert "Or try a suggested question" in html
    assert "What is adultification bias" in html  # a starter for a theme in the library
    assert 'id="answer-announcer"' in html and 'aria-live="polite"' in html


def test_ask_redirects_to_the_conversation_and_shows_a_cited_answer(app, client) -> None:  # type: ignore[no-untyped-def]
    response = ask(client, QUESTION)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/c/[0-9a-f]{24}#turn-1", location)
    page = client.get(location.split("#")[0])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert QUESTION in html
    # the lead quote, its [n] opening the viewer with the quote highlighted in place
    assert '<blockquote class="rla-lead__quote"><p>Adultification bias happens' in html
    assert (
        '<a class="govuk-link rla-cite" href="/library/adultification-briefing?page=1&amp;q=Adultification+bias'
        in html
    )
    assert html.count("Adultification bias happens") == 1  # not again in the sources list
    assert 'id="turn-1-doc-1"' in html
    assert "Briefing: adultification bias in safeguarding" in html
    assert "Demo Safeguarding Partnership · 2023 · Briefing · quote" in html
    assert 'href="https://example.org/adultification"' in html
    assert "Copy answer" in html and "How this answer was found" in html
    assert "Was this answer helpful?" in html and "Wrong source" in html
    assert "Export this conversation as Markdown" in html
    assert "Start a new conversation" in html
    assert "Or try a suggested question" not in html


def test_follow_up_uses_the_same_conversation_and_sends_history(app, client) -> None:  # type: ignore[no-untyped-def]
    first = ask(client, QUESTION)
    conversation_id = first.headers["Location"].split("/")[2].split("#")[0]
    second = ask(client, "What should supervision do about it?", conversation_id=conversation_id)
    assert second.headers["Location"].startswith(f"/c/{conversation_id}")
    assert second.headers["Location"].endswith("#turn-2")
    question, history, _ = fake(app).asked[-1]
    assert question == "What should supervision do about it?"
    assert [t.question for t in history] == [QUESTION]
    assert "Adultification bias happens" in history[0].answer
    html = client.get(f"/c/{conversation_id}").get_data(as_text=True)
    assert "Question 1" in html and "Question 2" in html
    assert "Ask a follow-up question" in html


def test_filters_reach_the_assistant_and_stay_selected(app, client) -> None:  # type: ignore[no-untyped-def]
    response = ask(
        client,
        "interpreters",
        theme="language-and-interpreters",
        doc_type="national_review",
        year_from="2020",
        year_to="2024",
    )
    assert response.status_code == 303
    _, _, filters = fake(app).asked[-1]
    assert filters == Filters(
        themes=("language-and-interpreters",),
        doc_types=("national_review",),
        year_from=2020,
        year_to=2024,
    )
    html = client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert '<option value="national_review" selected>' in html
    assert 'value="2020"' in html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"question": "   "}, "question", "Enter a question"),
        ({"question": "x" * 2001}, "question", "Question must be 2,000 characters or fewer"),
        ({"question": "ok", "year_from": "twenty"}, "year_from", "‘From’ year must be a year"),
        (
            {"question": "ok", "year_from": "2024", "year_to": "2020"},
            "year_to",
            "must be the same as or after",
        ),
    ],
)
def test_invalid_input_shows_an_error_summary(client, fields, field, message) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/ask", data={**fields, "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert f'<a href="#{field}">' in html and message in html
    assert "<title>Error:" in html


def test_no_evidence_shows_what_was_searched_and_nearest_documents(client) -> None:  # type: ignore[no-untyped-def]
    location = ask(client, "zebra crossings").headers["Location"].split("#")[0]
    html = client.get(location).get_data(as_text=True)
    assert "No evidence found" in html
    assert "What I searched" in html
    assert "zebra crossings" in html
    assert "nearest documents" in html
    assert "Briefing: adultification bias in safeguarding" in html
    assert "rla-sources" not in html


def test_personal_data_warns_and_the_question_is_not_stored(app, client) -> None:  # type: ignore[no-untyped-def]
    fake(app).queue(fake(app).declined("personal_data"))
    location = ask(client, "Jane Smith, born 3 May 2015, was she at risk?").headers["Location"]
    html = client.get(location.split("#")[0]).get_data(as_text=True)
    assert "govuk-warning-text" in html and "Personal details detected" in html
    assert "Jane Smith" not in html
    assert "Question not stored" in html
    store = app.extensions["rla"].store
    conversation_id = location.split("/")[2].split("#")[0]
    rows = store.feedback_rows()
    assert rows == []
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("select question from turns").scalars().all()
    assert stored and all("Jane" not in q for q in stored)
    assert conversation_id


def test_partial_says_what_is_missing(app, client) -> None:  # type: ignore[no-untyped-def]
    fake(app).queue(fake(app).answer_for("adultification", status="partial"))
    html = client.get(ask(client, "adultification").headers["Location"].split("#")[0]).get_data(
        as_text=True
    )
    assert "Partly answered" in html
    note = '<div class="govuk-inset-text rla-missing"><p>The library does not say how this differs'
    assert note in html  # the answer's own note on what is missing, set apart from the quotes
    assert html.index("rla-lead") < html.index(note) < html.index("What the sources say")


def test_error_status_is_shown_plainly(app, client) -> None:  # type: ignore[no-untyped-def]
    fake(app).queue(fake(app).declined("error"))
    html = client.get(ask(client, QUESTION).headers["Location"].split("#")[0]).get_data(
        as_text=True
    )
    assert "Something went wrong" in html


def test_conversations_are_private_to_the_browser(app, client) -> None:  # type: ignore[no-untyped-def]
    location = ask(client, QUESTION).headers["Location"].split("#")[0]
    other = app.test_client()
    assert other.get(location).status_code == 404
    assert other.get(location + "/export.md").status_code == 404
    token = csrf_token(other)
    assert other.post(location + "/delete", data={"csrf_token": token}).status_code == 404
    assert QUESTION not in other.get("/conversations").get_data(as_text=True)
    # a follow-up naming someone else's conversation starts a new one instead
    hijack = other.post(
        "/ask",
        data={"question": "more", "conversation_id": location.split("/")[2], "csrf_token": token},
    )
    assert not hijack.headers["Location"].startswith(location)


def test_history_lists_and_deletes_conversations(client) -> None:  # type: ignore[no-untyped-def]
    location = ask(client, QUESTION).headers["Location"].split("#")[0]
    html = client.get("/conversations").get_data(as_text=True)
    assert QUESTION in html and "1 question" in html
    deleted = client.post(location + "/delete", data={"csrf_token": csrf_token(client)})
    assert deleted.status_code == 303
    after = client.get("/conversations").get_data(as_text=True)
    assert "Conversation deleted." in after
    assert QUESTION not in after
    assert client.get(location).status_code == 404


def test_export_markdown_has_full_citations(client) -> None:  # type: ignore[no-untyped-def]
    location = ask(client, QUESTION).headers["Location"].split("#")[0]
    conversation_id = location.split("/")[2]
    ask(client, "interpreters culture", conversation_id=conversation_id)
    response = client.get(location + "/export.md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("# What is adultification bias?")
    assert "## Question 1" in text and "## Question 2" in text
    assert (
        "- [1] [2] **Briefing: adultification bias in safeguarding** — Demo Safeguarding"
        " Partnership, 2023, Briefing; pages 1, 2" in text
    )
    assert "\n> Adultification bias happens when professionals" in text
    first = text.split("## Question 2")[0]
    assert first.count("Adultification bias happens when professionals") == 1
    assert "Original: <https://example.org/adultification>" in text
    # No RLA_PUBLIC_BASE_URL: links into this service are relative (never the Host header).
    assert "In this service, page 1: </library/adultification-briefing?page=1&q=" in text
    assert "Safeguarding children at risk: a national review" in text


def test_starter_question_form_asks_directly(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").get_data(as_text=True)
    starter = re.search(r'name="question" value="([^"]+)"', html).group(1)
    response = ask(client, starter.replace("&#39;", "'"))
    assert response.status_code == 303


def test_model_text_is_escaped_in_the_page(app, client) -> None:  # type: ignore[no-untyped-def]
    location = ask(client, "<script>alert(1)</script> adultification").headers["Location"]
    html = client.get(location.split("#")[0]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_about_page_explains_storage_and_retention(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/about").get_data(as_text=True)
    assert "deleted after 30 days" in html
    assert "never the text of questions" in html


def test_refused_turns_are_left_out_of_the_history(app, client) -> None:  # type: ignore[no-untyped-def]
    fake(app).queue(fake(app).declined("personal_data"))
    first = ask(client, "Jane Smith, is she at risk?")
    conversation_id = first.headers["Location"].split("/")[2].split("#")[0]
    ask(client, QUESTION, conversation_id=conversation_id)
    ask(client, "and in schools?", conversation_id=conversation_id)
    _, history, _ = fake(app).asked[-1]
    assert [t.question for t in history] == [QUESTION]


def _question_box(html: str) -> str:
    match = re.search(r'<textarea[^>]*id="question"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, "no question box"
    return match.group(1)


VAPING = "Does vaping harm children?"
NOT_HELD = "The library does not mention vaping."


@pytest.mark.parametrize("refusal", ["related", "no_evidence", "error"])
def test_after_a_refusal_the_question_stays_in_the_box(app, client, refusal: str) -> None:  # type: ignore[no-untyped-def]
    question = "zebra crossings"  # nothing in the small build matches: no_evidence unless queued
    if refusal == "related":
        question = VAPING
        fake(app).queue(fake(app).related("children harm", NOT_HELD))
    elif refusal == "error":
        fake(app).queue(fake(app).declined("error"))
    location = ask(client, question).headers["Location"].split("#")[0]
    html = client.get(location).get_data(as_text=True)
    assert _question_box(html) == question
    assert "Was this answer helpful?" not in html and "Copy answer" not in html


def test_after_an_answer_the_box_is_empty_for_a_follow_up(app, client) -> None:  # type: ignore[no-untyped-def]
    fake(app).queue(fake(app).related("children harm", NOT_HELD))
    location = ask(client, VAPING).headers["Location"].split("#")[0]
    conversation_id = location.split("/")[2]
    ask(client, QUESTION, conversation_id=conversation_id)
    assert _question_box(client.get(location).get_data(as_text=True)) == ""


def test_a_personal_data_question_is_never_repeated_back(app, client) -> None:  # type: ignore[no-untyped-def]
    fake(app).queue(fake(app).declined("personal_data"))
    location = ask(client, "Is Jane Smith, who is 14, at risk?").headers["Location"]
    html = client.get(location.split("#")[0]).get_data(as_text=True)
    assert "Jane" not in html and _question_box(html) == ""


def test_related_material_is_offered_with_the_refusal(app, client) -> None:  # type: ignore[no-untyped-def]
    fake(app).queue(fake(app).related("children harm", NOT_HELD))
    location = ask(client, VAPING).headers["Location"].split("#")[0]
    html = client.get(location).get_data(as_text=True)
    assert "The library does not mention vaping." in html
    assert "Related, not an answer" in html
    assert html.index("does not mention vaping") < html.index("Related, not an answer")
    assert "What I searched" in html
