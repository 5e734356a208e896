"""`rla <command>` imports only that command's module: a cold `rla ask` never pays for the web
app, Alembic or the eval harness, while `rla --help` still lists every command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHELLS = ("web", "evals", "alembic", "flask", "sqlalchemy")


def loaded_after(argv: list[str]) -> tuple[list[str], str]:
    code = (
        "import contextlib, io, json, sys\n"
        "from cli.main import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        f"        main({argv!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"shells = sorted(m for m in sys.modules if m.split('.')[0] in {SHELLS!r})\n"
        "print(json.dumps([shells, out.getvalue()]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    shells, printed = json.loads(done.stdout.strip().splitlines()[-1])
    return shells, printed


def test_ask_imports_no_shell_of_another_command() -> None:
    shells, printed = loaded_after(["ask", "--help"])
    assert "--generator" in printed  # the ask command's own options were added
    assert shells == []


def test_help_lists_every_command_without_importing_them() -> None:
    from cli.main import COMMANDS

    shells, printed = loaded_after(["--help"])
    assert all(name in printed for name in COMMANDS)
    assert shells == []


def test_the_chosen_command_is_imported_and_parses_its_options() -> None:
    shells, printed = loaded_after(["serve", "--help"])
    assert "--port" in printed
    assert "web" in shells
