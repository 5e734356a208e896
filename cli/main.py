"""The `rla` command: the command-line composition root.

Each subcommand lives in the package that owns it and exposes ``add_arguments(parser)`` and
``run(args, settings) -> int``; this module only parses, builds Settings once, and turns RlaError
into a one-line message and an exit code. Command modules are imported lazily so `rla --help`
stays fast and the core never imports the shells.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant.errors import RlaError

COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": ("ingest.commands_ingest", "Ingest documents into a new build and serve it."),
    "library": ("ingest.commands_library", "List the documents of the served build."),
    "ask": ("cli.ask", "Ask a question; print a cited answer."),
    "serve": ("web.commands_serve", "Serve the chat page (production WSGI server)."),
    "purge": ("web.commands_purge", "Delete stored conversations and feedback past retention."),
    "db": ("web.commands_db", "Migrate the conversation database's schema (Alembic)."),
    "eval": ("evals.commands_eval", "Run evaluations and compare runs."),
    "pack": ("cli.pack", "Draft a trainer session pack on a theme or question."),
    "compare": ("cli.compare", "Compare every document on a question or theme."),
    "silence-map": ("cli.silence_map", "Every document against each race theme."),
}


def _parser(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, dict[str, object]]:
    """The parser, with the chosen command's options: only that command's module is imported
    (a cold `rla ask` never imports the web app, Alembic or the eval harness)."""
    parser = argparse.ArgumentParser(
        prog="rla",
        description="Review Learning Assistant: cited answers from safeguarding reviews.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    modules: dict[str, object] = {}
    for name, (module_name, help_text) in COMMANDS.items():
        if not _installed(module_name):
            continue  # that part of the product is not installed in this checkout
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            modules[name] = importlib.import_module(module_name)
            modules[name].add_arguments(command)  # type: ignore[attr-defined]
    return parser, modules


def _installed(module_name: str) -> bool:
    """Whether the command's module exists, found without importing its package."""
    top, _, rest = module_name.partition(".")
    spec = importlib.util.find_spec(top)  # a top-level package is located, not run
    if spec is None or not spec.submodule_search_locations:
        return spec is not None and not rest
    return any(
        (Path(folder) / (rest.replace(".", "/") + ".py")).is_file()
        for folder in spec.submodule_search_locations
    )


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    parser, modules = _parser(given)
    args = parser.parse_args(given)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from assistant.settings import Settings

    try:
        settings = Settings()
        return int(modules[args.command].run(args, settings))  # type: ignore[attr-defined]
    except RlaError as exc:
        print(f"rla {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
