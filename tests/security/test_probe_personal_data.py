"""The security probe of issue 11, defects 1-4: personal data in questions, in history and in
feedback comments is refused and stored nowhere; feedback goes only on one's own turns.

Real Flask, real SQLite, real Chroma; the real Assistant (hashing embedder) wherever the answer
matters, the web fakes where only the web layer does. Defects 5-12: test_probe_fixes.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.answering_support import DocSpec
from tests.security.support import (
    CHILD_Q,
    ask_form,
    conversation_path,
    database_text,
    security_app,
    security_settings,
)
from tests.web_fakes import csrf_token

# --- 1. personal data in questions: refused, and stored nowhere ----------------------------------

LEAKS = [
    "What do reviews say about calling a father on +234 803 555 0199?",
    "Her mother's number is +2348035550198, what should I record?",
    "The uncle on +92 300 1234567 wants to talk to me about racism",
    "Can I text +1 415 555 2671 about adultification?",
    "Jayden Smith who is 14 was strip searched, what do the reviews say?",
    "Jayden Smith is 14 and keeps going missing, is this adultification?",
    "Jayden Smith, 14, was stopped by police, what do reviews say about racism?",
    "Amira Khan, aged 9, was not listened to: what did reviews find?",
    "Amira Khan (14) was excluded, what do reviews say about exclusion and race?",
    "Smith, Jayden, who is 14, was searched at school",
]


@pytest.fixture(scope="module")
def real_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return security_app(tmp_path_factory.mktemp("probe"))


@pytest.mark.parametrize("question", LEAKS)
def test_personal_data_is_refused_and_stored_nowhere(real_app: Any, question: str) -> None:
    client = real_app.test_client()
    response = ask_form(client, question)
    assert response.status_code == 303
    path = conversation_path(response)
    page = client.get(path).get_data(as_text=True)
    assert "personal" in page.lower() or "identify" in page.lower()
    store = real_app.extensions["rla"].store
    conversation_id = path.rsplit("/", 1)[-1]
    owner = _owner_of(real_app, conversation_id)
    stored = store.conversation(conversation_id, owner)
    for turn in stored.turns:
        assert question not in turn.question
        assert turn.answer.status == "personal_data"
        searched = turn.answer.searched
        assert not turn.answer.search_query and searched is not None and not searched.query
    listing = client.get("/conversations").get_data(as_text=True)
    assert stored.title == "" or question[:30] not in stored.title
    for fragment in _identifying(question):
        assert fragment not in page and fragment not in listing
        assert fragment not in json.dumps([t.answer.to_dict() for t in stored.turns])


def _identifying(question: str) -> list[str]:
    """The parts of a question that identify someone (numbers and names)."""
    parts = [w for w in ("Jayden", "Amira", "Khan", "Smith") if w in question]
    digits = "".join(c for c in question if c.isdigit() or c == "+")
    return parts + ([digits[:8]] if len(digits) >= 8 else [])


def _owner_of(app: Any, conversation_id: str) -> str:
    from sqlalchemy import text

    with app.extensions["rla"].store.engine.connect() as conn:
        row = conn.execute(
            text("select owner from conversations where id = :id"), {"id": conversation_id}
        ).one()
    return str(row[0])


@pytest.mark.parametrize("question", LEAKS[:2] + LEAKS[4:6])
def test_api_and_stream_refuse_without_repeating(real_app: Any, question: str) -> None:
    client = real_app.test_client()
    body = client.post("/api/ask", json={"question": question}).get_json()
    assert body["status"] == "personal_data"
    token = csrf_token(client)
    streamed = client.post(
        "/api/ask/stream", json={"question": question}, headers={"X-CSRFToken": token}
    ).get_data(as_text=True)
    assert '"status": "personal_data"' in streamed
    for reply in (json.dumps(body), streamed):
        for fragment in _identifying(question):
            assert fragment not in reply


@pytest.mark.parametrize(
    "question",
    [
        "What did the reviews say about Jayden Okafor?",
        "Was Amira Begum-Khan let down like Child Q?",
    ],
)
def test_answers_never_repeat_a_name_without_an_age(real_app: Any, question: str) -> None:
    """Not personal data on its own (no age), but an answer still never says the name back."""
    body = real_app.test_client().post("/api/ask", json={"question": question}).get_json()
    for name in ("Jayden", "Okafor", "Amira", "Begum"):
        if name in question:
            assert name not in body["text"]


# --- 2. history is checked too -------------------------------------------------------------------

HISTORY_LEAKS = [
    [{"question": "Write to jo.bloggs@example.org about the review", "answer": "..."}],
    [{"question": "What about racism?", "answer": "Call her on 07700 900123 today."}],
    [{"question": "Jayden Smith, aged 7, told his teacher", "answer": ""}],
    [{"question": "about Child Q", "answer": ""}, {"question": "+2348035550198", "answer": ""}],
]


@pytest.mark.parametrize("history", HISTORY_LEAKS)
def test_history_with_personal_data_is_refused(real_app: Any, history: list[Any]) -> None:
    client = real_app.test_client()
    ask_form(client, "What did the Child Q review find about racism?")
    conversation_id = client.get("/conversations").get_data(as_text=True).split("/c/")[1][:24]
    body = client.post(
        "/api/ask",
        json={"question": "what did it recommend?", "history": history, "conversation_id": ""},
    ).get_json()
    assert body["status"] == "personal_data"
    assert body["search_query"] == "" and body["passages"] == []
    token = csrf_token(client)
    streamed = client.post(
        "/api/ask/stream",
        json={
            "question": "and for schools?",
            "history": history,
            "conversation_id": conversation_id,
        },
        headers={"X-CSRFToken": token},
    ).get_data(as_text=True)
    assert '"status": "personal_data"' in streamed
    everything = database_text(real_app)
    for turn in history:
        for value in turn.values():
            if len(value) > 3:
                assert value not in everything


def test_a_document_phone_number_in_an_earlier_answer_does_not_block_follow_ups(
    tmp_path: Path,
) -> None:
    contact = DocSpec(
        doc_id="front-door",
        title="Referrals to the children's social care front door",
        pages=[
            "Practitioners worried about racism affecting a child should call the front door "
            "on 020 7946 0018 and record the child's ethnicity in the referral."
        ],
    )
    app = security_app(tmp_path, (contact, CHILD_Q))
    client = app.test_client()
    first = conversation_path(ask_form(client, "How should practitioners refer to the front door?"))
    page = client.get(first).get_data(as_text=True)
    assert "020 7946 0018" in page  # the first answer quoted the document's number
    conversation_id = first.rsplit("/", 1)[-1]
    follow = ask_form(client, "What should the referral record?", conversation_id=conversation_id)
    store = app.extensions["rla"].store
    turns = store.conversation(conversation_id, _owner_of(app, conversation_id)).turns
    assert conversation_path(follow) == first and len(turns) == 2
    assert turns[1].status != "personal_data"


def test_history_check_in_the_core(tmp_path: Path) -> None:
    from tests.security.support import security_assistant

    assistant = security_assistant(security_settings(tmp_path))
    history = [{"question": "ring +234 803 555 0199", "answer": ""}]
    answer = assistant.ask("what did the review find?", history)
    assert answer.status == "personal_data" and "phone number" in answer.text
    assert "0199" not in json.dumps(answer.to_dict())
    clean = assistant.ask("what did the review find?", [{"question": "Child Q", "answer": ""}])
    assert clean.status in ("answered", "partial")


# --- 3. and 4. feedback: comments checked; only on one's own turns; citation_n an integer ---------


def _turn(client: Any) -> str:
    body = client.post(
        "/api/ask", json={"question": "adultification"}, headers={"Accept": "application/json"}
    )
    ask_form(client, "adultification")
    page = client.get("/conversations").get_data(as_text=True)
    path = "/c/" + page.split("/c/")[1][:24]
    html = client.get(path).get_data(as_text=True)
    assert body.status_code == 200
    return html.split('action="/feedback/answer/')[1].split('"')[0]


@pytest.mark.parametrize(
    "comment",
    [
        "ring me on 07700 900123",
        "the child's mum is on +234 803 555 0199",
        "Jayden Smith, 14, is the boy I meant",
        "email me at a.worker@council.gov.uk",
    ],
)
def test_feedback_comments_with_personal_data_are_refused(app: Any, comment: str) -> None:
    client = app.test_client()
    turn_id = _turn(client)
    api = client.post(
        "/api/feedback", json={"turn_id": turn_id, "rating": "helpful", "comment": comment}
    )
    assert api.status_code == 400 and "comment" in json.dumps(api.get_json())
    form = client.post(
        f"/feedback/answer/{turn_id}",
        data={"rating": "helpful", "comment": comment, "csrf_token": csrf_token(client)},
        headers={"Accept": "application/json"},
    )
    assert form.status_code == 400
    assert comment not in json.dumps(api.get_json()) + form.get_data(as_text=True)
    assert app.extensions["rla"].store.feedback_rows() == []


def test_feedback_api_checks_the_owner_and_the_citation_number(app: Any) -> None:
    mine, theirs = app.test_client(), app.test_client()
    turn_id = _turn(mine)
    stranger = theirs.post("/api/feedback", json={"turn_id": turn_id, "rating": "helpful"})
    assert stranger.status_code == 404
    source = {"turn_id": turn_id, "target": "source", "rating": "relevant"}
    assert theirs.post("/api/feedback", json={**source, "citation_n": 1}).status_code == 404
    assert mine.post("/api/feedback", json={**source, "citation_n": True}).status_code == 400
    assert mine.post("/api/feedback", json={**source, "citation_n": 1}).status_code == 201
    assert (
        mine.post("/api/feedback", json={"turn_id": turn_id, "rating": "helpful"}).status_code
        == 201
    )
    rows = app.extensions["rla"].store.feedback_rows()
    assert [r["target"] for r in rows] == ["source", "answer"]
