"""Errors leak nothing (OWASP LLM02/LLM10): a missing index, a failing model, an undecodable
chunk, a corrupted build manifest and a full disk each give a canned message, with no traceback,
no exception text and no server path. ``rla serve`` and ``rla ask`` refuse a broken or mismatched
build with one line on stderr."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.answering_support import write_pages_build
from tests.fakes import HashingEmbedder
from tests.security.support import LIBRARY, security_settings

QUESTION = "What did the Child Q review find about adultification?"
LEAKS = ("Traceback", 'File "', "Error:", ".py", "sqlite3.", "json.decoder")


def _app(settings: Any) -> Any:
    from assistant.pipeline import build_assistant
    from web import create_app

    return create_app(
        settings, assistant_factory=lambda: build_assistant(settings, embedder=HashingEmbedder())
    )


def _assert_canned(response: Any, data_dir: Path, *statuses: int) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code in statuses, (response.status_code, body[:300])
    for leak in LEAKS + (str(data_dir), str(data_dir.resolve())):
        assert leak not in body, leak
    return str(body)


def _requests(app: Any) -> list[tuple[str, Any]]:
    client = app.test_client()
    return [
        ("page", client.get("/")),
        ("library", client.get("/library")),
        ("api", client.post("/api/ask", json={"question": QUESTION})),
        ("search", client.get("/api/search", query_string={"q": "racism"})),
        ("documents", client.get("/api/documents")),
    ]


def _built(tmp_path: Path) -> Any:
    settings = security_settings(tmp_path / "data")
    write_pages_build(settings, LIBRARY, HashingEmbedder())
    return settings


def _damage(settings: Any, name: str, data: bytes) -> None:
    from assistant.build.lifecycle import served_build_id

    (settings.builds_dir / str(served_build_id(settings)) / name).write_bytes(data)


def test_missing_index(tmp_path: Path) -> None:
    settings = security_settings(tmp_path / "data")
    responses = _requests(_app(settings))
    assert [name for name, _ in responses] == ["page", "library", "api", "search", "documents"]
    for name, response in responses:
        body = _assert_canned(response, settings.data_dir, 503)
        assert "rla ingest" in body, name


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("manifest.json", b'{"build_id": "x", "documents": '),
        ("manifest.json", b"\xff\xfe\x00garbage"),
        ("chunks.jsonl", b'{"chunk_id": "child-q#0", "text": "\xff\xfe undecodable"}\n'),
        ("chunks.jsonl", b'{"not": "a chunk"}\n'),
        ("documents.jsonl", b"[1, 2\n"),
    ],
    ids=["truncated-manifest", "binary-manifest", "undecodable-chunk", "alien-chunk", "bad-docs"],
)
def test_a_damaged_build_gives_a_canned_message(
    tmp_path: Path, name: str, data: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _built(tmp_path)
    _damage(settings, name, data)
    with caplog.at_level(logging.DEBUG):
        for _, response in _requests(_app(settings)):
            _assert_canned(response, settings.data_dir, 503)
    assert QUESTION not in "\n".join(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["ask", QUESTION]])
def test_cli_refuses_a_damaged_build_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    from assistant.embedding import embedder as embeddings
    from cli.main import main

    settings = _built(tmp_path)
    _damage(settings, "manifest.json", b'{"build_id": ')
    monkeypatch.setenv("RLA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr(embeddings, "build_embedder", lambda s, **kw: HashingEmbedder())
    code = main(command)
    err = capsys.readouterr().err.strip()
    assert code == 3
    assert len(err.splitlines()) == 1 and "damaged" in err and "Traceback" not in err


class OtherModel(HashingEmbedder):
    name = "someone/else-embedder"


def test_serve_refuses_a_build_made_with_another_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.embedding import embedder as embeddings
    from cli.main import main

    settings = _built(tmp_path)
    monkeypatch.setenv("RLA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr(embeddings, "build_embedder", lambda s, **kw: OtherModel())
    code = main(["serve", "--port", "0"])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1
    assert "re-run `rla ingest`" in err and "Traceback" not in err


def test_a_failing_embedder_gives_a_canned_answer(tmp_path: Path) -> None:
    from assistant.pipeline import build_assistant
    from web import create_app

    class Broken(HashingEmbedder):
        def embed_query(self, text: str) -> list[float]:
            raise RuntimeError(f"model file {tmp_path}/weights.bin unreadable: {text}")

    settings = _built(tmp_path)
    app = create_app(settings, assistant=build_assistant(settings, embedder=Broken()))
    response = app.test_client().post("/api/ask", json={"question": QUESTION})
    body = _assert_canned(response, tmp_path, 200)
    answer = json.loads(body)
    assert answer["status"] == "error" and answer["text"]
    assert "weights.bin" not in body and QUESTION not in answer["text"]


def test_a_full_disk_gives_a_canned_page(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from sqlalchemy import event

    from tests.security.support import ask_form

    settings = _built(tmp_path)
    app = _app(settings)
    engine = app.extensions["rla"].store.engine

    @event.listens_for(engine, "connect")
    def _tiny(dbapi_connection: Any, _: Any) -> None:  # SQLite's own "database or disk is full"
        dbapi_connection.execute("PRAGMA max_page_count = 1")

    engine.dispose()
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        api = client.post("/api/ask", json={"question": QUESTION, "conversation_id": "x"})
        form = ask_form(client, QUESTION + " " + "padding " * 50)
    _assert_canned(form, tmp_path, 500)
    assert "Try again later" in form.get_data(as_text=True)
    _assert_canned(api, tmp_path, 200, 500)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "full" in logs.lower() or "OperationalError" in logs  # the operator can tell why
    assert "padding padding" not in logs and QUESTION not in logs
