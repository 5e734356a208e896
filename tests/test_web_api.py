"""The JSON API and the answer event stream."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from assistant.types import Filters
from tests.web_fakes import csrf_token, make_app

TOKEN = "evaluator-token-123"


@pytest.fixture()
def app(build_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The shared web app, with an evaluator export token set."""
    return make_app(build_dir, tmp_path / "db.sqlite3", feedback_export_token=TOKEN)


def events(body: bytes) -> list[tuple[str, object]]:
    out = []
    for block in body.decode().split("\n\n"):
        if not block.strip():
            continue
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


# --- /api/ask -------------------------------------------------------------------------------


def test_ask_returns_the_answer_json(app, client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/ask",
        json={
            "question": "What is adultification bias?",
            "history": [{"question": "Earlier?", "answer": "Earlier answer."}],
            "filters": {"themes": ["adultification"], "year_from": 2020},
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "answered"
    assert body["citations"][0]["n"] == 1
    assert body["citations"][0]["doc_id"] == "adultification-briefing"
    for key in (
        "text",
        "passages",
        "search_query",
        "generator",
        "searched",
        "notices",
        "metrics",
        "build_id",
    ):
        assert key in body
    assert "turn_id" not in body  # stateless unless a conversation of this browser is named
    question, history, filters = app.extensions["rla"].assistants.get().asked[-1]
    assert history[0].question == "Earlier?"
    assert filters == Filters(themes=("adultification",), year_from=2020)


def test_ask_accepts_top_level_filter_keys_too(app, client) -> None:  # type: ignore[no-untyped-def]
    client.post("/api/ask", json={"question": "interpreters", "doc_type": "national_review"})
    assert app.extensions["rla"].assistants.get().asked[-1][2].doc_types == ("national_review",)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "question"),
        ({"question": ""}, "question"),
        ({"question": 42}, "question"),
        ({"question": "x" * 2001}, "question"),
        ({"question": "ok", "history": "nope"}, "history"),
        ({"question": "ok", "filters": {"year_from": "soon"}}, "year_from"),
        ({"question": "ok", "year_from": 2024, "year_to": 2001}, "year_to"),
    ],
)
def test_ask_rejects_bad_input_with_json_errors(client, body, field) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/ask", json=body)
    assert response.status_code == 400
    payload = response.get_json()
    assert payload["error"]
    assert field in [e["field"] for e in payload["errors"]]


def test_ask_requires_a_json_object(client) -> None:  # type: ignore[no-untyped-def]
    form = client.post("/api/ask", data={"question": "hi"})
    assert form.status_code == 415
    assert "application/json" in form.get_json()["error"]
    array = client.post("/api/ask", json=["question"])
    assert array.status_code == 400
    broken = client.post("/api/ask", data="{not json", content_type="application/json")
    assert broken.status_code == 400


