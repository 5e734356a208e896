"""Every `rla` command, run for real in its own process, says nothing on stderr when it succeeds
(no progress bars, library banners or log lines), and fails fast without a library.

One small library is ingested with `rla ingest` itself; each other command then runs against it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "library" / "demo"
SMALL = (
    "adultification-bias-evidence-and-practice.md",
    "child-q-local-child-safeguarding-practice-review-2022.md",
    "nspcc-learning-minoritised-communities-culture-faith-language.md",
)
HEAVY = ("torch", "transformers", "sentence_transformers", "openvino", "chromadb")

pytestmark = pytest.mark.integration


def rla(args: Sequence[str], data: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLA_")}
    env.update(RLA_DATA_DIR=str(data), HF_HUB_OFFLINE="1")
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def library(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A data directory holding a small demo library, ingested by `rla ingest` in a subprocess."""
    folder = tmp_path_factory.mktemp("quiet-library")
    for name in SMALL:
        shutil.copy(DEMO / name, folder / name)
    data = tmp_path_factory.mktemp("quiet-data")
    return data, rla(["ingest", str(folder), "--demo"], data, folder)


def test_the_demo_files_exist() -> None:
    assert all((DEMO / name).is_file() for name in SMALL), "update SMALL to the demo library"


def test_ingest_is_silent_on_stderr(library) -> None:  # type: ignore[no-untyped-def]
    _, done = library
    assert done.returncode == 0, done.stderr
    assert "3 added" in done.stdout
    assert done.stderr == ""


COMMANDS = {
    "ask": [["ask", "What is adultification bias?"]],
    "ask-json": [["ask", "--json", "How were interpreters used?"]],
    "library": [["library", "list"], ["library", "list", "--json"], ["library", "builds"]],
    "pack-markdown": [["pack", "adultification"]],
    "pack-docx": [["pack", "adultification", "--format", "docx", "-o", "pack.docx"]],
    "compare": [["compare", "Adultification"]],
    "silence-map": [["silence-map", "--json"]],
    "eval": [
        ["eval", "run", "gold-demo-v1", "--limit", "2", "--out", "runs", "--name", "r", "--quiet"],
        ["eval", "compare", "runs/r", "runs/r"],
        ["eval", "acceptance", "runs/r"],
    ],
    "db": [["db", "upgrade"]],
    "purge": [["purge", "--dry-run"]],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_is_silent_on_stderr_when_it_succeeds(
    name: str, library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data, ingested = library
    assert ingested.returncode == 0, ingested.stderr
    for args in COMMANDS[name]:
        done = rla(args, data, tmp_path)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        assert done.stdout.strip() or (tmp_path / args[-1]).is_file(), args
        assert done.stderr == "", (args, done.stderr[-2000:])


def test_serve_is_silent_on_stderr_until_stopped(library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, _ = library
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLA_")}
    env.update(RLA_DATA_DIR=str(data), HF_HUB_OFFLINE="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", "0"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        lines = []
        for line in server.stdout:
            lines.append(line)
            if line.startswith("Serving"):
                break
        assert lines and lines[-1].startswith("Serving"), lines
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=60)
    assert stderr == ""


# --- without a library: a one-line message, before any model or vector store is imported ------

NO_LIBRARY = [
    ["ask", "What is adultification bias?"],
    ["pack", "adultification"],
    ["compare", "Adultification"],
    ["silence-map"],
    ["library", "list"],
    ["eval", "run", "gold-demo-v1", "--quiet"],
    ["serve", "--port", "0"],
]


@pytest.mark.parametrize("args", NO_LIBRARY, ids=lambda a: a[0])
def test_no_library_is_reported_before_any_model_loads(args: list[str], tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from cli.main import main\n"
        f"code = main({args!r})\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLA_")}
    env.update(RLA_DATA_DIR=str(tmp_path / "data"), HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"  # nothing heavy was imported
    assert "no library has been ingested into" in done.stderr
    assert str((tmp_path / "data").resolve()) in done.stderr  # where it looked, in full
    assert len(done.stderr.strip().splitlines()) == 1
