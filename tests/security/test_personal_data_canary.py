"""A canary question with personal data, sent every way the app accepts text (form, API, stream,
history, search, feedback comment), in extractive and LLM mode: it must never appear in a log
record, a file under the data directory (the SQLite database included), a database row, a request
to the model, a response, or the feedback export. A harmless canary question, which is answered
and stored, must still never reach a log."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from tests.llm_server import StandInServer
from tests.security.support import ask_form, database_text, security_app
from tests.web_fakes import csrf_token

NAME = "Zebedee Quartermaine"
PHONE = "+234 803 555 0142"
CANARY = f"{NAME}, aged 11, on {PHONE}: what do reviews say about adultification?"
PIECES = (NAME, "Quartermaine", "Zebedee", "803 555 0142", "8035550142")
HARMLESS = "What did the reviews find about racism and adultification bias at school?"
EXPORT_TOKEN = "export-token-for-tests"


def _everything_sent(client: Any) -> list[str]:
    """Send the canary every way there is; return every response body."""
    token = csrf_token(client)
    bodies = [ask_form(client, CANARY).get_data(as_text=True)]
    bodies.append(client.get("/conversations").get_data(as_text=True))
    bodies.append(client.post("/api/ask", json={"question": CANARY}).get_data(as_text=True))
    bodies.append(
        client.post(
            "/api/ask", json={"question": "and schools?", "history": [{"question": CANARY}]}
        ).get_data(as_text=True)
    )
    bodies.append(
        client.post(
            "/api/ask/stream", json={"question": CANARY}, headers={"X-CSRFToken": token}
        ).get_data(as_text=True)
    )
    bodies.append(client.get("/api/search", query_string={"q": CANARY}).get_data(as_text=True))
    answered = client.post("/api/ask", json={"question": HARMLESS}).get_json()
    ask_form(client, HARMLESS)
    html = client.get("/conversations").get_data(as_text=True)
    path = "/c/" + html.split("/c/")[1][:24]
    page = client.get(path).get_data(as_text=True)
    turn_id = page.split('action="/feedback/answer/')[1].split('"')[0]
    bodies.append(
        client.post(
            "/api/feedback", json={"turn_id": turn_id, "rating": "helpful", "comment": CANARY}
        ).get_data(as_text=True)
    )
    bodies.append(
        client.post(
            f"/feedback/answer/{turn_id}",
            data={"rating": "not_helpful", "comment": CANARY, "csrf_token": token},
        ).get_data(as_text=True)
    )
    ok = client.post("/api/feedback", json={"turn_id": turn_id, "rating": "helpful"})
    assert ok.status_code == 201 and answered["status"] in ("answered", "partial")
    export = client.get(
        "/api/feedback/export?format=jsonl", headers={"Authorization": f"Bearer {EXPORT_TOKEN}"}
    )
    assert export.status_code == 200
    bodies.append(export.get_data(as_text=True))
    bodies.append(client.get(path + "/export.md").get_data(as_text=True))
    return bodies


def _files_text(root: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file()
    )


@pytest.mark.parametrize("mode", ["extractive", "llm"])
def test_the_canary_is_nowhere(
    tmp_path: Path, server: StandInServer, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    llm = (
        {"llm_base_url": server.base_url, "llm_model": "stand-in/normal", "generator": "llm"}
        if mode == "llm"
        else {}
    )
    app = security_app(tmp_path, feedback_export_token=EXPORT_TOKEN, **llm)
    before = len(server.requests)
    with caplog.at_level(logging.DEBUG):
        bodies = _everything_sent(app.test_client())
    logs = "\n".join(r.getMessage() for r in caplog.records)
    sent = "\n".join(str(r["body"]) for r in server.requests[before:])
    files, rows = _files_text(tmp_path), database_text(app)
    for piece in PIECES:
        assert piece not in logs, "in a log record"
        assert piece not in files, "in a file under the data directory"
        assert piece not in rows, "in a database row"
        assert piece not in sent, "in a request to the model"
        for body in bodies:
            assert piece not in body, "in a response"
    assert HARMLESS not in logs and "adultification bias at school" not in logs  # never logged
    assert HARMLESS in rows  # …but an answered question is kept for its owner
    if mode == "llm":
        assert len(server.requests) > before  # the harmless question did reach the model
