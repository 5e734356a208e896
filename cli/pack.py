"""`rla pack THEME_OR_QUESTION [--format docx|pdf|md|pptx] [-o FILE] [--filter KEY=VALUE]...`.

Drafts a session pack from the served library. Markdown goes to standard output unless ``-o`` is
given; the other formats are written to ``-o FILE`` or to ``session-pack-<topic>.<ext>`` here. A
one-line summary (status and counts, never the topic text) goes to standard error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.errors import ConfigurationError
from assistant.settings import Settings
from cli.ask import add_filter_option, parse_filters


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "topic", metavar="THEME_OR_QUESTION", help="a theme (id or name) or a question"
    )
    parser.add_argument("--format", choices=("docx", "pdf", "md", "pptx"), default="md")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="where to write the pack ('-' = stdout)"
    )
    add_filter_option(parser)


def check_topic(topic: str) -> None:
    """A usage error for an empty topic or one holding identifying details (never echoed)."""
    from assistant.checks.personal_data import describe, detect

    if not topic.strip():
        raise ConfigurationError("give a theme or a question")
    kinds = detect(topic)
    if kinds:
        raise ConfigurationError(
            f"the topic seems to hold details that could identify a person ({describe(kinds)}): "
            "remove them and try again"
        )


def run(args: argparse.Namespace, settings: Settings) -> int:
    check_topic(args.topic)
    filters = parse_filters(args.filter)
    from assistant.packs.evidence_source import evidence_source
    from assistant.packs.formats import FORMATS, outline, render
    from assistant.packs.question_bank import load_bank
    from assistant.packs.session import draft_pack
    from assistant.pipeline import build_assistant

    pack = draft_pack(evidence_source(build_assistant(settings)), args.topic, load_bank(), filters)
    data = render(pack, args.format)
    target = args.output or (
        "-" if args.format == "md" else outline.file_stem(pack) + FORMATS[args.format].extension
    )
    if target == "-":  # the pack is the output: nothing else is printed (stderr stays silent)
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        Path(target).write_bytes(data)
    except OSError as exc:
        raise ConfigurationError(f"cannot write {target}: {exc.strerror}") from exc
    print(
        f"pack {pack.status}: {len(pack.points)} learning points, {len(pack.summaries)} case "
        f"summaries, {len(pack.questions)} discussion questions; written to {target}"
    )
    return 0
