"""Conversation storage (real SQLite), retention and the `rla purge` command."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from assistant.settings import Settings
from assistant.types import Answer, Citation
from web import commands_purge
from web.storage import WITHHELD, ConversationRow, FeedbackEntry, FeedbackRow, Store

ANSWER = Answer(
    status="answered",
    text="Adultification is common [1].",
    citations=(Citation(1, "d1", "d1#0", "T", "Q", "4", "5", 4, 5),),
    generator="extractive",
    build_id="b1",
)


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store.from_url(f"sqlite:///{tmp_path / 'deep' / 'dir' / 'rla.sqlite3'}")


def test_conversation_round_trip_and_ownership(store: Store) -> None:
    cid = store.new_conversation("alice")
    turn = store.add_turn(cid, "alice", "What is adultification bias in schools?", ANSWER)
    assert turn is not None and turn.position == 1
    assert store.add_turn(cid, "bob", "hijack", ANSWER) is None
    assert store.conversation(cid, "bob") is None
    conv = store.conversation(cid, "alice")
    assert conv is not None
    assert conv.title == "What is adultification bias in schools?"
    assert conv.turns[0].answer == ANSWER  # stored as JSON, read back as an Answer
    assert [c.conversation_id for c in store.conversations("alice")] == [cid]
    assert store.conversations("bob") == []
    assert store.turn_location(turn.turn_id) == ("alice", cid, 1)


def test_empty_conversations_are_not_listed_and_titles_are_truncated(store: Store) -> None:
    store.new_conversation("alice")
    cid = store.new_conversation("alice")
    store.add_turn(cid, "alice", "word " * 50, ANSWER)
    listed = store.conversations("alice")
    assert len(listed) == 1
    assert len(listed[0].title) <= 80 and listed[0].title.endswith("…")


def test_personal_data_questions_are_withheld(store: Store) -> None:
    cid = store.new_conversation("alice")
    turn = store.add_turn(
        cid, "alice", "Jane Smith at 4 Elm Road", replace(ANSWER, status="personal_data")
    )
    assert turn is not None and turn.question == WITHHELD
    assert store.conversation(cid, "alice").title == ""  # type: ignore[union-attr]


def test_feedback_snapshots_what_it_rates(store: Store) -> None:
    cid = store.new_conversation("alice")
    turn = store.add_turn(cid, "alice", "question", ANSWER)
    assert turn is not None
    store.add_feedback(
        FeedbackEntry(turn.turn_id, "answer", "not_helpful", reasons=("inaccurate",), comment="hm")
    )
    store.add_feedback(FeedbackEntry(turn.turn_id, "source", "relevant", citation_n=1))
    assert (
        store.add_feedback(FeedbackEntry(turn.turn_id, "source", "relevant", citation_n=9)) is None
    )
    assert store.add_feedback(FeedbackEntry("missing", "answer", "helpful")) is None
    rows = store.feedback_rows()
    assert rows[0]["reasons"] == ["inaccurate"] and rows[0]["question"] == "question"
    assert (
        rows[1]["page"] == "4–5" and rows[1]["chunk_id"] == "d1#0" and rows[1]["build_id"] == "b1"
    )
    store.delete_conversation(cid, "alice")
    assert len(store.feedback_rows()) == 2  # feedback outlives the conversation until purged


def _age(store: Store, days: int) -> None:
    then = datetime.now(UTC) - timedelta(days=days)
    with store.engine.begin() as conn:
        conn.execute(update(ConversationRow).values(updated=then))
        conn.execute(update(FeedbackRow).values(created=then))


def _fill(store: Store) -> str:
    cid = store.new_conversation("alice")
    turn = store.add_turn(cid, "alice", "question", ANSWER)
    store.add_feedback(FeedbackEntry(turn.turn_id, "answer", "helpful"))  # type: ignore[union-attr]
    return cid


def test_purge_older_than(store: Store) -> None:
    old = _fill(store)
    _age(store, 40)
    new = _fill(store)
    report = store.purge_older_than(datetime.now(UTC) - timedelta(days=30))
    assert (report.conversations, report.turns, report.feedback) == (1, 1, 1)
    assert store.conversation(old, "alice") is None
    assert store.conversation(new, "alice") is not None
    assert len(store.feedback_rows()) == 1


def _args(**kw: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    commands_purge.add_arguments(parser)
    argv: list[str] = []
    for key, value in kw.items():
        flag = "--" + key.replace("_", "-")
        argv += [flag] if value is True else [flag, str(value)]
    return parser.parse_args(argv)


def test_purge_command_uses_retention_and_supports_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, retention_days=30, _env_file=None)
    store = Store.from_url(settings.resolved_database_url)
    _fill(store)
    _age(store, 45)
    _fill(store)
    assert commands_purge.run(_args(dry_run=True), settings) == 0
    assert (
        "Would delete 1 conversation(s) with 1 question(s), and 1 feedback"
        in capsys.readouterr().out
    )
    assert len(store.feedback_rows()) == 2
    assert commands_purge.run(_args(), settings) == 0
    assert "Deleted 1 conversation(s)" in capsys.readouterr().out
    assert len(store.feedback_rows()) == 1
    assert commands_purge.run(_args(all=True), settings) == 0
    assert store.feedback_rows() == []


def test_purge_command_with_retention_off_purges_nothing_unless_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, retention_days=0, _env_file=None)
    store = Store.from_url(settings.resolved_database_url)
    _fill(store)
    _age(store, 400)
    commands_purge.run(_args(), settings)
    assert "Retention is off" in capsys.readouterr().out
    assert len(store.feedback_rows()) == 1
    commands_purge.run(_args(older_than_days=100), settings)
    assert store.feedback_rows() == []


def test_purge_via_the_rla_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    monkeypatch.setenv("RLA_DATA_DIR", str(tmp_path))
    assert main(["purge", "--dry-run"]) == 0
    assert "Would delete 0 conversation(s)" in capsys.readouterr().out
