"""The conversation store on both engines it supports: SQLite and a real PostgreSQL.

The schema comes from Alembic migrations and must match the ORM models exactly; a database made
before migrations existed is adopted without losing rows; and retention (`rla purge`) is checked
with frozen time, so "31 days ago" is exact rather than a race with the clock.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from assistant.settings import Settings
from assistant.types import Answer, Citation
from web import commands_db, commands_purge
from web.migrate import current, head
from web.storage import Base, FeedbackEntry, Store

ANSWER = Answer(
    status="answered",
    text="a",
    citations=(Citation(1, "d", "d#1", "", "", "3", "3", 3, 3),),
    generator="extractive",
    build_id="b1",
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rla.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


def test_migrations_build_exactly_the_schema_the_models_describe(database_url: str) -> None:
    store = Store.from_url(database_url)
    assert current(store.engine) == head()
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []
    store.create_tables()  # a second start changes nothing
    assert current(store.engine) == head()
    store.engine.dispose()


def test_a_database_made_before_migrations_is_adopted_with_its_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    legacy = create_engine(url)
    Base.metadata.create_all(legacy)  # how the schema was made before Alembic
    with legacy.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO conversations (id, owner, title, created, updated) "
            "VALUES ('c1', 'o1', 'kept', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    legacy.dispose()
    store = Store.from_url(url)
    assert current(store.engine) == head()
    assert "alembic_version" in inspect(store.engine).get_table_names()
    kept = store.conversation("c1", "o1")
    assert kept is not None and kept.title == "kept"


def test_store_round_trip_and_owner_checks(database_url: str) -> None:
    store = Store.from_url(database_url)
    conversation = store.new_conversation("alice")
    turn = store.add_turn(conversation, "alice", "What did Child Q's review find?", ANSWER)
    assert turn is not None and turn.position == 1
    assert store.add_turn(conversation, "mallory", "x", ANSWER) is None
    assert store.conversation(conversation, "mallory") is None
    listed = store.conversations("alice")
    assert [c.title for c in listed] == ["What did Child Q's review find?"]
    entry = FeedbackEntry(turn_id=turn.turn_id, target="source", rating="relevant", citation_n=1)
    assert store.add_feedback(entry) is not None
    (row,) = store.feedback_rows()
    assert (row["doc_id"], row["page"], row["build_id"]) == ("d", "3", "b1")
    store.engine.dispose()


def _purge_args(**overrides: object) -> argparse.Namespace:
    return argparse.Namespace(
        **{"older_than_days": None, "all": False, "dry_run": False, **overrides}
    )


def _rated_conversation(store: Store, question: str, rating: str) -> str:
    """A conversation of one turn, with feedback on that turn, stored at the current (frozen) time."""
    conversation = store.new_conversation("alice")
    turn = store.add_turn(conversation, "alice", question, ANSWER)
    assert turn is not None
    store.add_feedback(FeedbackEntry(turn_id=turn.turn_id, target="answer", rating=rating))
    return conversation


def test_retention_purge_with_frozen_time(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, retention_days=30, _env_file=None
    )
    store = Store.from_url(database_url)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        old = _rated_conversation(store, "an old question", "helpful")
    with time_machine.travel(start + timedelta(days=29, hours=23), tick=False):
        recent = _rated_conversation(store, "a recent question", "not_helpful")
    with time_machine.travel(start + timedelta(days=30, minutes=1), tick=False):
        assert commands_purge.run(_purge_args(dry_run=True), settings) == 0
        assert "Would delete 1 conversation(s) with 1 question(s), and 1 feedback" in (
            capsys.readouterr().out
        )
        assert store.conversation(old, "alice") is not None  # a dry run deletes nothing
        assert commands_purge.run(_purge_args(), settings) == 0
    assert store.conversation(old, "alice") is None
    assert store.conversation(recent, "alice") is not None
    assert [r["rating"] for r in store.feedback_rows()] == ["not_helpful"]
    with time_machine.travel(start + timedelta(days=60), tick=False):
        commands_purge.run(_purge_args(), settings)
    assert store.conversation(recent, "alice") is None and store.feedback_rows() == []
    store.engine.dispose()


def test_rla_db_upgrade_and_current(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, _env_file=None)
    assert commands_db.run(argparse.Namespace(action="current"), settings) == 0
    assert "at revision none" in capsys.readouterr().out
    assert commands_db.run(argparse.Namespace(action="upgrade"), settings) == 0
    assert f"upgraded from empty to revision {head()}" in capsys.readouterr().out
    assert commands_db.run(argparse.Namespace(action="upgrade"), settings) == 0
    assert f"already at revision {head()}" in capsys.readouterr().out
    commands_db.run(argparse.Namespace(action="current"), settings)
    assert "up to date" in capsys.readouterr().out


def test_rla_db_reports_an_unreachable_database_in_one_line(tmp_path: Path) -> None:
    from assistant.errors import ConfigurationError

    settings = Settings(
        data_dir=tmp_path, database_url="postgresql+psycopg://rla@127.0.0.1:1/none", _env_file=None
    )
    with pytest.raises(ConfigurationError, match="RLA_DATABASE_URL"):
        commands_db.run(argparse.Namespace(action="current"), settings)


def test_sqlite_lets_several_worker_processes_share_the_database(tmp_path: Path) -> None:
    import multiprocessing

    url = f"sqlite:///{tmp_path / 'rla.sqlite3'}"
    store = Store.from_url(url)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        pool.starmap(_write_turns, [(url, f"owner{n}") for n in range(3)])
    for n in range(3):
        (listed,) = store.conversations(f"owner{n}")
        assert listed.turn_count == 20


def _write_turns(url: str, owner: str) -> None:
    store = Store.from_url(url)
    conversation = store.new_conversation(owner)
    for n in range(20):
        assert store.add_turn(conversation, owner, f"question {n}", ANSWER) is not None
