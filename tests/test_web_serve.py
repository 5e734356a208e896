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
