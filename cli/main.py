"""The `rla` command: the command-line composition root.

Each subcommand lives in the package that owns it and exposes ``add_arguments(parser)`` and
``run(args, settings) -> int``; this module only parses, builds Settings once, and turns RlaError
into a one-line message and an exit code. Command modules are imported lazily so `rla --help`
stays fast and the core never imports the shells.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

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


def _parser() -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parser = argparse.ArgumentParser(
        prog="rla",
        description="Review Learning Assistant: cited answers from safeguarding reviews.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules: dict[str, object] = {}
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that part of the product is not installed in this checkout
            raise
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    parser, modules = _parser()
    args = parser.parse_args(argv)
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
