"""docs/deploy.md names only settings, commands and `rla serve` flags that exist."""

from __future__ import annotations

import argparse
import re

from assistant.settings import Settings
from cli.main import COMMANDS
from tests.conftest import REPO
from web import commands_serve

DOC = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")


def test_every_setting_named_in_the_guide_exists() -> None:
    named = set(re.findall(r"\bRLA_([A-Z_]+[A-Z])\b", DOC))
    assert named, "the guide names no settings"
    unknown = {n for n in named if n.lower() not in Settings.model_fields}
    assert not unknown, f"docs/deploy.md names unknown settings: {sorted(unknown)}"


def test_every_command_and_serve_flag_in_the_guide_exists() -> None:
    commands = set(re.findall(r"\brla (\w+)", DOC))
    assert {"serve", "ingest", "db", "purge"} <= commands
    assert commands <= set(COMMANDS) | {"run"}  # "chroma run" is Chroma's command
    parser = argparse.ArgumentParser()
    commands_serve.add_arguments(parser)
    known = {opt for action in parser._actions for opt in action.option_strings}
    flags = set(re.findall(r"(--[a-z][a-z-]+)", DOC)) - {"--path", "--dry-run"}
    assert flags <= known, f"unknown rla serve flags in docs/deploy.md: {sorted(flags - known)}"