def test_ask_with_an_own_conversation_stores_the_turn(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    stream = client.post(
        "/api/ask/stream", json={"question": "adultification"}, headers={"X-CSRFToken": token}
    )
    conversation_id = events(stream.data)[0][1]["conversation_id"]
    body = client.post(
        "/api/ask", json={"question": "supervision", "conversation_id": conversation_id}
    ).get_json()
    assert body["conversation_id"] == conversation_id and body["turn_id"]
    html = client.get(f"/c/{conversation_id}").get_data(as_text=True)
    assert "Question 2" in html


# --- /api/ask/stream ------------------------------------------------------------------------


def test_stream_sends_tokens_then_one_rendered_answer(app, client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    response = client.post(
        "/api/ask/stream",
        json={"question": "What is adultification bias?", "theme": "adultification"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    got = events(response.data)
    names = [name for name, _ in got]
    assert names[0] == "meta"
    assert names[-1] == "answer" and names.count("answer") == 1
    assert names.count("token") > 3
    streamed = "".join(str(data) for name, data in got if name == "token")
    final = got[-1][1]
    assert streamed.strip() == final["answer"]["text"].strip()
    assert final["answer"]["status"] == "answered"
    assert final["conversation_url"] == f"/c/{final['conversation_id']}"
    assert '<article class="rla-turn rla-turn--answered" id="turn-1"' in final["html"]
    assert 'class="rla-lead__quote"' in final["html"]
    assert 'href="/library/adultification-briefing?page=1&amp;q=' in final["html"]
    assert final["refused"] is False
    for field in ("lead", "groups", "missing", "related", "refusal"):
        assert field in final["answer"]  # the client can render the structured view
    assert final["answer"]["lead"][0]["n"] == 1
    assert f'action="/feedback/answer/{final["turn_id"]}"' in final["html"]
    # the streamed turn is stored: the conversation page shows it
    page = client.get(final["conversation_url"]).get_data(as_text=True)
    assert "What is adultification bias?" in page
    assert app.extensions["rla"].assistants.get().asked[-1][2].themes == ("adultification",)


def test_stream_follow_up_continues_the_conversation(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    first = events(
        client.post(
            "/api/ask/stream", json={"question": "adultification"}, headers={"X-CSRFToken": token}
        ).data
    )
    conversation_id = first[-1][1]["conversation_id"]
    second = events(
        client.post(
            "/api/ask/stream",
            json={"question": "and supervision?", "conversation_id": conversation_id},
            headers={"X-CSRFToken": token},
        ).data
    )
    assert second[-1][1]["conversation_id"] == conversation_id
    assert 'id="turn-2"' in second[-1][1]["html"]


def test_stream_needs_the_csrf_token_and_json(client) -> None:  # type: ignore[no-untyped-def]
    no_token = client.post("/api/ask/stream", json={"question": "adultification"})
    assert no_token.status_code == 400
    assert "error" in no_token.get_json()
    token = csrf_token(client)
    form = client.post("/api/ask/stream", data={"question": "x"}, headers={"X-CSRFToken": token})
    assert form.status_code == 415


def test_stream_validates_before_streaming(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    response = client.post("/api/ask/stream", json={"question": ""}, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "question"


def test_stream_failure_ends_with_an_error_event(app, client) -> None:  # type: ignore[no-untyped-def]
    assistant = app.extensions["rla"].assistants.get()

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        yield ("token", "Half ")
        raise RuntimeError("model went away")

    assistant.ask_stream = broken
    token = csrf_token(client)
    got = events(
        client.post(
            "/api/ask/stream", json={"question": "adultification"}, headers={"X-CSRFToken": token}
        ).data
    )
    assert got[-1][0] == "error"
    assert "could not be finished" in got[-1][1]["message"]
    assert "model went away" not in json.dumps(got)


# --- search, documents --------------------------------------------------------------------------


def test_search_returns_passages_and_honours_filters(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/search", query_string={"q": "interpreters language", "k": 2}).get_json()
    assert "query" not in body  # never echoed (issue 11)
    assert 1 <= len(body["passages"]) <= 2
    assert body["passages"][0]["doc_id"] == "national-review-2022"
    filtered = client.get(
        "/api/search", query_string={"q": "interpreters language", "doc_type": "briefing"}
    ).get_json()
    assert all(p["doc_id"] == "adultification-briefing" for p in filtered["passages"])
    assert filtered["filters"]["doc_types"] == ["briefing"]


def test_search_validates_input(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/search").status_code == 400
    assert client.get("/api/search", query_string={"q": "x", "year_from": "abc"}).status_code == 400


def test_documents_lists_the_library_and_build(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/documents").get_json()
    assert body["build"]["document_count"] == 3
    assert {d["doc_id"] for d in body["documents"]} == {
        "adultification-briefing",
        "national-review-2022",
        "working-together-2023",
    }


# --- feedback --------------------------------------------------------------------------------


def _turn_id(client) -> str:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    got = events(
        client.post(
            "/api/ask/stream", json={"question": "adultification"}, headers={"X-CSRFToken": token}
        ).data
    )
    return str(got[-1][1]["turn_id"])


def test_feedback_api_stores_answer_and_source_feedback(app, client) -> None:  # type: ignore[no-untyped-def]
    turn_id = _turn_id(client)
    answer = client.post(
        "/api/feedback",
        json={
            "turn_id": turn_id,
            "rating": "not_helpful",
            "reasons": ["wrong_source", "inaccurate"],
            "comment": "Too short",
        },
    )
    assert answer.status_code == 201 and answer.get_json()["ok"]
    source = client.post(
        "/api/feedback",
        json={"turn_id": turn_id, "target": "source", "citation_n": 1, "rating": "relevant"},
    )
    assert source.status_code == 201
    rows = app.extensions["rla"].store.feedback_rows()
    assert [r["target"] for r in rows] == ["answer", "source"]
    assert rows[0]["reasons"] == ["wrong_source", "inaccurate"]
    assert rows[1]["doc_id"] == "adultification-briefing" and rows[1]["page"] == "1"


@pytest.mark.parametrize(
    "body",
    [
        {"rating": "helpful"},
        {"turn_id": "x", "rating": "meh"},
        {"turn_id": "x", "rating": "helpful", "reasons": ["rude"]},
        {"turn_id": "x", "rating": "helpful", "comment": "c" * 501},
        {"turn_id": "x", "target": "source", "rating": "relevant"},
        {"turn_id": "x", "target": "page", "rating": "relevant"},
    ],
)
def test_feedback_api_rejects_bad_input(client, body) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/feedback", json=body).status_code == 400


def test_feedback_api_404_for_unknown_turn_or_source(client) -> None:  # type: ignore[no-untyped-def]
    assert (
        client.post("/api/feedback", json={"turn_id": "nope", "rating": "helpful"}).status_code
        == 404
    )
    turn_id = _turn_id(client)
    missing = {"turn_id": turn_id, "target": "source", "citation_n": 99, "rating": "relevant"}
    assert client.post("/api/feedback", json=missing).status_code == 404


def test_feedback_export_needs_the_token(build_dir: Path, tmp_path: Path, client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/feedback/export").status_code == 403
    wrong = client.get("/api/feedback/export", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert "Bearer" in wrong.get_json()["error"]
    assert "turned off" not in wrong.get_json()["error"]


def test_feedback_export_turned_off_is_forbidden_and_says_why(
    build_dir: Path, tmp_path: Path
) -> None:
    unset = make_app(build_dir, tmp_path / "other.sqlite3").test_client()
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer anything"}):
        response = unset.get("/api/feedback/export", headers=headers)
        assert response.status_code == 403  # not 404: the address is right, the export is off
        body = response.get_json()
        assert body["status"] == 403
        assert "turned off" in body["error"] and "RLA_FEEDBACK_EXPORT_TOKEN" in body["error"]


def test_feedback_export_csv_and_jsonl(client) -> None:  # type: ignore[no-untyped-def]
    turn_id = _turn_id(client)
    client.post(
        "/api/feedback",
        json={"turn_id": turn_id, "rating": "helpful", "comment": '=HYPERLINK("x")'},
    )
    auth = {"Authorization": f"Bearer {TOKEN}"}
    csv_response = client.get("/api/feedback/export?format=csv", headers=auth)
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True))))
    assert rows[0]["rating"] == "helpful"
    assert rows[0]["question"] == "adultification"
    assert rows[0]["comment"].startswith("'=")  # formula neutralised
    jsonl = client.get("/api/feedback/export?format=jsonl", headers=auth)
    records = [json.loads(line) for line in jsonl.get_data(as_text=True).splitlines()]
    assert records[0]["turn_id"] == turn_id and records[0]["answer_status"] == "answered"
    assert client.get("/api/feedback/export?format=xml", headers=auth).status_code == 400


# --- the Answer crosses the web layer unchanged ---------------------------------------------------


def test_the_api_and_the_stream_carry_the_answer_json_unchanged(app, client) -> None:  # type: ignore[no-untyped-def]
    from tests.test_answer_json import every_field_set

    answer = every_field_set()
    fake = app.extensions["rla"].assistants.get()
    fake.queue(answer, answer)
    body = client.post("/api/ask", json={"question": "What does the library hold?"}).get_json()
    assert body == json.loads(json.dumps(answer.to_dict()))  # no conversation: nothing added
    token = csrf_token(client)
    stream = client.post(
        "/api/ask/stream", json={"question": "And again?"}, headers={"X-CSRFToken": token}
    )
    (final,) = [data for kind, data in events(stream.data) if kind == "answer"]
    assert final["answer"] == body
    stored = app.extensions["rla"].store.turn(final["turn_id"])
    assert stored.answer.to_dict() == answer.to_dict()  # parsed once, at the store's edge
