"""`rla compare "question" [--json] [--filter KEY=VALUE]...`: one row per document in the library.

A theme (id, name or alias from the reflective-question bank) is searched with its question.
JSON: ``{"question", "build_id", "theme_id", "filters", "rows": [{"doc_id", "title", "doc_type",
"area", "year", "status", "status_label", "quote", "page", "page_index", "url", "viewer_url"}]}``.
"""

from __future__ import annotations

import argparse
import json
import textwrap

from assistant.settings import Settings
from cli.ask import add_filter_option, parse_filters


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", help="a question or a theme, in quotes")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    add_filter_option(parser)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from cli.pack import check_topic

    check_topic(args.question)
    filters = parse_filters(args.filter)
    from assistant.packs.comparison import compare
    from assistant.packs.evidence_source import evidence_source
    from assistant.packs.question_bank import load_bank
    from assistant.pipeline import build_assistant

    theme = load_bank().match(args.question)
    question = theme.search if theme else args.question
    comparison = compare(evidence_source(build_assistant(settings)), question, filters)
    if args.json:
        data = comparison.to_dict()
        data["theme_id"] = theme.theme_id if theme else None
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(
        f'Compared {len(comparison.rows)} documents (build {comparison.build_id}) for "{question}"\n'
    )
    for row in comparison.rows:
        where = ", ".join(str(x) for x in (row.doc_type, row.area, row.year) if x)
        print(f"[{row.status_label}] {row.title} ({where})")
        if row.quote:
            text = f'"{row.quote.quote}" (page {row.quote.page_start})'
            print(textwrap.fill(text, width=100, initial_indent="    ", subsequent_indent="    "))
    return 0
