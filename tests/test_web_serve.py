"""`rla serve`: arguments, the one-line errors, the session key, and what it hands each server."""

from __future__ import annotations

import argparse
import socket
import stat
from pathlib import Path

import pytest

from assistant.errors import ConfigurationError
from assistant.settings import Settings
from assistant.types import Answer
from web import commands_serve
from web.serving import Listen, gunicorn_options
from web.session_key import KEY_FILE, with_session_key


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    commands_serve.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_serve_arguments_default_to_one_local_process() -> None:
    settings = Settings(_env_file=None)
    listen = commands_serve.listen_options(_args(), settings)
    assert (listen.host, listen.port, listen.workers) == ("127.0.0.1", 5000, 1)
    assert listen.threads == settings.max_asks_in_flight + 2  # room to say 503 when full
    listen = commands_serve.listen_options(
        _args("--host", "0.0.0.0", "--port", "8080", "--threads", "3", "--workers", "4"), settings
    )
    assert (listen.host, listen.port, listen.threads, listen.workers) == ("0.0.0.0", 8080, 3, 4)
    with pytest.raises(ConfigurationError, match="--workers"):
        commands_serve.listen_options(_args("--workers", "0"), settings)


def test_trusted_proxy_flag_becomes_the_setting() -> None:
    settings = Settings(secret_key="k" * 40, _env_file=None)
    assert commands_serve.serving_settings(_args(), settings).trusted_proxy == ""
    proxied = commands_serve.serving_settings(_args("--trusted-proxy", "10.0.0.5"), settings)
    assert proxied.trusted_proxy == "10.0.0.5"


def test_gunicorn_gets_the_bound_socket_and_never_an_access_log() -> None:
    options = gunicorn_options(7, Listen("127.0.0.1", 0, threads=5, workers=3, max_requests=100))
    assert options["bind"] == ["fd://7"]
    assert (options["workers"], options["threads"], options["worker_class"]) == (3, 5, "gthread")
    assert options["accesslog"] is None and options["preload_app"] is False
    assert options["max_requests_jitter"] == 10


def test_serve_without_a_build_tells_the_admin_to_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    monkeypatch.setenv("RLA_DATA_DIR", str(tmp_path))
    code = main(["serve", "--port", "0"])
    err = capsys.readouterr().err
    assert code != 0
    assert "rla ingest" in err and str(tmp_path) in err


def test_session_key_is_generated_once_kept_private_and_shared(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)
    first = with_session_key(settings).secret_key.get_secret_value()
    second = with_session_key(settings).secret_key.get_secret_value()
    assert first == second and len(first) >= 32  # every worker, and the next start, agree
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    configured = Settings(data_dir=tmp_path, secret_key="c" * 40, _env_file=None)
    assert with_session_key(configured).secret_key.get_secret_value() == "c" * 40
    (tmp_path / KEY_FILE).write_text("short")
    with pytest.raises(ConfigurationError, match="RLA_SECRET_KEY"):
        with_session_key(settings)


def test_serve_builds_the_app_once_purges_old_conversations_and_runs_waitress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from tests.web_fakes import FakeAssistant, write_small_build
    from web.storage import ConversationRow, Store

    settings = Settings(data_dir=tmp_path, retention_days=30, _env_file=None)
    write_small_build(settings)
    store = Store.from_url(settings.resolved_database_url)
    old = store.new_conversation("someone")
    store.add_turn(old, "someone", "old question", Answer(status="answered", text="a"))
    with store.engine.begin() as conn:
        conn.execute(update(ConversationRow).values(updated=datetime.now(UTC) - timedelta(days=31)))
    served: dict[str, object] = {}
    loads: list[int] = []

    def load(s: Settings) -> FakeAssistant:
        loads.append(1)
        return FakeAssistant(s)

    def fake_waitress(app: object, sock: socket.socket, listen: Listen) -> None:
        served.update(app=app, address=sock.getsockname(), listen=listen)

    monkeypatch.setattr(commands_serve, "_load_assistant", load)
    monkeypatch.setattr(commands_serve, "run_waitress", fake_waitress)
    assert commands_serve.run(_args("--port", "0", "--threads", "2"), settings) == 0
    assert loads == [1]
    host, port = served["address"]  # type: ignore[misc]
    assert host == "127.0.0.1" and port > 0
    client = served["app"].test_client()  # type: ignore[attr-defined]
    assert client.get("/healthz").get_json()["model_loaded"] is True
    kept_key = (tmp_path / KEY_FILE).read_text()
    assert served["app"].config["SECRET_KEY"] == kept_key  # type: ignore[attr-defined]
    assert store.conversation(old, "someone") is None
    out = capsys.readouterr().out
    assert "deleted 1 conversation(s)" in out and f"http://127.0.0.1:{port}/" in out


def test_serve_reports_a_busy_port_before_saying_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.web_fakes import FakeAssistant, write_small_build

    settings = Settings(data_dir=tmp_path, secret_key="k" * 40, _env_file=None)
    write_small_build(settings)
    monkeypatch.setattr(commands_serve, "_load_assistant", FakeAssistant)
    for workers in ("1", "2"):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            args = _args("--port", str(port), "--workers", workers)
            with pytest.raises(ConfigurationError, match=f"cannot listen on 127.0.0.1:{port}"):
                commands_serve.run(args, settings)
        assert "Serving" not in capsys.readouterr().out
