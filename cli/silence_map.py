"""`rla silence-map [--json] [--filter KEY=VALUE]...`: every document against every race theme.

JSON: ``{"build_id", "bank_version", "filters", "themes": [{"theme_id", "label", "search",
"addresses", "mentions", "silent"}], "rows": [{"doc_id", "title", "doc_type", "year",
"cells": {theme_id: status}, "quotes": {theme_id: {"quote", "page", "viewer_url"}}}]}``.
Cached per build under ``<data_dir>/cache/silence-map/``.
"""

from __future__ import annotations

import argparse
import json

from assistant.settings import Settings
from cli.ask import add_filter_option, parse_filters

MARKS = {"addresses": "A", "mentions": "m", "silent": "."}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the map as JSON")
    add_filter_option(parser)


def run(args: argparse.Namespace, settings: Settings) -> int:
    filters = parse_filters(args.filter)
    from assistant.packs.evidence_source import evidence_source
    from assistant.packs.question_bank import load_bank
    from assistant.packs.silence_map import silence_map
    from assistant.pipeline import build_assistant

    cache = settings.data_dir / "cache" / "silence-map"
    result = silence_map(
        evidence_source(build_assistant(settings)), load_bank(), filters, cache_dir=cache
    )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"Silence map, build {result.build_id}: A = addresses, m = mentions, . = not addressed\n")
    for i, theme in enumerate(result.themes, 1):
        print(f"  {i}. {theme.label}: {theme.silent} of {len(result.rows)} documents silent")
    print("\n" + " ".join(str(i) for i in range(1, len(result.themes) + 1)) + "  document")
    for row in result.rows:
        print(" ".join(MARKS.get(c.status, "?") for c in row.cells) + f"  {row.title}")
    return 0
