"""Retention with frozen time (time-machine): conversations and feedback stored through the real
app are kept for RLA_RETENTION_DAYS after their last use and then deleted by `rla purge` and by
`rla serve` at start-up; what is younger stays. SQLite here (Postgres: tests of the scale-out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from tests.web_fakes import csrf_token, make_app

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _converse(client: Any, question: str, conversation_id: str = "") -> tuple[str, str]:
    """Ask (in ``conversation_id`` if given) and rate the answer; (conversation id, turn id)."""
    body = client.post(
        "/ask",
        data={
            "question": question,
            "conversation_id": conversation_id,
            "csrf_token": csrf_token(client),
        },
    )
    conversation = body.headers["Location"].split("#")[0].split("/c/")[1].split("?")[0]
    html = client.get(f"/c/{conversation}").get_data(as_text=True)
    turn_id = html.rsplit('action="/feedback/answer/', 1)[1].split('"')[0]
    rated = client.post("/api/feedback", json={"turn_id": turn_id, "rating": "helpful"})
    assert rated.status_code == 201
    return conversation, turn_id


def _ids(app: Any) -> tuple[set[str], list[str]]:
    from sqlalchemy import text

    with app.extensions["rla"].store.engine.connect() as conn:
        conversations = {r[0] for r in conn.execute(text("select id from conversations"))}
    feedback = [r["turn_id"] for r in app.extensions["rla"].store.feedback_rows()]
    return conversations, feedback


def test_purge_deletes_what_is_past_retention_and_keeps_the_rest(
    build_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cli.main import main

    db = tmp_path / "db.sqlite3"
    app = make_app(build_dir, db, retention_days=30, rate_limit="1000/minute")
    client = app.test_client()
    with time_machine.travel(T0, tick=False):
        old, old_turn = _converse(client, "adultification")
        revived, _ = _converse(client, "interpreters language")
    with time_machine.travel(T0 + timedelta(days=20), tick=False):
        _, revived_turn = _converse(client, "culture heritage", conversation_id=revived)
    with time_machine.travel(T0 + timedelta(days=29), tick=False):
        recent, recent_turn = _converse(client, "supervision race identity")
    monkeypatch.setenv("RLA_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("RLA_DATA_DIR", str(build_dir))
    monkeypatch.setenv("RLA_RETENTION_DAYS", "30")
    with time_machine.travel(T0 + timedelta(days=30, hours=1), tick=False):
        assert main(["purge", "--dry-run"]) == 0
        assert (
            "Would delete 1 conversation(s) with 1 question(s), and 2 feedback"
            in capsys.readouterr().out
        )
        assert _ids(app)[0] == {old, revived, recent}  # a dry run deletes nothing
        assert main(["purge"]) == 0
    conversations, feedback = _ids(app)
    assert conversations == {revived, recent}  # last used 10 and 1 days ago
    assert old_turn not in feedback and {revived_turn, recent_turn} <= set(feedback)
    assert len(feedback) == 2  # the revived conversation's first rating was 30 days old
    with time_machine.travel(T0 + timedelta(days=60), tick=False):
        assert main(["purge"]) == 0
    assert _ids(app) == (set(), [])


def test_retention_zero_keeps_everything_unless_told(
    build_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cli.main import main

    db = tmp_path / "db.sqlite3"
    app = make_app(build_dir, db, rate_limit="1000/minute")
    with time_machine.travel(T0, tick=False):
        _converse(app.test_client(), "adultification")
    monkeypatch.setenv("RLA_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("RLA_RETENTION_DAYS", "0")
    with time_machine.travel(T0 + timedelta(days=400), tick=False):
        assert main(["purge"]) == 0
        assert len(_ids(app)[0]) == 1 and "Retention is off" in capsys.readouterr().out
        assert main(["purge", "--older-than-days", "365"]) == 0
    assert _ids(app) == (set(), [])


def test_serve_applies_retention_at_start_up(
    build_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    import waitress

    from assistant.settings import Settings
    from tests.web_fakes import FakeAssistant
    from web import commands_serve

    db = tmp_path / "db.sqlite3"
    app = make_app(build_dir, db, rate_limit="1000/minute")
    with time_machine.travel(T0, tick=False):
        _converse(app.test_client(), "adultification")
    settings = Settings(
        data_dir=build_dir,
        database_url=f"sqlite:///{db}",
        retention_days=7,
        secret_key="k",
        _env_file=None,
    )
    monkeypatch.setattr(commands_serve, "_load_assistant", FakeAssistant)
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: None)
    args = argparse.Namespace(host="127.0.0.1", port=0, threads=1, trusted_proxy="")
    with time_machine.travel(T0 + timedelta(days=6), tick=False):
        commands_serve.run(args, settings)
        assert len(_ids(app)[0]) == 1
    with time_machine.travel(T0 + timedelta(days=8), tick=False):
        commands_serve.run(args, settings)
    assert _ids(app) == (set(), [])
