"""Feedback forms on answers and sources (no JavaScript, and the script's JSON replies)."""

from __future__ import annotations

import re

from tests.web_fakes import csrf_token


def asked(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(conversation path, turn id) after asking one question."""
    token = csrf_token(client)
    location = client.post(
        "/ask", data={"question": "adultification", "csrf_token": token}
    ).headers["Location"]
    path = location.split("#")[0]
    html = client.get(path).get_data(as_text=True)
    turn_id = re.search(r'action="/feedback/answer/([0-9a-f]+)"', html).group(1)
    return path, turn_id


def test_answer_feedback_without_javascript(app, client) -> None:  # type: ignore[no-untyped-def]
    path, turn_id = asked(client)
    response = client.post(
        f"/feedback/answer/{turn_id}",
        data={
            "rating": "not_helpful",
            "reasons": ["missing_information", "hard_to_understand"],
            "comment": "Needed more on schools",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"{path}#turn-1-feedback"
    assert "Thank you for your feedback." in client.get(path).get_data(as_text=True)
    row = app.extensions["rla"].store.feedback_rows()[0]
    assert row["rating"] == "not_helpful"
    assert row["reasons"] == ["missing_information", "hard_to_understand"]
    assert row["comment"] == "Needed more on schools"


def test_answer_feedback_needs_a_rating(client) -> None:  # type: ignore[no-untyped-def]
    path, turn_id = asked(client)
    response = client.post(f"/feedback/answer/{turn_id}", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    html = client.get(path).get_data(as_text=True)
    assert "There is a problem" in html and "Select whether the answer was helpful" in html


def test_feedback_comment_is_capped(client) -> None:  # type: ignore[no-untyped-def]
    _, turn_id = asked(client)
    response = client.post(
        f"/feedback/answer/{turn_id}",
        data={"rating": "helpful", "comment": "x" * 501, "csrf_token": csrf_token(client)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "500 characters" in response.get_json()["error"]


def test_source_feedback_with_json_reply(app, client) -> None:  # type: ignore[no-untyped-def]
    _, turn_id = asked(client)
    response = client.post(
        f"/feedback/source/{turn_id}/1",
        data={"rating": "not_relevant", "csrf_token": csrf_token(client)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "id": 1, "message": "Thank you for your feedback."}
    row = app.extensions["rla"].store.feedback_rows()[0]
    assert (row["target"], row["citation_n"], row["rating"]) == ("source", 1, "not_relevant")
    unknown = client.post(
        f"/feedback/source/{turn_id}/42",
        data={"rating": "relevant", "csrf_token": csrf_token(client)},
        headers={"Accept": "application/json"},
    )
    assert unknown.status_code == 400


def test_feedback_forms_are_for_your_own_answers_and_need_csrf(app, client) -> None:  # type: ignore[no-untyped-def]
    _, turn_id = asked(client)
    assert client.post(f"/feedback/answer/{turn_id}", data={"rating": "helpful"}).status_code == 400
    other = app.test_client()
    response = other.post(
        f"/feedback/answer/{turn_id}", data={"rating": "helpful", "csrf_token": csrf_token(other)}
    )
    assert response.status_code == 404
    assert app.extensions["rla"].store.feedback_rows() == []
