"""`rla serve`: arguments, and a clear message when nothing has been ingested."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from assistant.settings import Settings
from web import commands_serve


def test_serve_arguments_default_to_localhost() -> None:
    parser = argparse.ArgumentParser()
    commands_serve.add_arguments(parser)
    args = parser.parse_args([])
    assert (args.host, args.port, args.threads) == ("127.0.0.1", 5000, 4)
    args = parser.parse_args(["--host", "0.0.0.0", "--port", "8080", "--threads", "8"])
    assert (args.host, args.port, args.threads) == ("0.0.0.0", 8080, 8)
    assert commands_serve._server_options(args).get("trusted_proxy") is None
    proxied = parser.parse_args(["--trusted-proxy", "10.0.0.5"])
    options = commands_serve._server_options(proxied)
    assert options["trusted_proxy"] == "10.0.0.5"
    assert options["trusted_proxy_headers"] == {"x-forwarded-for", "x-forwarded-proto"}


def test_serve_without_a_build_tells_the_admin_to_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import main

    monkeypatch.setenv("RLA_DATA_DIR", str(tmp_path))
    code = main(["serve", "--port", "0"])
    err = capsys.readouterr().err
    assert code != 0
    assert "rla ingest" in err and str(tmp_path) in err


def test_serve_run_raises_no_build_error(tmp_path: Path) -> None:
    from assistant.errors import NoBuildError

    args = argparse.Namespace(host="127.0.0.1", port=0, threads=1)
    with pytest.raises(NoBuildError, match="rla ingest"):
        commands_serve.run(args, Settings(data_dir=tmp_path, _env_file=None))


def test_serve_builds_the_app_once_purges_old_conversations_and_runs_waitress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    import waitress
    from sqlalchemy import update

    from tests.web_fakes import FakeAssistant, write_small_build
    from web.storage import ConversationRow, Store

    settings = Settings(data_dir=tmp_path, retention_days=30, secret_key="k", _env_file=None)
    write_small_build(settings)
    store = Store.from_url(settings.resolved_database_url)
    old = store.new_conversation("someone")
    store.add_turn(old, "someone", "old question", {"status": "answered", "text": "a"})
    with store.engine.begin() as conn:
        conn.execute(update(ConversationRow).values(updated=datetime.now(UTC) - timedelta(days=31)))
    served: dict[str, object] = {}
    loads: list[int] = []

    def load(s: Settings) -> FakeAssistant:
        loads.append(1)
        return FakeAssistant(s)

    monkeypatch.setattr(commands_serve, "_load_assistant", load)
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.update(app=app, **kw))
    args = argparse.Namespace(host="127.0.0.1", port=5099, threads=2, trusted_proxy="")
    assert commands_serve.run(args, settings) == 0
    assert loads == [1]
    assert (served["host"], served["port"], served["threads"]) == ("127.0.0.1", 5099, 2)
    client = served["app"].test_client()  # type: ignore[attr-defined]
    assert client.get("/healthz").get_json()["model_loaded"] is True
    assert store.conversation(old, "someone") is None
    out = capsys.readouterr().out
    assert "deleted 1 conversation(s)" in out and "http://127.0.0.1:5099/" in out


def test_serve_reports_a_busy_port_as_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from assistant.errors import ConfigurationError
    from tests.web_fakes import FakeAssistant, write_small_build

    settings = Settings(data_dir=tmp_path, secret_key="k", _env_file=None)
    write_small_build(settings)
    monkeypatch.setattr(commands_serve, "_load_assistant", FakeAssistant)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = argparse.Namespace(host="127.0.0.1", port=port, threads=1, trusted_proxy="")
        with pytest.raises(ConfigurationError, match=f"cannot listen on 127.0.0.1:{port}"):
            commands_serve.run(args, settings)
